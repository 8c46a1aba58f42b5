"""The ONE place prompts are built: the system prompt, its skills index, ``/skill`` expansion.

The system prompt has four parts, in this order:

1. an identity: who the agent is and how it works (plan, use tools, verify);
2. a FROZEN snapshot of ``MEMORY.md`` and ``USER.md``, read once when the session
   starts (see :func:`read_memory_snapshot`), so the prompt stays the same for the
   whole session (and prompt caches keep working) whatever the memory tool writes;
3. the skills index (progressive disclosure): the skills most relevant to the task
   with their descriptions, every other active skill by name grouped by category,
   all within ``config.prompt.skills_budget_tokens``; the model reads a skill's full
   text with ``skill_view(name)``;
4. short guidance on the tools it was given.

Only skills from :meth:`SkillLibrary.active` (state "active", usable description)
are ever shown or expanded: never pending, stale, archived, broken or quarantined
ones (a skill the scan judged dangerous is quarantined when it is loaded). Memory
entries the scan judges dangerous (a hand edit of MEMORY.md, say) are left out.
Everything is deterministic: the same inputs give the same prompt.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from hermes_tui.core.agent.routing import Match, query_terms, route, word_forms
from hermes_tui.core.agent.tokens import count_tokens
from hermes_tui.core.config import LearningConfig
from hermes_tui.core.learning.review import row_flags
from hermes_tui.core.guard.unicode import strip_invisible
from hermes_tui.core.hermes.usage import hermes_stale, is_pinned
from hermes_tui.errors import HermesError

if TYPE_CHECKING:  # only for type checkers: keeps imports light
    from hermes_tui.core.config import Config
    from hermes_tui.core.home import Home

__all__ = [
    "PromptParts",
    "build_system_prompt",
    "build_skills_index",
    "match_skills",
    "query_terms",
    "read_memory_snapshot",
    "memory_entries",
    "shorten",
    "word_forms",
    "expand_slash_command",
    "IDENTITY",
    "DISTILL_MARKER",
    "build_distill_messages",
]

IDENTITY = """\
You are Hermes, an agent that gets real work done on the user's machine with the tools \
you are given, and that gets better over time through skills and memory.

How you work:
- Understand the task first; ask only when something essential is missing.
- Plan briefly, then act with tools; check the effect of each step before the next.
- Verify the result (run the tests, re-read the file, check the output) before you say it is done.
- Be concise: report what you did, what you found and anything left open. Never invent results."""

MEMORY_SEPARATOR = "§"  # a line holding only this separates entries in MEMORY.md / USER.md
UNCATEGORIZED = "uncategorized"

# Description caps (characters) tried in turn before fewer relevant skills are shown.
_DESCRIPTION_CAPS = (300, 200, 150, 110, 80)
_MIN_DESCRIPTION = 40  # the shortest cut still worth showing
_MIN_RELEVANT = 3  # relevant skills kept while other names are cut, budget permitting
_RELEVANT_SHARE = 0.5  # when names must be cut anyway, the relevant part may use this much
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


@dataclass(frozen=True)
class PromptParts:
    """A built system prompt and what its skills index shows.

    ``relevant`` and ``listed`` are skill_ids (unique in the library; accepted by
    :meth:`SkillLibrary.resolve`): ``relevant`` were shown with their description,
    ``listed`` by name only (skills hidden behind "(+N more)" are in neither).
    ``index_tokens`` is the size of the skills index (never above the budget).
    """

    system: str
    relevant: list[str]
    listed: list[str]
    index_tokens: int
    index: str = ""  # the skills index text alone (also inside ``system``)


# -- the system prompt ------------------------------------------------------------------
def build_system_prompt(
    *,
    home: "Home",
    config: "Config",
    library: Any,
    store: Any,
    task: str,
    tool_names: list[str],
    memory_snapshot: dict[str, str] | None = None,
) -> PromptParts:
    """Build the system prompt for a session that starts with ``task``.

    ``memory_snapshot`` is ``{"memory": MEMORY.md text, "user": USER.md text}`` taken
    at session start (:func:`read_memory_snapshot`); when None the files are read now.
    """
    snapshot = read_memory_snapshot(home) if memory_snapshot is None else memory_snapshot
    index, relevant, listed = build_skills_index(
        library=library,
        store=store,
        task=task,
        budget=config.prompt.skills_budget_tokens,
        relevant_limit=config.prompt.relevant_skills,
        config=config,
    )
    index = strip_invisible(index)
    sections = [IDENTITY, _memory_section(snapshot, home), index, _tool_section(tool_names)]
    system = strip_invisible("\n\n".join(s for s in sections if s))  # no hidden text reaches a model
    return PromptParts(
        system=system,
        relevant=relevant,
        listed=listed,
        index_tokens=count_tokens(index),
        index=index,
    )


# -- memory -----------------------------------------------------------------------------
def read_memory_snapshot(home: "Home") -> dict[str, str]:
    """Read MEMORY.md and USER.md once (missing or unreadable files read as empty).

    Returns ``{"memory": text, "user": text}``; keep it for the whole session.
    """
    snapshot: dict[str, str] = {}
    for key, path in (("memory", home.memory_file), ("user", home.user_file)):
        try:
            snapshot[key] = path.read_text("utf-8", errors="replace")
        except OSError:
            snapshot[key] = ""
    return snapshot


def memory_entries(text: str) -> list[str]:
    """The entries of a memory file: blocks separated by lines holding only "§"."""
    from hermes_tui.core.memory import parse_entries

    return parse_entries(text)


def _dangerous(entry: str, target: str, home: "Home | None") -> bool:
    """Whether the scan judges a memory entry dangerous and no person cleared it (it then never reaches a prompt)."""
    from hermes_tui.core.guard.policy import Clearances
    from hermes_tui.core.guard.scan import DANGEROUS, scan_text

    if scan_text(entry, "MEMORY.md").verdict != DANGEROUS:
        return False
    return home is None or not Clearances(home).has(f"memory:{target}", Clearances.digest(entry))


def _memory_section(snapshot: Mapping[str, str], home: "Home | None" = None) -> str:
    parts: list[str] = []
    for key, title in (
        ("memory", "Your notes (MEMORY.md)"),
        ("user", "About the user (USER.md)"),
    ):
        entries = [e for e in memory_entries(snapshot.get(key) or "") if not _dangerous(e, key, home)]
        if entries:
            parts.append(f"{title}:\n" + f"\n{MEMORY_SEPARATOR}\n".join(entries))
    if not parts:
        return ""
    head = (
        "## Memory\n"
        "A snapshot taken when this session started. What you save with the memory tool "
        "is kept for later sessions but does not change this snapshot."
    )
    return head + "\n\n" + "\n\n".join(parts)


# -- tool guidance ----------------------------------------------------------------------
_TOOL_NOTES: dict[str, str] = {
    "skills_list": "skills_list: list every skill by category when the index above does not show what you need.",
    "skill_view": "skill_view(name): read a skill's full instructions before work it covers, then follow them.",
    "skill_manage": (
        "skill_manage: after hard-won work or a correction, save the reusable procedure as a skill "
        "(changes may wait for the user's approval)."
    ),
    "memory": (
        "memory: save durable facts that will matter in later sessions (user preferences, "
        "environment details, lessons learned); not task progress, never secrets."
    ),
    "session_search": (
        "session_search: search past sessions when the user refers to earlier work "
        "or the problem may have been solved before."
    ),
    "terminal": (
        "terminal: run shell commands in the working folder. Inspect before you change; "
        "never run destructive commands (deleting data, force-pushing, killing unknown processes) "
        "unless the user asked for them. Some commands need the user's approval; if one is denied, "
        "do not retry it another way: find a safe alternative or ask."
    ),
    "read_file": "read_file: read a file (prefer it over cat in the terminal).",
    "write_file": "write_file: create or overwrite a whole file.",
    "patch": "patch: change part of a file in place; re-read the file after editing.",
    "search_files": "search_files: find files by name or content.",
    "web_search": "web_search: look up current information on the web; cite what you use.",
    "web_extract": "web_extract: read the text of a web page.",
    "todo": "todo: keep a short task list for multi-step work and update it as you go.",
}


def _tool_section(tool_names: Sequence[str]) -> str:
    if not tool_names:
        return ""
    names = list(dict.fromkeys(tool_names))  # keep the caller's order, drop repeats
    lines = [f"- {_TOOL_NOTES[n]}" for n in names if n in _TOOL_NOTES]
    others = [n for n in names if n not in _TOOL_NOTES]
    if others:
        lines.append(f"- Also available (see their descriptions): {', '.join(others)}.")
    return "## Tools\n" + "\n".join(lines)


# -- routing: which skills fit the task ------------------------------------------------
def match_skills(
    library: Any,
    store: Any,
    task: str,
    *,
    limit: int,
    config: "Config | None" = None,
    rows: list[dict[str, Any]] | None = None,
    warnings: list[str] | None = None,
) -> list[Match]:
    """The active skills that fit ``task``, best first (at most ``limit``): the order of
    the skills index (``hermes-tui skills match`` prints it). With an embedding model
    in ``config`` (``[search] embedding_model``) the best candidates are re-ranked by it;
    when that fails the order stays lexical and the reason is added to ``warnings``.
    ``rows`` is ``library.active()`` when the caller has it already."""
    rows = library.active() if rows is None else rows
    if config is None or not config.search.embedding_model:
        return route(store, task, rows, limit=limit)
    from hermes_tui.core.agent.embeddings import EmbeddingReranker

    reranker = EmbeddingReranker(store, config.search, rows)
    matches = route(store, task, rows, limit=limit, rerank=reranker)
    if warnings is not None:
        warnings.extend(reranker.warnings)
    return matches


# -- the skills index -------------------------------------------------------------------
def build_skills_index(
    *,
    library: Any,
    store: Any,
    task: str,
    budget: int,
    relevant_limit: int = 8,
    config: "Config | None" = None,
) -> tuple[str, list[str], list[str]]:
    """The skills index for ``task`` within ``budget`` tokens.

    Returns ``(text, relevant skill_ids, listed skill_ids)``; ``text`` is "" when no
    active skill exists or not even the header fits. When everything does not fit,
    descriptions get shorter first, then fewer relevant skills are shown, then each
    category lists fewer names with "(+N more)". When the names alone cannot fit
    (a large library), cutting names is unavoidable, so the relevant part keeps up
    to half the budget rather than being given up for names that get cut anyway.
    """
    rows = sorted(library.active(), key=_row_order)
    if budget <= 0 or not rows:
        return "", [], []
    by_id = {r["skill_id"]: r for r in rows}
    handles = _handles(rows, library)
    settings = config.learning if config is not None else LearningConfig()
    for row in rows:  # rot shows in the index: the model should check a stale or failing skill
        flags = row_flags(row, settings)
        if flags:
            handles[row["skill_id"]] += f" ({', '.join(flags)})"
    # More hits than shown with descriptions: the rest of them lead their category's names.
    matches = match_skills(library, store, task, limit=max(relevant_limit * 4, 30), config=config, rows=rows)
    ranked = [m.skill_id for m in matches if m.skill_id in by_id]
    relevant_ids = ranked[: max(relevant_limit, 0)]
    rank_of = {sid: i for i, sid in enumerate(ranked)}
    builder = _IndexBuilder(by_id, handles, relevant_ids, rank_of, budget)
    return builder.fit()


def _row_order(row: Mapping[str, Any]) -> tuple[str, str, str]:
    return (row.get("category") or "", str(row.get("name") or ""), row["skill_id"])


def _handles(rows: list[dict[str, Any]], library: Any) -> dict[str, str]:
    """What the model calls each skill: its name, or its skill_id when the name is not unique
    in the library (any state: skill_view must resolve it) or would not read well in a list."""
    try:
        everything = library.list()
    except Exception:  # a library without list(): uniqueness among active skills only
        everything = rows
    counts = Counter(str(r.get("name") or "").casefold() for r in everything)
    handles: dict[str, str] = {}
    for row in rows:
        name = _one_line(str(row.get("name") or ""))
        if not name or counts[name.casefold()] > 1 or "," in name or name != str(row.get("name")):
            handles[row["skill_id"]] = row["skill_id"]
        else:
            handles[row["skill_id"]] = name
    return handles


def _one_line(text: str) -> str:
    return " ".join(text.translate(_ZERO_WIDTH).split())


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters (with "…")."""
    flat = _one_line(text)
    if len(flat) <= limit:
        return flat
    cut = flat[: max(limit - 1, 1)]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


_INDEX_HEAD = (
    "## Skills\n"
    "Skills are tested instructions for specific kinds of work. When one fits the task, "
    "read its full text with skill_view(name) before you start, and follow it."
)
_RELEVANT_HEAD = "Relevant to this task:"
_OTHERS_HEAD = "Other skills by category (name only):"
_MORE_TAIL = "skills_list shows every skill."


class _IndexBuilder:
    """Renders the index at decreasing levels of detail until it fits the budget."""

    def __init__(
        self,
        rows: dict[str, dict[str, Any]],
        handles: dict[str, str],
        relevant: list[str],
        rank_of: dict[str, int],
        budget: int,
    ) -> None:
        self.rows = rows
        self.handles = handles
        self.relevant = relevant
        self.budget = budget
        categories: dict[str, list[str]] = {}
        for sid, row in rows.items():
            categories.setdefault(row.get("category") or UNCATEGORIZED, []).append(sid)
        far = len(rank_of) + 1

        def priority(sid: str) -> tuple[Any, ...]:
            # Among equals: pinned (here or in Hermes) first, Hermes's stale ones last, then use.
            row = rows[sid]
            used = int(row.get("uses") or 0) + int(row.get("views") or 0)
            return (rank_of.get(sid, far), not is_pinned(row), hermes_stale(row), -used, handles[sid].casefold(), sid)

        self.categories = {c: sorted(ids, key=priority) for c, ids in sorted(categories.items())}

    def fits(self, text: str) -> bool:
        return count_tokens(text) <= self.budget

    def render(
        self,
        n_relevant: int,
        cap: int,
        per_category: int | None,
        *,
        extra: frozenset[str] = frozenset(),
        drop_categories: bool = False,
    ) -> tuple[str, list[str], list[str]]:
        """The index with ``n_relevant`` described skills (descriptions cut to ``cap``) and
        at most ``per_category`` names per category (None: all; one more in ``extra``)."""
        shown = self.relevant[:n_relevant]
        lines = [_INDEX_HEAD]
        if shown:
            lines.append(_RELEVANT_HEAD)
            for sid in shown:
                description = shorten(str(self.rows[sid].get("description") or ""), cap)
                lines.append(f"- {self.handles[sid]}: {description}")
        listed: list[str] = []
        hidden = 0
        shown_set = set(shown)
        category_lines: list[str] = []
        for category, ids in self.categories.items():
            rest = [sid for sid in ids if sid not in shown_set]
            if not rest:
                continue
            take = rest if per_category is None else rest[: per_category + (category in extra)]
            more = len(rest) - len(take)
            hidden += more
            listed.extend(take)
            names = [self.handles[sid] for sid in take]
            if more:
                names.append(f"(+{more} more)")
            category_lines.append(f"{category}: {', '.join(names)}")
        if drop_categories:
            hidden += len(listed)
            listed = []
        elif category_lines:
            lines.append(_OTHERS_HEAD if shown else "Skills by category (name only):")
            lines.extend(category_lines)
        if hidden:
            lines.append(_MORE_TAIL)
        return "\n".join(lines), list(shown), listed

    def fit(self) -> tuple[str, list[str], list[str]]:
        n_max = len(self.relevant)
        # 1. Everything, with descriptions shortened step by step, then fewer relevant skills.
        for n, cap in self._relevant_levels(n_max, floor=0):
            candidate = self.render(n, cap, None)
            if self.fits(candidate[0]):
                return candidate
        # 2. The names cannot all fit: cut names per category. The relevant part keeps its
        #    richest level that leaves at least half the budget (at least _MIN_RELEVANT skills).
        floor = min(_MIN_RELEVANT, n_max)
        for n, cap in self._relevant_levels(n_max, floor=floor):
            if n > floor and count_tokens(self.render(n, cap, 0, drop_categories=True)[0]) > self.budget * _RELEVANT_SHARE:
                continue
            best = self._most_names(n, cap)
            if best is not None:
                return best
        # 3. Tiny budgets: fewer relevant skills, then no category lines, then the header only.
        for n in range(floor, -1, -1):
            for drop in (False, True):
                candidate = self.render(n, _MIN_DESCRIPTION, 0, drop_categories=drop)
                if self.fits(candidate[0]):
                    return candidate
        return "", [], []

    def _relevant_levels(self, n_max: int, *, floor: int) -> list[tuple[int, int]]:
        """(count, description cap) from the richest to the poorest relevant part."""
        levels = [(n_max, cap) for cap in _DESCRIPTION_CAPS]
        levels += [(n, _DESCRIPTION_CAPS[-1]) for n in range(n_max - 1, floor - 1, -1)]
        levels += [(floor, _MIN_DESCRIPTION)]
        return list(dict.fromkeys(levels))

    def _most_names(self, n: int, cap: int) -> tuple[str, list[str], list[str]] | None:
        """The index with the most names per category that fits (k names each, then one
        more for the first categories while it fits); None when not even k=0 fits."""
        base = self.render(n, cap, 0)
        if not self.fits(base[0]):
            return None
        largest = max((len(ids) for ids in self.categories.values()), default=0)
        low, high = 0, largest  # invariant: k=low fits
        while low < high:
            mid = (low + high + 1) // 2
            if self.fits(self.render(n, cap, mid)[0]):
                low = mid
            else:
                high = mid - 1
        extra: set[str] = set()
        for category in self.categories:
            if len(self.categories[category]) <= low:
                continue
            if self.fits(self.render(n, cap, low, extra=frozenset(extra | {category}))[0]):
                extra.add(category)
        return self.render(n, cap, low, extra=frozenset(extra))


# -- /skill-name ------------------------------------------------------------------------
_SLASH_RE = re.compile(r"/([^\s/][^\s]*)")


def expand_slash_command(text: str, library: Any) -> tuple[str, list[str]]:
    """Expand leading ``/skill-name`` tokens of a user message into the skills' bodies.

    Every ``/name`` token at the start of the message (``/tdd /debugging fix the
    parser``) that names an ACTIVE skill (by name or skill_id) is replaced by
    ``<skill name="..." id="...">BODY</skill>``, followed by the rest of the text.
    Expansion stops at the first token that is not such a skill; an unknown,
    ambiguous or inactive first ``/name`` leaves the text unchanged. Returns the new
    text (without invisible characters) and the skill_ids loaded (for SkillLoaded
    events and usage counts).
    """
    active = {row["skill_id"] for row in library.active()}
    rest = text.lstrip()
    blocks: list[str] = []
    loaded: list[str] = []
    while True:
        match = _SLASH_RE.match(rest)
        if match is None:
            break
        skill_id = _active_skill_id(library, match.group(1), active)
        if skill_id is None:
            break
        if skill_id not in loaded:
            try:
                skill = library.load(skill_id)
            except HermesError:  # gone or unreadable since the last sync: leave the token as typed
                break
            body = skill.body.strip("\n")
            blocks.append(f'<skill name="{_attr(skill.name)}" id="{_attr(skill_id)}">\n{body}\n</skill>')
            loaded.append(skill_id)
        rest = rest[match.end() :].lstrip()
    if not loaded:
        return strip_invisible(text), []
    return strip_invisible("\n\n".join(blocks + ([rest] if rest else []))), loaded


def _active_skill_id(library: Any, key: str, active: set[str]) -> str | None:
    try:
        skill_id = library.resolve(key)
    except HermesError:
        return None
    return skill_id if skill_id in active else None


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


# -- the learning loop's distiller --------------------------------------------------
DISTILL_MARKER = "You distill agent skills"  # the first words of the distiller's system prompt

_DISTILL_SYSTEM = DISTILL_MARKER + """ from recorded work. Write ONE SKILL.md in the Agent Skills \
format for the kind of task the episodes below show, so that an agent doing such a task again \
can follow it and succeed at once.

Format, exactly:
---
name: {name}
description: <one or two sentences in the words a user would use to ask for such a task>
---
# <title>

## When to use
<the kind of request this skill is for>

## Procedure
<numbered steps with the EXACT commands that worked, in order, in backticks>

## Pitfalls
<each failed attempt seen in the episodes, its error, and what worked instead>

## Verification
<how to check the result>

Leave out read-only exploration. Use only commands that appear in the episodes. \
Answer with the SKILL.md only."""


def build_distill_messages(evidence: Sequence[Mapping[str, Any]], *, name: str) -> list[dict[str, str]]:
    """The messages asking a model to write a skill from episodes' traces.

    ``evidence``: one dict per episode (task, outcome, tool_calls of tool, command, ok, error)."""
    parts = []
    for n, episode in enumerate(evidence, 1):
        lines = [f"Episode {n}: {episode.get('task', '')!s} -> {episode.get('outcome', '')}"]
        for call in episode.get("tool_calls") or []:
            status = "ok" if call.get("ok") else f"FAILED: {shorten(str(call.get('error') or ''), 200)}"
            lines.append(f"- {call.get('tool')}: {shorten(str(call.get('command') or ''), 400)} [{status}]")
        parts.append("\n".join(lines))
    return [
        {"role": "system", "content": _DISTILL_SYSTEM.format(name=name)},
        {"role": "user", "content": "\n\n".join(parts)},
    ]


# The system turn of a Hermes Agent trajectory export (core/feedback/formats.py): the
# function-calling convention Hermes Agent's trajectories use, so its training tools
# read our exports (tool schemas inside <tools>, calls in <tool_call>, results in
# <tool_response>).
_TRAJECTORY_SYSTEM = """You are a function calling AI model. Function signatures are given \
within <tools> </tools> XML tags. Call one or more functions when they help with the user's \
query; when none is relevant, answer in natural language. Do not guess the values to pass. \
The results of the functions you call come back within <tool_response> </tool_response> XML \
tags. The available tools:
<tools>
{tools}
</tools>
For each function call return a JSON object with this schema:
{{'title': 'FunctionCall', 'type': 'object', 'properties': {{'name': {{'title': 'Name', 'type': 'string'}}, \
'arguments': {{'title': 'Arguments', 'type': 'object'}}}}, 'required': ['name', 'arguments']}}
Put each function call within <tool_call> </tool_call> XML tags.
Example:
<tool_call>
{{'name': <function-name>,'arguments': <args-dict>}}
</tool_call>"""


def build_trajectory_system(tools_json: str) -> str:
    """The system turn of a trajectory export; ``tools_json``: the tools as a JSON list
    of ``{"name", "description", "parameters", "required"}``."""
    return _TRAJECTORY_SYSTEM.format(tools=tools_json)
