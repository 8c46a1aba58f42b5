"""Both sides of the skill scanner: false positives over a corpus of real skills and
recall on the malicious set (tests/data/malicious_skills), with the time per skill.

    python benchmarks/bench_scan.py ../shared/corpus [--show]

Prints one JSON object:
- ``corpus``: skills scanned, verdict counts, ``fp_rate`` (share judged dangerous:
  every corpus skill is taken as benign), ``caution_rate``, ``ms_per_skill`` (p50, mean);
- ``malicious``: ``recall`` (share judged dangerous WITH a high finding of the case's
  category), ``flagged`` (share judged caution or dangerous with a finding of its
  category), and both per category; ``fresh_recall``: the cases written after the
  rules (their first-pass recall, before the rules were widened, was 0.4);
- ``benign_lookalikes``: the set's skills that quote attacks or use the network
  harmlessly; ``dangerous`` must be 0.
``--show`` adds the corpus skills judged dangerous or caution and the missed cases.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hermes_tui.core.guard.scan import HIGH, LOW, scan_folder  # noqa: E402
from tests.data.malicious_skills.cases import ALL_MALICIOUS, BENIGN, FRESH, build  # noqa: E402


def skill_folders(root: Path) -> list[Path]:
    return sorted({p.parent for p in root.rglob("*") if p.name.lower() == "skill.md" and p.is_file()})


def corpus_side(root: Path, show: bool) -> dict:
    folders = skill_folders(root)
    verdicts: Counter[str] = Counter()
    times = []
    flagged = []
    for folder in folders:
        start = time.perf_counter()
        report = scan_folder(folder)
        times.append((time.perf_counter() - start) * 1000)
        verdicts[report.verdict] += 1
        if show and report.verdict != "safe":
            flagged.append({"skill": str(folder.relative_to(root)), "verdict": report.verdict,
                            "findings": [f"{f.id} {f.file}:{f.line}" for f in report.findings if f.severity != LOW]})
    n = max(len(folders), 1)
    out = {
        "skills": len(folders),
        "verdicts": dict(verdicts),
        "fp_rate": round(verdicts["dangerous"] / n, 4),
        "caution_rate": round(verdicts["caution"] / n, 4),
        "ms_per_skill": {"p50": round(statistics.median(times), 1) if times else 0, "mean": round(sum(times) / n, 1)},
    }
    if show:
        out["flagged"] = flagged
    return out


def malicious_side(show: bool) -> tuple[dict, dict]:
    per: dict[str, Counter[str]] = defaultdict(Counter)
    fresh: Counter[str] = Counter()
    missed = []
    fresh_names = {c.name for c in FRESH}
    with tempfile.TemporaryDirectory() as tmp:
        for case, folder in build(Path(tmp) / "malicious", ALL_MALICIOUS):
            report = scan_folder(folder)
            detected = report.verdict == "dangerous" and any(f.category == case.category and f.severity == HIGH for f in report.findings)
            noticed = report.verdict != "safe" and any(f.category == case.category and f.severity != LOW for f in report.findings)
            per[case.category]["cases"] += 1
            per[case.category]["detected"] += detected
            per[case.category]["flagged"] += noticed
            if case.name in fresh_names:
                fresh["cases"] += 1
                fresh["detected"] += detected
            if show and not detected:
                missed.append({"case": case.name, "verdict": report.verdict, "findings": [f.id for f in report.findings]})
        benign = Counter(scan_folder(folder).verdict for _case, folder in build(Path(tmp) / "benign", BENIGN))
    total = sum(c["cases"] for c in per.values())
    malicious = {
        "cases": total,
        "recall": round(sum(c["detected"] for c in per.values()) / total, 4),
        "flagged": round(sum(c["flagged"] for c in per.values()) / total, 4),
        "fresh_recall": round(fresh["detected"] / max(fresh["cases"], 1), 4),  # FRESH alone (first pass: 0.4)
        "per_category": {
            cat: {"cases": c["cases"], "recall": round(c["detected"] / c["cases"], 4), "flagged": round(c["flagged"] / c["cases"], 4)}
            for cat, c in sorted(per.items())
        },
    }
    if show:
        malicious["missed"] = missed
    return malicious, {"skills": len(BENIGN), "verdicts": dict(benign), "dangerous": benign["dangerous"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path, help="a folder of real skills (e.g. ../shared/corpus)")
    parser.add_argument("--show", action="store_true", help="list what was flagged and what was missed")
    args = parser.parse_args()
    if not skill_folders(args.corpus):
        parser.error(f"no skills (SKILL.md) under {args.corpus}")
    malicious, benign = malicious_side(args.show)
    print(json.dumps({"corpus": corpus_side(args.corpus, args.show), "malicious": malicious, "benign_lookalikes": benign}, indent=1))


if __name__ == "__main__":
    main()
