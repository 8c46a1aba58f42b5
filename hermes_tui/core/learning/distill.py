"""Distill: episodes' traces -> a SKILL.md candidate.

Two distillers write the same kind of skill (Agent Skills format, strict-validator
clean, body sections "When to use", "Procedure", "Pitfalls", "Verification", with
provenance in ``metadata``):

* :func:`distill_deterministic` builds it from the traces alone: the successful
  commands of the chosen episode in order as the procedure (read-only exploration
  left out), every failed call with its error as a pitfall (with what worked
  instead), the read-only checks after the last step as the verification.
* :func:`distill_with_model` asks the model (litellm, through :class:`ModelClient`)
  with the prompt from ``prompt.build_distill_messages``; its answer may be fenced
  or surrounded by text (:func:`extract_skill_md`). An answer that is unusable (a
  refusal, invalid frontmatter, missing sections, a procedure without the commands
  that worked) raises :class:`UnusableAnswer`; the caller then falls back.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from hermes_tui.core.learning.traces import Call, Trace, normalise_task
from hermes_tui.errors import HermesError

SECTIONS = ("When to use", "Procedure", "Pitfalls", "Verification")
DETERMINISTIC = "deterministic"
NAME_WORDS = 5
_FENCE_RE = re.compile(r"```[ \t]*(?:markdown|md|yaml)?[ \t]*\n(.*?)\n[ \t]*```", re.S | re.I)


class UnusableAnswer(HermesError):
    """The model's answer cannot be used as a skill (the message says why)."""


@dataclass
class Candidate:
    """A distilled skill: its text, and where it came from."""

    name: str
    text: str
    distiller: str  # a model name or "deterministic"
    trigger: str  # "repeated" or "long"
    episodes: list[str]
    commands: list[str] = field(default_factory=list)  # the procedure's commands, in order
    pitfalls: list[str] = field(default_factory=list)  # the failed commands it warns about
    fallback_reason: str = ""  # why the model's answer was not used


# -- picking the evidence -------------------------------------------------------------
def procedure_calls(trace: Trace) -> list[Call]:
    """The calls that did the work: successful and not read-only, in order."""
    return [c for c in trace.calls if c.ok and not c.read_only]


def verification_calls(trace: Trace) -> list[Call]:
    """Successful read-only checks after the last working step."""
    steps = [i for i, c in enumerate(trace.calls) if c.ok and not c.read_only]
    if not steps:
        return []
    return [c for c in trace.calls[steps[-1] + 1 :] if c.ok and c.read_only and c.tool == "terminal"]


def best_trace(traces: Sequence[Trace]) -> Trace:
    """The episode whose procedure the skill follows: a success with the most recent start."""
    successes = [t for t in traces if t.succeeded and procedure_calls(t)]
    if not successes:
        raise HermesError("no successful episode with working steps to learn from")
    return max(successes, key=lambda t: t.started_at)


def pitfalls(traces: Sequence[Trace]) -> list[tuple[Call, Call | None]]:
    """Each distinct failed call with the next working call of its episode (what worked instead)."""
    seen: set[str] = set()
    out: list[tuple[Call, Call | None]] = []
    for trace in traces:
        for i, call in enumerate(trace.calls):
            if call.ok or call.command in seen:
                continue
            seen.add(call.command)
            instead = next((c for c in trace.calls[i + 1 :] if c.ok and not c.read_only), None)
            out.append((call, instead))
    return out


# -- names and descriptions -----------------------------------------------------------
def skill_name(task: str) -> str:
    """A specific, valid skill name from the task's content words."""
    words = [re.sub(r"[^a-z0-9]+", "-", w).strip("-") for w in normalise_task(task).split()]
    name = "-".join(w for w in words[:NAME_WORDS] if w)[:64].strip("-")
    return name or "learned-procedure"


def description_for(traces: Sequence[Trace]) -> str:
    """The tasks in the user's own words (distinct phrasings, newest first)."""
    tasks = list(dict.fromkeys(" ".join(t.task.split()) for t in sorted(traces, key=lambda t: -t.started_at)))
    first = tasks[0].rstrip(".")
    text = f"{first[:1].upper()}{first[1:]}: the commands that worked, the pitfalls seen, and how to check the result."
    others = [t.rstrip(".") for t in tasks[1:3]]
    if others:
        text += " Also for: " + "; ".join(others) + "."
    return text[:1000]


# -- rendering ------------------------------------------------------------------------
def provenance(traces: Sequence[Trace], *, distiller: str, trigger: str, now: float | None = None) -> dict[str, str]:
    return {
        "learned-from": ",".join(t.episode_id for t in traces),
        "distiller": distiller,
        "learned-at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now if now is not None else time.time())),
        "trigger": trigger,
    }


def render(name: str, description: str, body: str, metadata: dict[str, str]) -> str:
    """A SKILL.md: frontmatter (strings JSON-quoted, which YAML reads as they are) and body."""
    lines = ["---", f"name: {name}", f"description: {json.dumps(description, ensure_ascii=False)}", "metadata:"]
    lines += [f"  {key}: {json.dumps(value, ensure_ascii=False)}" for key, value in metadata.items()]
    return "\n".join(lines) + "\n---\n" + body.strip() + "\n"


def _code(text: str) -> str:
    text = " ".join(text.split())
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _step(call: Call) -> str:
    if call.tool == "terminal":
        return f"Run {_code(call.command)}"
    return f"Call {call.tool} with {_code(call.command)}"


def deterministic_body(traces: Sequence[Trace]) -> tuple[str, list[str], list[str]]:
    """(body, procedure commands, failed commands) from the traces alone."""
    trace = best_trace(traces)
    steps = procedure_calls(trace)
    tasks = list(dict.fromkeys(" ".join(t.task.split()) for t in traces))
    title = tasks[0].rstrip(".")
    out = [f"# {title[:1].upper()}{title[1:]}", "", "## When to use", ""]
    out += [f"- {task}" for task in tasks[:5]]
    out += ["", "## Procedure", ""]
    out += [f"{n}. {_step(call)}" for n, call in enumerate(steps, 1)]
    out += ["", "## Pitfalls", ""]
    found = pitfalls(traces)
    for failed, instead in found:
        line = f"- {_step(failed)} failed: {failed.error or 'it did not work'}."
        if instead is not None:
            line += f" What worked instead: {_code(instead.command)}."
        out.append(line)
    if not found:
        out.append("- None seen: every recorded attempt worked.")
    out += ["", "## Verification", ""]
    checks = verification_calls(trace)
    out += [f"- {_step(call)} and check its output." for call in checks]
    if not checks:
        out.append("- Every step above exits with status 0; check the result the task asked for.")
    return "\n".join(out), [c.command for c in steps], [f.command for f, _ in found]


def distill_deterministic(traces: Sequence[Trace], *, trigger: str, name: str | None = None) -> Candidate:
    body, commands, failed = deterministic_body(traces)
    name = name or skill_name(best_trace(traces).task)
    meta = provenance(traces, distiller=DETERMINISTIC, trigger=trigger)
    text = render(name, description_for(traces), body, meta)
    check_skill_text(text, name=name, commands=commands)
    return Candidate(name, text, DETERMINISTIC, trigger, [t.episode_id for t in traces], commands, failed)


# -- the model distiller --------------------------------------------------------------
def extract_skill_md(answer: str) -> str:
    """The SKILL.md in a model's answer: a fenced block holding frontmatter, or the text
    from a line ``---`` on. UnusableAnswer when there is none (e.g. a refusal)."""
    for block in _FENCE_RE.findall(answer or ""):
        if block.lstrip().startswith("---"):
            return block.strip() + "\n"
    match = re.search(r"(?m)^---[ \t]*$", answer or "")
    if match is None:
        raise UnusableAnswer("the model's answer holds no SKILL.md (no frontmatter)")
    text = answer[match.start() :]
    closing = re.search(r"(?m)^```[ \t]*$", text)  # an unclosed fence's tail
    return (text[: closing.start()] if closing else text).strip() + "\n"


def check_skill_text(text: str, *, name: str, commands: Sequence[str]) -> Any:
    """Parse and check a candidate: strict-validator clean, the four sections, and every
    command that worked in its Procedure. Returns the parsed Skill; UnusableAnswer if not."""
    from hermes_tui.core.skills.parse import parse_skill_text
    from hermes_tui.core.skills.validate import errors, validate_skill

    skill = parse_skill_text(text, path=Path(name) / "SKILL.md")
    problems = errors(validate_skill(skill))
    if problems:
        first = problems[0]
        raise UnusableAnswer(f"invalid SKILL.md: {first.field}: {first.message}")
    sections = section_texts(skill.body)
    missing = [s for s in SECTIONS if s.lower() not in sections]
    if missing:
        raise UnusableAnswer(f"the SKILL.md lacks the section(s) {', '.join(missing)}")
    procedure = " ".join(sections["procedure"].split())
    absent = [c for c in commands if " ".join(c.split()) not in procedure]
    if absent:
        raise UnusableAnswer(f"the procedure lacks the command that worked: {absent[0]}")
    return skill


def section_texts(body: str) -> dict[str, str]:
    """``## Heading`` sections of a body by lower-case heading."""
    out: dict[str, str] = {}
    current = None
    for line in body.splitlines():
        match = re.match(r"^#{2,3}[ \t]+(.+?)[ \t#]*$", line)
        if match:
            current = match.group(1).strip().lower()
            out.setdefault(current, "")
        elif current is not None:
            out[current] += line + "\n"
    return out


def distill_with_model(
    traces: Sequence[Trace], *, trigger: str, complete: Callable[[list[dict[str, str]]], str], model: str
) -> Candidate:
    """Ask the model (``complete(messages) -> answer text``); UnusableAnswer if its answer is unusable."""
    from hermes_tui.core.agent.prompt import build_distill_messages
    from hermes_tui.core.skills.parse import parse_skill_text
    from hermes_tui.core.skills.validate import errors, is_valid_name, validate_skill

    name = skill_name(best_trace(traces).task)
    commands = [c.command for c in procedure_calls(best_trace(traces))]
    answer = complete(build_distill_messages([t.evidence() for t in traces], name=name))
    text = extract_skill_md(answer)
    skill = parse_skill_text(text, path=Path(name) / "SKILL.md")
    final_name = skill.name if is_valid_name(skill.name or "") else name
    if final_name != name:  # the model's own name: its folder is named after it
        skill = parse_skill_text(text, path=Path(final_name) / "SKILL.md")
    problems = errors(validate_skill(skill))
    if problems:
        raise UnusableAnswer(f"invalid frontmatter: {problems[0].field}: {problems[0].message}")
    meta = provenance(traces, distiller=model, trigger=trigger)
    text = render(final_name, skill.description, skill.body, meta)
    check_skill_text(text, name=final_name, commands=commands)
    failed = [f.command for f, _ in pitfalls(traces)]
    return Candidate(final_name, text, model, trigger, [t.episode_id for t in traces], commands, failed)


def distill(
    traces: Sequence[Trace],
    *,
    trigger: str,
    complete: Callable[[list[dict[str, str]]], str] | None = None,
    model: str = "",
) -> Candidate:
    """The model's skill when it writes a usable one, else the deterministic skill."""
    reason = "no model configured"
    if complete is not None:
        try:
            return distill_with_model(traces, trigger=trigger, complete=complete, model=model)
        except HermesError as exc:
            reason = exc.message
    candidate = distill_deterministic(traces, trigger=trigger)
    candidate.fallback_reason = reason
    return candidate
