"""Episodes (F3): the list with a filter, one episode replayed and stepped through, two compared."""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from hermes_tui.core.agent.events import (
    EpisodeFinished,
    EpisodeStarted,
    ReasoningDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnFinished,
    event_from_dict,
)
from hermes_tui.core.feedback.ratings import polarity
from hermes_tui.core.hermes import outcome_label
from hermes_tui.ui.feedback import correct_in_editor, rate_with_note, rating_bindings
from hermes_tui.ui.widgets.conversation import Conversation
from hermes_tui.ui.widgets.trace import TraceTable, short_arguments

LIST_LIMIT = 2000
OUTCOME_STYLE = {"success": "green", "failure": "red", "interrupted": "yellow"}


async def replay(episode: dict[str, Any], conversation: Conversation, trace: TraceTable) -> None:
    """Show a stored episode in the same widgets as a live one."""
    with trace.bulk():
        for row in episode["events"]:
            event = event_from_dict(row["data"])
            if row["type"] == "user_message":  # (a mirrored Hermes session: every user message)
                await conversation.add_user(row["data"].get("text") or "")
            elif row["type"] == "compression_summary":
                await conversation.add_notice("summary of earlier messages: " + (row["data"].get("text") or ""))
            elif isinstance(event, EpisodeStarted):
                await conversation.add_user(event.task)
            elif isinstance(event, ReasoningDelta):
                await conversation.add_reasoning(event.text)
            elif isinstance(event, TurnFinished) and event.text:
                await conversation.add_text(event.text)
                await conversation.finish_answer()
            elif isinstance(event, ToolCallStarted):
                trace.on_started(event)
            elif isinstance(event, ToolCallFinished):
                trace.on_finished(event)
            elif isinstance(event, EpisodeFinished) and event.outcome != "success":
                await conversation.add_notice(f"{event.outcome}: {event.reason}", "error")


def rating_text(rating: int | None) -> Text:
    """A rating in the list: 1-5 stars, green when good, red when bad."""
    if rating is None:
        return Text("")
    style = "green" if rating >= 4 else "red" if rating <= 2 else ""
    return Text("★" * rating, style=style)


def when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else ""


def matches(episode: dict[str, Any], words: list[str]) -> bool:
    """The list filter: plain words match the task; ``outcome:``, ``skill:``, ``rated:`` (good, bad,
    neutral, any), ``since:`` and ``until:`` (dates), ``from:`` (workbench, hermes, or a Hermes
    platform: cli, telegram, discord ...)."""
    for word in words:
        key, _, value = word.partition(":")
        if key == "outcome" and value:
            if not (episode.get("outcome") or "").startswith(value):
                return False
        elif key == "skill" and value:
            if not any(value in s for s in episode.get("skills_loaded") or ()):
                return False
        elif key == "rated" and value:
            rating = episode.get("rating")
            if rating is None or polarity(rating) != value and value != "any":
                return False
        elif key == "from" and value:
            if value not in (episode.get("source") or "workbench", episode.get("platform")):
                return False
        elif key in ("since", "until") and value:
            day = when(episode.get("started_at"))[:10]
            if (key == "since" and day < value) or (key == "until" and day > value):
                return False
        elif word.lower() not in (episode.get("task") or "").lower():
            return False
    return True


class EpisodesArea(Vertical):
    """The list of past episodes. Enter opens one; Space marks two; c compares them."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="episodes.open"),
        Binding("space", "mark", "Mark", id="episodes.mark"),
        Binding("c", "compare", "Compare marked", id="episodes.compare"),
        Binding("slash", "filter", "Filter", id="episodes.filter"),
        *rating_bindings("episodes"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.episodes: list[dict[str, Any]] = []
        self.shown: list[dict[str, Any]] = []
        self.marked: list[str] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter: words in the task, outcome:failure, skill:NAME, since:2026-11-30", id="episodes-filter")
        yield DataTable(cursor_type="row", id="episodes-table")
        yield Static(
            "[b]Enter[/b] open  [b]Space[/b] mark  [b]c[/b] compare two marked  [b]/[/b] filter  [b]+ - 1-5[/b] rate",
            id="episodes-keys",
        )

    @property
    def table(self) -> DataTable:
        return self.query_one("#episodes-table", DataTable)

    def on_mount(self) -> None:
        for label in ("", "task", "outcome", "when", "calls", "tokens", "cost", "rating", "skills loaded"):
            self.table.add_column(label, key=label or "mark")
        self.refresh_list()

    def focus_main(self) -> None:
        self.table.focus()

    def refresh_list(self) -> None:
        store = self.app.workspace.store  # type: ignore[attr-defined]
        self.episodes = store.list_episodes(limit=LIST_LIMIT)
        counts = store.tool_call_counts(e["id"] for e in self.episodes)
        ratings = store.episode_ratings(e["id"] for e in self.episodes)
        for episode in self.episodes:
            episode["tool_calls"] = counts.get(episode["id"], 0)
            episode["rating"] = ratings.get(episode["id"])
        self._fill()

    def _fill(self) -> None:
        words = self.query_one("#episodes-filter", Input).value.split()
        self.shown = [e for e in self.episodes if matches(e, words)]
        table = self.table
        table.clear()
        for e in self.shown:
            tokens = (e.get("prompt_tokens") or 0) + (e.get("completion_tokens") or 0)
            table.add_row(
                "●" if e["id"] in self.marked else "",
                Text.assemble((f"{e.get('platform') or 'hermes'} · ", "dim") if e.get("source") == "hermes" else "",
                              (e.get("task") or "")[:60]),
                Text(outcome_label(e), style=OUTCOME_STYLE.get(e.get("outcome") or "", "")),
                when(e.get("started_at")),
                str(e["tool_calls"]),
                f"{tokens:,}",
                "" if e.get("cost") is None else f"${e['cost']:.4f}",
                rating_text(e.get("rating")),
                ", ".join(e.get("skills_loaded") or ()),
                key=e["id"],
            )

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.table.focus()

    def action_filter(self) -> None:
        self.query_one("#episodes-filter", Input).focus()

    def _current(self) -> dict[str, Any] | None:
        row = self.table.cursor_row
        return self.shown[row] if 0 <= row < len(self.shown) else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_rate(self, value: str) -> None:
        current = self._current()
        row = self.table.cursor_row
        rate_with_note(self.app, current["id"] if current else None, value)
        self.table.move_cursor(row=row)

    def action_correct(self) -> None:
        current = self._current()
        correct_in_editor(self.app, current["id"] if current else None)

    def action_open(self) -> None:
        current = self._current()
        if current is not None:
            episode = self.app.workspace.store.get_episode(current["id"])  # type: ignore[attr-defined]
            if episode is not None:
                self.app.push_screen(EpisodeScreen(episode))

    def action_mark(self) -> None:
        current = self._current()
        if current is None:
            return
        episode_id = current["id"]
        if episode_id in self.marked:
            self.marked.remove(episode_id)
        else:
            self.marked = [*self.marked, episode_id][-2:]
        row = self.table.cursor_row
        self._fill()
        self.table.move_cursor(row=row)

    def action_compare(self) -> None:
        if len(self.marked) != 2:
            self.app.notify("mark two episodes with Space, then press c", severity="warning")
            return
        store = self.app.workspace.store  # type: ignore[attr-defined]
        first, second = sorted((store.get_episode(i) for i in self.marked), key=lambda e: e["started_at"] or 0)
        self.app.push_screen(CompareScreen(first, second))


class EpisodeScreen(Screen[None]):
    """One recorded episode in the conversation and trace widgets; j/k step call by call."""

    BINDINGS = [
        Binding("escape,q", "close", "Back", id="episode.close"),
        Binding("j", "step(1)", "Next call", id="episode.next"),
        Binding("k", "step(-1)", "Previous call", id="episode.previous"),
        Binding("x", "wrong_call", "Mark the call wrong", id="episode.wrong_call"),
        *rating_bindings("episode"),
    ]

    def __init__(self, episode: dict[str, Any]) -> None:
        super().__init__()
        self.episode = episode
        self.painted = False  # set once the replayed episode is on screen

    def compose(self) -> ComposeResult:
        e = self.episode
        tokens = (e.get("prompt_tokens") or 0) + (e.get("completion_tokens") or 0)
        yield Label(
            f"[b]{outcome_label(e)}[/b] · {when(e.get('started_at'))}  {e.get('steps') or 0} steps  "
            f"{tokens:,} tokens  model {e.get('model') or '?'}",
            id="episode-title",
        )
        with Horizontal(id="episode-body"):
            yield Conversation(id="episode-conversation")
            yield TraceTable(id="episode-trace")
        yield Static("", id="episode-step")  # the keys are in it (a Footer costs a third of the opening)

    async def on_mount(self) -> None:
        trace = self.query_one(TraceTable)
        conversation = self.query_one(Conversation)
        conversation.episode_id = self.episode["id"]  # its rating keys rate this episode
        await replay(self.episode, conversation, trace)
        trace.move_cursor(row=0)
        trace.focus()
        self._describe()
        self.call_after_refresh(setattr, self, "painted", True)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_rate(self, value: str) -> None:
        rate_with_note(self.app, self.episode["id"], value)

    def action_correct(self) -> None:
        correct_in_editor(self.app, self.episode["id"])

    def action_wrong_call(self) -> None:
        row = self.query_one(TraceTable).selected
        if row is None:
            self.app.notify("no tool call to mark: this episode made none", severity="warning")
            return
        correct_in_editor(self.app, self.episode["id"], call_id=row.call_id)

    def action_step(self, delta: int) -> None:
        trace = self.query_one(TraceTable)
        trace.move_cursor(row=trace.cursor_row + delta)
        self._describe()

    def on_trace_table_highlighted(self, message: TraceTable.Highlighted) -> None:
        self._describe()

    def _describe(self) -> None:
        trace = self.query_one(TraceTable)
        row = trace.selected
        if row is None:
            self.query_one("#episode-step", Static).update("no tool calls in this episode")
            return
        index = trace.cursor_row
        previous = trace.calls[trace.order[index - 1]].ts if index > 0 else self.episode.get("started_at") or row.ts
        self.query_one("#episode-step", Static).update(
            f"call {index + 1}/{trace.row_count}: {row.name} {short_arguments(row.arguments)}  "
            f"[b]+{row.ts - previous:.1f} s[/b] since the {'previous call' if index else 'start'}  "
            "[dim]j/k step · Enter opens · x marks it wrong · Esc back[/dim]"
        )


def tool_sequence(episode: dict[str, Any]) -> list[tuple[str, str]]:
    """(tool, short arguments) of each call, in order."""
    return [
        (row["tool_name"] or "", short_arguments(row["data"].get("arguments"), 36))
        for row in episode["events"]
        if row["type"] == "tool_call"
    ]


def align(first: list[tuple[str, str]], second: list[tuple[str, str]]) -> list[tuple[str, Any, Any]]:
    """The two call sequences aligned on (tool, arguments): (tag, call or None, call or None) per row."""
    rows: list[tuple[str, Any, Any]] = []
    matcher = difflib.SequenceMatcher(a=first, b=second, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a, b = first[i1:i2], second[j1:j2]
        for k in range(max(len(a), len(b))):
            left, right = (a[k] if k < len(a) else None), (b[k] if k < len(b) else None)
            if tag == "replace" and (left is None or right is None):  # the longer side's extra calls
                tag_here = "delete" if right is None else "insert"
            else:
                tag_here = tag
            rows.append((tag_here, left, right))
    return rows


class CompareScreen(Screen[None]):
    """Two episodes' tool-call sequences side by side, aligned, with calls and tokens counted."""

    BINDINGS = [Binding("escape,q", "close", "Back", id="compare.close")]
    MARK = {"equal": ("=", "#5fd787"), "replace": ("~", "#ffd75f"), "delete": ("-", "#ff8787"), "insert": ("+", "#5fafff")}
    LEGEND = "[#5fd787]= same[/]  [#ffd75f]~ changed[/]  [#ff8787]- only in A[/]  [#5fafff]+ only in B[/]"

    def __init__(self, first: dict[str, Any], second: dict[str, Any]) -> None:
        super().__init__()
        self.first, self.second = first, second

    @staticmethod
    def _summary(label: str, e: dict[str, Any], calls: int) -> str:
        tokens = (e.get("prompt_tokens") or 0) + (e.get("completion_tokens") or 0)
        return f"[b]{label}:[/b] {when(e.get('started_at'))} {e.get('outcome')}: [b]{calls}[/b] calls, [b]{tokens:,}[/b] tokens"

    def compose(self) -> ComposeResult:
        a, b = tool_sequence(self.first), tool_sequence(self.second)
        self.rows = align(a, b)
        yield Label(f"Compare: {(self.first.get('task') or '')[:70]}", id="compare-title")
        yield Label(self._summary("A", self.first, len(a)), classes="compare-summary")
        yield Label(self._summary("B", self.second, len(b)), classes="compare-summary")
        yield DataTable(cursor_type="row", id="compare-table")
        yield Label(self.LEGEND + "   [b]Esc[/b] back", id="compare-legend")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("", "A: tool", "arguments", "B: tool", "arguments")
        for tag, a, b in self.rows:
            mark, style = self.MARK[tag]
            table.add_row(
                Text(mark, style=style),
                Text(a[0] if a else "", style=style),
                a[1] if a else "",
                Text(b[0] if b else "", style=style),
                b[1] if b else "",
            )
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
