"""Memory (F4): search everything the agent has seen and kept; MEMORY.md and USER.md as entries.

The search runs as you type through the one search API (``search_result``) in a thread
worker of its own group: each keystroke sets the older query's cancel event and starts a
new one, and only the newest answer is shown. Filters are words of the query
(``kind:event since:2025-11-24 until:2025-11-30 skill:log-triage outcome:failure``).
The preview shows the whole document with every match marked; n/N jump between them.
Enter opens a hit where it lives: an event in the episode viewer at its tool call, an
episode in the viewer, a skill in the skill editor, a MEMORY.md/USER.md entry in the
entries pane, any other note in the preview.

The entries pane (Ctrl+G) edits the two files through ``MemoryFiles.set_entries``:
atomic, refused past the budget, and refused when the file changed on disk since it was
opened (the change is shown; the person keeps theirs, takes the disk's or edits again).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import ContentSwitcher, DataTable, Input, Label, Static, TextArea

from hermes_tui.core.memory import JOINER, MEMORY_SOURCES, TARGETS, MemoryChanged, sync_memory_notes
from hermes_tui.core.store.search import HIGHLIGHT_END, HIGHLIGHT_START, KINDS, Hit, SearchResult, parse_query, search_result
from hermes_tui.errors import HermesError
from hermes_tui.ui.screens.episodes import EpisodeScreen, when
from hermes_tui.ui.screens.review import ConfirmScreen, diff_text, open_skill
from hermes_tui.ui.widgets.rowlist import RowList
from hermes_tui.ui.widgets.trace import TraceTable

LIMIT = 50  # hits shown
PREVIEW_CHARS = 200_000  # the preview shows at most this much of a document
KIND_STYLE = {"skill": "bold #d787ff", "episode": "bold #5fafff", "event": "bold #5fd787", "note": "bold #ffd75f"}
KIND_ALIASES = {"skills": "skill", "episodes": "episode", "events": "event", "call": "event", "calls": "event",
                "notes": "note", "memory": "note"}
FILTERS = ("kind", "since", "until", "skill", "outcome")
MATCH_STYLE, CURRENT_STYLE = "black on yellow", "black on #ff8700 bold"
BURST_SECONDS = 0.04  # the pause that ends a burst of typing


# -- the query and its filters ------------------------------------------------------------------
@dataclass
class Query:
    """What the search box holds: the words to search and the filters."""

    text: str = ""
    kinds: list[str] | None = None
    since: float | None = None
    until: float | None = None
    skill: str | None = None
    outcome: str | None = None
    problems: list[str] = field(default_factory=list)

    def search(self, store: Any, cancel: threading.Event) -> SearchResult:
        return search_result(store, self.text, kinds=self.kinds, since=self.since, until=self.until, skill=self.skill,
                             outcome=self.outcome, limit=LIMIT, cancel=cancel)

    def describe(self) -> str:
        parts = [f"kind {'/'.join(self.kinds)}" if self.kinds else "",
                 f"since {when(self.since)[:10]}" if self.since else "", f"until {when(self.until)[:10]}" if self.until else "",
                 f"skill {self.skill}" if self.skill else "", f"outcome {self.outcome}" if self.outcome else ""]
        return ", ".join(p for p in parts if p)


def _day(value: str, end: bool) -> float:
    day = datetime.strptime(value, "%Y-%m-%d").timestamp()
    return day + 86_399.999 if end else day


def parse_filters(text: str, library: Any) -> Query:
    """Split ``text`` into the words to search and ``key:value`` filters (see the module doc)."""
    query, words = Query(), []
    for token in text.split():
        key, sep, value = token.partition(":")
        if not (sep and key in FILTERS and value):
            words.append(token)
            continue
        try:
            if key == "kind":
                kinds = [KIND_ALIASES.get(k, k) for k in value.split(",")]
                bad = [k for k in kinds if k not in KINDS]
                if bad:
                    raise HermesError(f"kind {bad[0]!r}: choose from {', '.join(KINDS)}")
                query.kinds = kinds
            elif key in ("since", "until"):
                setattr(query, key, _day(value, end=key == "until"))
            elif key == "skill":
                query.skill = library.find(value)
                if query.skill is None:
                    raise HermesError(f"no skill {value!r}")
            else:
                query.outcome = value
        except ValueError:
            query.problems.append(f"{key}: {value!r} is not a date (YYYY-MM-DD)")
        except HermesError as exc:
            query.problems.append(exc.message if hasattr(exc, "message") else str(exc))
    query.text = " ".join(words)
    return query


def snippet_text(snippet: str) -> Text:
    """A search snippet with its ``«matches»`` marked."""
    out = Text(no_wrap=True, overflow="ellipsis")
    for index, part in enumerate(re.split(f"[{HIGHLIGHT_START}{HIGHLIGHT_END}]", snippet)):
        out.append(part, style=MATCH_STYLE if index % 2 else "")
    return out


def match_pattern(text: str) -> re.Pattern[str] | None:
    """Every term of a query as one pattern (a prefix term matches the rest of its word)."""
    terms = sorted(parse_query(text), key=lambda t: -len(t.text))
    parts = [re.escape(t.text) + (r"\w*" if t.prefix else "") for t in terms if t.text.strip()]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


# -- a hit's whole document -------------------------------------------------------------------
@dataclass
class Document:
    title: str
    text: str
    episode_id: str | None = None
    call_id: str | None = None
    memory_target: str | None = None  # a MEMORY.md / USER.md entry: "memory" or "user"


def hit_document(workspace: Any, hit: Hit) -> Document:
    """The whole text of what a hit points to, and where it lives."""
    store = workspace.store
    if hit.kind == "skill":
        row = store.get_skill(hit.id) or {}
        try:
            text = open(row["path"], encoding="utf-8", errors="replace").read()
        except (OSError, KeyError):
            text = row.get("body") or ""
        return Document(f"skill {hit.id}", text)
    if hit.kind == "episode":
        rows = store.execute("SELECT task, answer, outcome FROM episodes WHERE id = ?", (hit.id,))
        task, answer, outcome = rows[0] if rows else ("", "", "")
        return Document(f"episode {hit.id} ({outcome or 'running'})", f"{task}\n\n{answer or ''}", episode_id=hit.id)
    if hit.kind == "event":
        event = store.get_event(int(hit.id)) or {"data": {}}
        data = event["data"]
        arguments = event.get("arguments") or data.get("arguments") or ""
        text = f"{arguments}\n\n{event.get('result') or data.get('result') or data.get('text') or ''}"
        return Document(f"{event.get('tool_name') or event.get('type')} in episode {event.get('episode_id')}", text,
                        episode_id=event.get("episode_id"), call_id=data.get("call_id"))
    note = store.get_note(int(hit.id)) or {}
    targets = {source: target for target, source in MEMORY_SOURCES.items()}
    return Document(f"note {hit.id} ({note.get('source') or note.get('kind') or 'note'})", note.get("text") or "",
                    memory_target=targets.get(note.get("source") or ""))


class EpisodeAtCall(EpisodeScreen):
    """The episode viewer opened with the cursor on one tool call."""

    def __init__(self, episode: dict[str, Any], call_id: str | None) -> None:
        super().__init__(episode)
        self.call_id = call_id

    def _describe(self) -> None:
        if self.call_id is not None:  # the first description comes once the episode is replayed
            trace = self.query_one(TraceTable)
            rows = [index for index, key in enumerate(trace.order) if trace.calls[key].call_id == self.call_id]
            if rows:
                trace.move_cursor(row=rows[0])
            self.call_id = None
        super()._describe()


# -- the preview -----------------------------------------------------------------------------
class Preview(VerticalScroll):
    """A document with every match marked; n/N move between them."""

    BINDINGS = [
        Binding("n", "jump(1)", "Next match", id="memory.next_match"),
        Binding("N", "jump(-1)", "Previous match", id="memory.previous_match"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.document = Document("", "")
        self.hit: Hit | None = None  # the search hit shown
        self.matches: list[tuple[int, int]] = []
        self.current = -1

    def compose(self) -> ComposeResult:
        yield Static("", id="memory-doc")

    def show(self, document: Document, pattern: re.Pattern[str] | None, hit: Hit | None = None) -> None:
        self.document, self.hit = document, hit
        text = document.text[:PREVIEW_CHARS]
        self.matches = [m.span() for m in pattern.finditer(text) if m.end() > m.start()] if pattern else []
        self.current = 0 if self.matches else -1
        self._paint()
        self.border_title = f"{document.title} · {self.position}" if document.title else ""
        self.scroll_home(animate=False)
        if self.matches:
            self.call_after_refresh(self._scroll_to_current)

    def _paint(self) -> None:
        out = Text(self.document.text[:PREVIEW_CHARS])
        for index, (start, end) in enumerate(self.matches):
            out.stylize(CURRENT_STYLE if index == self.current else MATCH_STYLE, start, end)
        self.query_one("#memory-doc", Static).update(out)

    def action_jump(self, step: int) -> None:
        if not self.matches:
            return
        self.current = (self.current + step) % len(self.matches)
        self._paint()
        self.border_title = f"{self.document.title} · {self.position}"
        self._scroll_to_current()

    def _scroll_to_current(self) -> None:
        """Scroll so the current match is in view (its row counted with wrapped lines)."""
        start = self.matches[self.current][0]
        width = max(10, self.scrollable_content_region.width)
        before = self.document.text[:start].split("\n")
        row = sum(max(1, -(-len(line) // width)) for line in before[:-1]) + len(before[-1]) // width
        self.scroll_to(y=max(0, row - self.scrollable_content_region.height // 3), animate=False)

    @property
    def position(self) -> str:
        return f"match {self.current + 1}/{len(self.matches)}" if self.matches else "no match in the text"


# -- the search pane --------------------------------------------------------------------------
class SearchPane(Vertical):
    def compose(self) -> ComposeResult:
        yield Input(placeholder="search everything · kind:event since:2025-11-24 until:… skill:NAME outcome:failure",
                    id="memory-query")
        yield Label("type to search episodes, tool calls, notes, MEMORY.md/USER.md entries and skills",
                    id="memory-count")
        with Horizontal(id="memory-body"):
            yield RowList([("kind", 8), ("title", 22), ("snippet", 0), ("when", 17)], id="memory-hits")
            yield Preview(id="memory-preview")


# -- the entries pane -------------------------------------------------------------------------
def gauge(used: int, limit: int, width: int = 20) -> Text:
    """A character budget as a bar: green, yellow past 75 %, red past the budget."""
    share = used / max(limit, 1)
    style = "red" if share > 1 else "yellow" if share > 0.75 else "green"
    filled = min(width, round(share * width))
    out = Text()
    out.append("█" * filled, style=style)
    out.append("░" * (width - filled), style="dim")
    out.append(f" {used:,}/{limit:,} characters ({share:.0%})", style="bold red" if share > 1 else "")
    return out


class EntryList(Vertical):
    """One memory file's entries. a add, Enter/e edit, d remove, K/J (Shift+↑/↓) move."""

    BINDINGS = [
        Binding("a", "add", "Add", id="memory.entry.add"),
        Binding("e", "edit", "Edit", id="memory.entry.edit"),
        Binding("d,delete", "remove", "Remove", id="memory.entry.remove"),
        Binding("K,shift+up", "move(-1)", "Move up", id="memory.entry.up"),
        Binding("J,shift+down", "move(1)", "Move down", id="memory.entry.down"),
        Binding("ctrl+r", "reload", "Reload", id="memory.entry.reload"),
    ]

    def __init__(self, target: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target = target
        self.opened: list[str] = []  # the entries as the file held them when last read

    @property
    def memory(self) -> Any:
        return self.app.workspace.memory  # type: ignore[attr-defined]

    @property
    def name_of_file(self) -> str:
        return self.memory.path(self.target).name

    def compose(self) -> ComposeResult:
        yield Label("", classes="entries-title")
        yield Static("", classes="entries-gauge")
        yield DataTable(cursor_type="row", classes="entries-table")

    @property
    def table(self) -> DataTable:
        return self.query_one(DataTable)

    def on_mount(self) -> None:
        self.table.add_columns("#", "entry", "chars")
        self.action_reload()

    def action_reload(self) -> None:
        try:
            self.opened = self.memory.entries(self.target)
        except HermesError as exc:
            self.app.notify(exc.message, severity="error")
            return
        self._fill(self.opened)

    def _fill(self, entries: list[str]) -> None:
        row = self.table.cursor_row
        self.table.clear()
        for index, entry in enumerate(entries):
            self.table.add_row(str(index + 1), " ".join(entry.split()), str(len(entry)))
        if entries:
            self.table.move_cursor(row=min(max(row, 0), len(entries) - 1))
        limit = self.memory.limits[self.target]
        self.query_one(".entries-title", Label).update(f"[b]{self.name_of_file}[/b]  {len(entries)} {'entry' if len(entries) == 1 else 'entries'}")
        self.query_one(".entries-gauge", Static).update(gauge(len(JOINER.join(entries)), limit))

    def select(self, text: str) -> None:
        """Put the cursor on the entry holding ``text``."""
        for index, entry in enumerate(self.opened):
            if text.strip() and text.strip() in entry:
                self.table.move_cursor(row=index)
        self.table.focus()

    # -- edits: each writes the whole file, checked against what was opened ---------------------
    def commit(self, entries: list[str], base: list[str]) -> str | None:
        """Write ``entries`` over ``base``; returns an error to show, or None (written or in conflict)."""
        try:
            message = self.memory.set_entries(self.target, entries, base=base)
        except MemoryChanged as exc:
            self._conflict(entries, base, exc.disk)
            return None
        except HermesError as exc:
            return exc.message
        workspace = self.app.workspace  # type: ignore[attr-defined]
        sync_memory_notes(workspace.home, workspace.store)  # the search sees the new entries
        self.action_reload()
        self.app.notify(message)
        return None

    def _conflict(self, mine: list[str], base: list[str], disk: list[str]) -> None:
        name = self.name_of_file

        def choose(choice: str | None) -> None:
            if choice == "mine":
                error = self.commit(mine, disk)
                if error:
                    self.app.notify(error, severity="error")
            elif choice == "disk":
                self.action_reload()
            elif choice == "edit":
                self.opened = disk
                self._fill(disk)
                self._edit_entries(mine, disk)

        # after the editor that asked has closed
        self.call_after_refresh(self.app.push_screen, ConflictScreen(name, base, disk, mine), choose)

    def _edit_entries(self, entries: list[str], base: list[str]) -> None:
        """Edit the whole file's entries as text (after a conflict: mine over the disk's)."""
        self.app.push_screen(EntryEditor(f"{self.name_of_file}: entries separated by a line §", JOINER.join(entries),
                                         lambda text: self._budget(split_entries(text)),
                                         lambda text: self.commit(split_entries(text), base)))

    def _budget(self, entries: list[str]) -> Text:
        return gauge(len(JOINER.join(entries)), self.memory.limits[self.target])

    def _cursor(self) -> int | None:
        row = self.table.cursor_row
        return row if 0 <= row < len(self.opened) else None

    def action_add(self) -> None:
        base = list(self.opened)
        self.app.push_screen(EntryEditor(f"{self.name_of_file}: a new entry", "", lambda text: self._budget(base + [text]),
                                         lambda text: self.commit(base + [text], base)))

    def action_edit(self) -> None:
        index = self._cursor()
        if index is None:
            self.action_add()
            return
        base = list(self.opened)

        def replaced(text: str) -> list[str]:
            return base[:index] + [text] + base[index + 1:]

        self.app.push_screen(EntryEditor(f"{self.name_of_file}: entry {index + 1}", base[index],
                                         lambda text: self._budget(replaced(text)),
                                         lambda text: self.commit(replaced(text), base)))

    def action_remove(self) -> None:
        index = self._cursor()
        if index is None:
            return
        base = list(self.opened)

        def answer(yes: bool | None) -> None:
            if yes:
                error = self.commit(base[:index] + base[index + 1:], base)
                if error:
                    self.app.notify(error, severity="error")

        self.app.push_screen(ConfirmScreen(f"Remove entry {index + 1} of {self.name_of_file}?", base[index]), answer)

    def action_move(self, step: int) -> None:
        index = self._cursor()
        if index is None or not 0 <= index + step < len(self.opened):
            return
        base = list(self.opened)
        moved = list(base)
        moved[index], moved[index + step] = moved[index + step], moved[index]
        error = self.commit(moved, base)
        if error:
            self.app.notify(error, severity="error")
        self.table.move_cursor(row=index + step)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()


def split_entries(text: str) -> list[str]:
    from hermes_tui.core.memory import parse_entries

    return parse_entries(text)


class EntryEditor(ModalScreen[None]):
    """Edit an entry's text; the budget after the edit is shown as you type. Ctrl+S saves
    (a refusal is shown here and nothing is lost); Esc cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="memory.editor.save"),
        Binding("escape", "cancel", "Cancel", id="memory.editor.cancel"),
    ]

    def __init__(self, title: str, text: str, budget: Callable[[str], Text], save: Callable[[str], str | None]) -> None:
        super().__init__()
        self.title_text, self.text, self.budget, self.save = title, text, budget, save

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-box review-small"):
            yield Label(self.title_text, classes="review-title")
            yield TextArea(self.text, id="entry-text", soft_wrap=True, show_line_numbers=False)
            yield Static("", id="entry-budget")
            yield Static("", id="entry-error")
            yield Static("[b]Ctrl+S[/b] save   [b]Esc[/b] cancel", classes="review-keys")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self._show_budget()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()  # not the app's slash-command hints
        self._show_budget()

    def _show_budget(self) -> None:
        shown = self.budget(self.query_one(TextArea).text)
        self.query_one("#entry-budget", Static).update(Text("after saving: ") + shown)

    def action_save(self) -> None:
        error = self.save(self.query_one(TextArea).text)
        if error:
            self.query_one("#entry-error", Static).update(Text(error, style="bold red"))
            return
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConflictScreen(ModalScreen[str | None]):
    """The file changed on disk since it was opened: what changed, and the person's choice."""

    BINDINGS = [
        Binding("k", "choose('mine')", "Keep mine", id="memory.conflict.mine"),
        Binding("t", "choose('disk')", "Take the disk's", id="memory.conflict.disk"),
        Binding("e", "choose('edit')", "Edit again", id="memory.conflict.edit"),
        Binding("escape", "choose(None)", "Cancel", id="memory.conflict.cancel"),
    ]

    def __init__(self, name: str, base: list[str], disk: list[str], mine: list[str]) -> None:
        super().__init__()
        self.file_name, self.base, self.disk, self.mine = name, base, disk, mine

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-box"):
            yield Label(f"[b]{self.file_name} changed on disk[/b] since it was opened; nothing was written",
                        classes="review-title")
            with VerticalScroll(classes="review-body"):
                yield Label("what changed on disk", classes="review-section")
                yield Static(diff_text(JOINER.join(self.base), JOINER.join(self.disk), "opened", "on disk"))
                yield Label("your version against the disk's", classes="review-section")
                yield Static(diff_text(JOINER.join(self.disk), JOINER.join(self.mine), "on disk", "yours"))
            yield Static("[b]k[/b] keep mine (write over it)  [b]t[/b] take the disk's  [b]e[/b] edit again  "
                         "[b]Esc[/b] cancel (nothing written)", classes="review-keys")

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)


class EntriesPane(Horizontal):
    def compose(self) -> ComposeResult:
        for target in TARGETS:
            yield EntryList(target, id=f"entries-{target}", classes="entries")


# -- the area ---------------------------------------------------------------------------------
class MemoryArea(Vertical):
    """F4: the search (default) and the entries pane (Ctrl+G)."""

    BINDINGS = [
        Binding("ctrl+g", "toggle_pane", "Search/Entries", id="memory.entries"),
        Binding("slash", "focus_query", "Search", id="memory.search"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hits: list[Hit] = []
        self.search_query = Query()
        self.pattern: re.Pattern[str] | None = None
        self.generation = 0  # of the newest query typed
        self.shown_generation = 0  # of the answer on screen
        self.shown_at = 0.0  # perf_counter when it was put there (the benchmark reads it)
        self._cancel: threading.Event | None = None
        self._timer: Any = None  # a search waiting for the typing to pause
        self._stale = False  # Hermes sessions mirrored since the hits were searched

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="memory-search", id="memory-panes"):
            yield SearchPane(id="memory-search")
            yield EntriesPane(id="memory-entries")
        yield Static("", id="memory-keys")

    def on_mount(self) -> None:
        self._keys()

    @property
    def table(self) -> RowList:
        return self.query_one("#memory-hits", RowList)

    @property
    def preview(self) -> Preview:
        return self.query_one(Preview)

    @property
    def input(self) -> Input:
        return self.query_one("#memory-query", Input)

    @property
    def pane(self) -> str:
        return self.query_one("#memory-panes", ContentSwitcher).current or "memory-search"

    def focus_main(self) -> None:
        if self._stale:
            self.start_search(self.input.value)
        if self.pane == "memory-search":
            self.input.focus()
        else:
            self.query_one("#entries-memory", EntryList).table.focus()

    def refresh_list(self) -> None:
        for entries in self.query(EntryList):
            entries.action_reload()

    def sessions_changed(self) -> None:
        """New Hermes sessions were mirrored: the hits shown may miss some. They are searched
        again when the area is shown next (not under the cursor of someone reading them)."""
        self._stale = bool(self.input.value.strip())

    def _keys(self) -> None:
        if self.pane == "memory-search":
            keys = ("[b]Enter[/b] results/open  [b]Tab[/b] preview  [b]n[/b]/[b]N[/b] next/previous match  "
                    "[b]/[/b] search  [b]Ctrl+G[/b] MEMORY.md·USER.md")
        else:
            keys = ("[b]a[/b] add  [b]Enter[/b]/[b]e[/b] edit  [b]d[/b] remove  [b]K[/b]/[b]J[/b] move  "
                    "[b]Tab[/b] other file  [b]Ctrl+G[/b] search")
        self.query_one("#memory-keys", Static).update(keys)

    def action_toggle_pane(self) -> None:
        switcher = self.query_one("#memory-panes", ContentSwitcher)
        switcher.current = "memory-entries" if self.pane == "memory-search" else "memory-search"
        self._keys()
        self.focus_main()

    def action_focus_query(self) -> None:
        if self.pane != "memory-search":
            self.action_toggle_pane()
        self.input.focus()

    # -- searching ------------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "memory-query":
            return
        event.stop()
        self.start_search(event.value)

    def start_search(self, text: str) -> None:
        """Cancel the running query and start this one (an empty box clears the results).

        A key that comes before the previous key's answer waits for a pause of
        :data:`BURST_SECONDS`: a burst of typing faster than the answers runs one search,
        not one per key; a key typed at leisure searches at once."""
        self._stale = False
        if self._cancel is not None:
            self._cancel.set()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        burst = self.shown_generation != self.generation
        self.generation += 1
        self.search_query = parse_filters(text, self.app.workspace.library)  # type: ignore[attr-defined]
        self.pattern = match_pattern(self.search_query.text)
        if not self.search_query.text.strip() or self.search_query.problems:
            self._cancel = None
            self._show(self.generation, SearchResult([]))
            return
        self._cancel = threading.Event()
        search = partial(self._search, self.generation, self.search_query, self._cancel)
        if burst:
            self._timer = self.set_timer(BURST_SECONDS, search)
        else:
            search()

    # The store is read in threads only while typing: the UI thread never waits for its
    # lock, which a running search holds.
    @work(thread=True, exclusive=True, group="memory-search", exit_on_error=False, name="search")
    def _search(self, generation: int, query: Query, cancel: threading.Event) -> None:
        workspace = self.app.workspace  # type: ignore[attr-defined]
        result = query.search(workspace.store, cancel)
        first = hit_document(workspace, result.hits[0]) if result.hits and not cancel.is_set() else None
        if not cancel.is_set():
            self.app.call_from_thread(self._show, generation, result, first)

    @work(thread=True, exclusive=True, group="memory-preview", exit_on_error=False, name="preview")
    def _read_document(self, generation: int, hit: Hit) -> None:
        document = hit_document(self.app.workspace, hit)  # type: ignore[attr-defined]
        self.app.call_from_thread(self._show_document, generation, hit, document)

    def _show_document(self, generation: int, hit: Hit, document: Document) -> None:
        row = self.table.cursor_row
        if generation == self.generation and 0 <= row < len(self.hits) and self.hits[row] is hit:
            self.preview.show(document, self.pattern, hit)

    def _show(self, generation: int, result: SearchResult, first: Document | None = None) -> None:
        if generation != self.generation or not self.is_attached:
            return  # a newer keystroke's answer is coming
        self.hits = result.hits
        self.table.set_rows([[Text(hit.kind, style=KIND_STYLE.get(hit.kind, "")), hit.title, snippet_text(hit.snippet),
                              when(hit.created_at)] for hit in self.hits])
        self._count(result)
        self.preview.show(first or Document("", ""), self.pattern if first else None, self.hits[0] if first else None)
        self.shown_generation, self.shown_at = generation, time.perf_counter()

    def _count(self, result: SearchResult) -> None:
        query = self.search_query
        if query.problems:
            self.query_one("#memory-count", Label).update(Text("; ".join(query.problems), style="bold red"))
            return
        if not query.text.strip():
            self.query_one("#memory-count", Label).update("type to search episodes, tool calls, notes, "
                                                          "MEMORY.md/USER.md entries and skills")
            return
        kinds: dict[str, int] = {}
        for hit in result.hits:
            kinds[hit.kind] = kinds.get(hit.kind, 0) + 1
        count = f"{len(result.hits)}{'+' if len(result.hits) >= LIMIT else ''} hits"
        detail = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
        line = f"[b]{count}[/b]" + (f" ({detail})" if detail else "")
        if query.describe():
            line += f" · filters: {query.describe()}"
        if result.partial:
            line += " · [yellow]the time limit cut the search short[/yellow]"
        self.query_one("#memory-count", Label).update(line)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "memory-query":
            event.stop()
            if self.hits:
                self.table.focus()

    def on_row_list_highlighted(self, event: RowList.Highlighted) -> None:
        event.stop()
        row = event.row
        if 0 <= row < len(self.hits) and self.preview.hit is not self.hits[row]:
            self._read_document(self.generation, self.hits[row])

    def on_row_list_selected(self, event: RowList.Selected) -> None:
        event.stop()
        self.open_hit(event.row)

    def open_hit(self, row: int) -> None:
        """Open a hit where it lives."""
        if not 0 <= row < len(self.hits):
            return
        hit = self.hits[row]
        workspace = self.app.workspace  # type: ignore[attr-defined]
        document = hit_document(workspace, hit)
        if hit.kind == "skill":
            open_skill(self.app, hit.id)
        elif document.episode_id is not None:
            episode = workspace.store.get_episode(document.episode_id)
            if episode is None:
                self.app.notify(f"episode {document.episode_id} is gone", severity="warning")
                return
            self.app.push_screen(EpisodeAtCall(episode, document.call_id))
        elif document.memory_target is not None:
            if self.pane == "memory-search":
                self.action_toggle_pane()
            self.query_one(f"#entries-{document.memory_target}", EntryList).select(document.text)
        else:  # a note lives here: read it in the preview
            self.preview.focus()

