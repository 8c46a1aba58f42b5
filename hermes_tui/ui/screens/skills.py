"""The skill editor (F5): the skills as a tree, SKILL.md in an editor, diffs and versions.

Left: a filter box, the skills by category with state badges, and the highlighted
skill's source and usage. Right: the open skill's SKILL.md (Markdown highlighting),
validated as it is typed (errors and warnings apart, each with its field and line);
a Diff tab (the buffer against the file, or two saved versions); a Versions tab
(number, time, author, size: mark two and diff them, restore one); and a read-only
tab for each support file (binary files are listed, not opened).

Every change goes through the core: :meth:`SkillLibrary.save` (author "user"),
``restore``, ``pin``, ``archive``. Hand edits reach the area through the library's
hot-reload events (the area runs the :class:`SkillWatcher` that emits them): an
unedited buffer takes the new text; a buffer with unsaved edits shows a banner with
the difference and lets the person keep theirs, take the disk's, or merge by hand.
A save first checks the disk, so nothing is overwritten silently.

``open_skill(name, text=None, on_saved=None)`` (the app's ``open_skill_editor``)
opens a skill, a new one, or a proposed text as unsaved edits; with ``on_saved``
Ctrl+S hands the text to it (the approvals queue approves it through the gate)
instead of saving.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Label, Sparkline, Static, TabbedContent, TabPane, TextArea, Tree

from hermes_tui.cli.common import plural
from hermes_tui.core.hermes.usage import pinned_by
from hermes_tui.core.skills.diff import has_conflict_markers, merge_by_hand
from hermes_tui.core.skills.model import ARCHIVED, PENDING
from hermes_tui.core.skills.template import new_skill_text
from hermes_tui.core.skills.validate import errors, validate_text, warnings
from hermes_tui.errors import HermesError
from hermes_tui.ui.screens.skill_parts import (
    FILE_TABS,
    KEYS,
    STATE_STYLE,
    Buffer,
    ConflictBanner,
    NewSkillDialog,
    RecordTable,
    VersionTable,
    badges,
    describe,
    effect_text,
    language_for,
    matches,
    tree_nodes,
    when,
)
from hermes_tui.ui.widgets.diff_view import DiffView

log = logging.getLogger("hermes_tui.ui")
class SkillsArea(Horizontal):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="skills.save"),
        Binding("ctrl+r", "revert", "Revert", id="skills.revert"),
        Binding("ctrl+g", "diff_buffer", "Diff", id="skills.diff"),
        Binding("ctrl+n", "new", "New skill", id="skills.new"),
        # Listed in the keys line under the editor (the footer has room for few).
        Binding("p", "pin", "Pin", show=False, id="skills.pin"),
        Binding("a", "archive", "Archive", show=False, id="skills.archive"),
        Binding("slash", "filter", "Filter", show=False, id="skills.filter"),
        Binding("e", "tab('tab-text')", "Edit", show=False, id="skills.edit"),
        Binding("v", "tab('tab-versions')", "Versions", show=False, id="skills.versions"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: dict[str, dict[str, Any]] = {}
        self.buffer: Buffer | None = None
        self.marked: list[int] = []
        self.versions: list[dict[str, Any]] = []
        self.file_panes: list[str] = []
        self.watcher: Any = None
        self.warned_on_quit = False

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="skills-side"):
            yield Input(placeholder="filter: words, state:pending, source:agent, pinned", id="skills-filter", compact=True)
            tree: Tree[str] = Tree("skills", id="skills-tree")
            tree.show_root = False
            yield tree
            yield Static("", id="skills-info")
        with Vertical(id="skills-main"):
            yield Label("No skill open: pick one in the tree (Enter), or Ctrl+N for a new one", id="skills-title")
            yield ConflictBanner(id="skills-banner")
            with TabbedContent(id="skills-tabs"):
                with TabPane("SKILL.md", id="tab-text"):
                    editor = TextArea(id="skills-editor", soft_wrap=True, show_line_numbers=True, tab_behavior="indent")
                    if "markdown" in editor.available_languages:
                        editor.language = "markdown"
                    editor.read_only = True
                    yield editor
                with TabPane("Diff", id="tab-diff"):
                    yield DiffView(id="skills-diff")
                with TabPane("Versions", id="tab-versions"):
                    yield VersionTable(cursor_type="row", id="skills-versions")
                with TabPane("Record", id="tab-record"):
                    yield Static("", id="skills-effect")
                    yield Sparkline([], id="skills-sparkline")
                    yield RecordTable(cursor_type="row", id="skills-record")
            with VerticalScroll(id="skills-problems-box"):
                yield Static("", id="skills-problems")
            yield Static(KEYS, id="skills-keys")

    @property
    def library(self) -> Any:
        return self.app.workspace.library  # type: ignore[attr-defined]

    @property
    def editor(self) -> TextArea:
        return self.query_one("#skills-editor", TextArea)

    @property
    def tree(self) -> Tree[str]:
        return self.query_one("#skills-tree", Tree)

    @property
    def banner(self) -> ConflictBanner:
        return self.query_one(ConflictBanner)

    @property
    def modified(self) -> bool:
        return self.buffer is not None and self.editor.text != self.buffer.base

    def on_mount(self) -> None:
        self.query_one(VersionTable).add_columns("", "version", "time", "author", "size")
        self.query_one(RecordTable).add_columns("", "task", "outcome", "when", "calls")
        self.refresh_list()
        self._start_watcher()

    def on_unmount(self) -> None:
        if self.watcher is not None:
            self.watcher.stop(timeout=2.0)
            self.watcher = None

    def holds_unsaved_edits(self) -> bool:
        """Before quitting: True (and a notice) the first time the buffer has unsaved edits."""
        if not self.modified or self.warned_on_quit:
            return False
        self.warned_on_quit = True
        self.app.notify(
            f"{self.shown_name()} has unsaved edits: Ctrl+S saves them, Ctrl+Q again quits without them",
            severity="warning",
        )
        return True

    def focus_main(self) -> None:
        (self.tree if self.buffer is None else self.editor).focus()

    # -- hot reload ----------------------------------------------------------------------------
    def _start_watcher(self) -> None:
        """Watch skills/ so hand edits reach the library (and, through its events, every area)."""
        from hermes_tui.core.watch import SkillWatcher

        workspace = self.app.workspace  # type: ignore[attr-defined]

        def reloaded(report: Any) -> None:  # on the watcher's thread: the event stream is thread-safe
            from hermes_tui.core.agent.events import LibraryChanged

            ids = [*report.added, *report.updated, *report.removed, *(e.skill_id for e in report.errors)]
            workspace.events.emit(LibraryChanged(action="reloaded", skill_ids=tuple(ids), author="user"))

        try:
            self.watcher = SkillWatcher(workspace.home, on_change=reloaded, on_error=log.warning).start()
        except OSError as exc:  # a read-only home: no hot reload, the rest works
            log.warning("skill watcher: %s", exc)

    # -- the tree -------------------------------------------------------------------------------
    def refresh_list(self) -> None:
        """Re-read the skills (after a library or pending event) and check the open file on disk."""
        from hermes_tui.core.gate import skills_with_pending

        self.rows = {r["skill_id"]: r for r in skills_with_pending(self.library)}
        self._fill_tree()
        if self.buffer is not None and self.buffer.skill_id is not None:
            self._reconcile()
            self._fill_versions()
            self._show_title()

    def _fill_tree(self) -> None:
        tree = self.tree
        current = tree.cursor_node.data if tree.cursor_node is not None else None
        if current is None and self.buffer is not None:
            current = self.buffer.skill_id
        words = self.query_one("#skills-filter", Input).value.split()
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in self.rows.values():
            if matches(row, words):
                groups.setdefault(row.get("category") or "", []).append(row)
        tree.clear()
        found = None
        for category in sorted(groups):
            parent = tree.root.add(Text(category, style="bold"), expand=True) if category else tree.root
            for row in sorted(groups[category], key=lambda r: r["skill_id"]):
                node = parent.add_leaf(badges(row), data=row["skill_id"])
                if row["skill_id"] == current:
                    found = node
        if found is None:  # the first skill, so that Enter opens one at once
            found = next((node for node in tree_nodes(tree.root) if node.data is not None), None)
        if found is not None:
            self.call_after_refresh(tree.move_cursor, found)
        self._show_info(found.data if found is not None else None)

    def _point_tree_at(self, skill_id: str | None) -> None:
        for node in tree_nodes(self.tree.root):
            if node.data is not None and node.data == skill_id:
                self.call_after_refresh(self.tree.move_cursor, node)  # once the tree has laid out its lines
                self._show_info(skill_id)
                return

    def _show_info(self, skill_id: str | None) -> None:
        row = self.rows.get(skill_id or "")
        info = self.query_one("#skills-info", Static)
        if row is None:
            info.update(Text(f"{len(self.rows)} skills", style="dim"))
            return
        versions = len(self.library.history(skill_id)) if row.get("state") != PENDING else 0
        info.set_class(bool(row.get("hermes")), "hermes")  # Hermes's block: room for a few more lines
        info.update(describe(row, versions))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "skills-filter":
            self._fill_tree()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "skills-filter":
            self.tree.focus()

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        self._show_info(event.node.data)

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        if event.node.data is not None:
            self.open_skill(event.node.data)

    def action_filter(self) -> None:
        self.query_one("#skills-filter", Input).focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-record":
            self._load_record()

    def _load_record(self) -> None:
        """Fill the Record tab (measured in a thread: the effect compares runs)."""
        skill_id = self.buffer.skill_id if self.buffer is not None else None
        self.query_one(RecordTable).clear()
        self.query_one(Sparkline).data = []
        effect = self.query_one("#skills-effect", Static)
        if skill_id is None:
            effect.update(Text("No record: the skill is not in the library yet.", style="dim"))
            return
        effect.update(Text("measuring…", style="dim"))
        self._measure(skill_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="skill-record", name="the skill's record")
    def _measure(self, skill_id: str) -> None:
        from hermes_tui.core.learning.review import skill_effect
        from hermes_tui.core.skills.record import skill_record

        store = self.app.workspace.store  # type: ignore[attr-defined]
        record, effect = skill_record(store, skill_id), skill_effect(store, skill_id)
        self.app.call_from_thread(self._show_record, skill_id, record, effect)

    def _show_record(self, skill_id: str, record: dict[str, Any], effect: dict[str, Any]) -> None:
        if self.buffer is None or self.buffer.skill_id != skill_id:
            return  # another skill was opened meanwhile
        self.query_one("#skills-effect", Static).update(effect_text(effect))
        self.query_one(Sparkline).data = [run["tool_calls"] for run in record["runs"]]
        table = self.query_one(RecordTable)
        table.clear()
        for kind, runs in (("ran with it", reversed(record["runs"])), ("learned from", record["learned_from"])):
            for run in runs:
                table.add_row(
                    kind, run["task"][:60], run["outcome"], when(run["started_at"]), str(run["tool_calls"]),
                    key=f"{kind}|{run['id']}",  # an episode can be both
                )

    def show_record(self) -> None:
        self.action_tab("tab-record")

    def action_tab(self, pane: str) -> None:
        """Show a tab and focus what is in it (e: the editor, v: the versions)."""
        self.query_one(TabbedContent).active = pane
        self.query_one(f"#{pane}").query_one("TextArea, DataTable").focus()

    # -- opening --------------------------------------------------------------------------------
    def open_skill(self, skill: str, *, text: str | None = None, on_saved: Callable[[str], Any] | None = None) -> bool:
        """Open ``skill`` (a name or skill_id; an unknown ``category/name`` is a new skill from the
        template); ``text`` replaces the buffer as unsaved edits; ``on_saved(text)`` is called by
        Ctrl+S instead of saving. False (and a notice) when the open buffer has unsaved edits."""
        if self.modified:
            self.app.notify(
                f"{self.shown_name()} has unsaved edits: save (Ctrl+S) or revert (Ctrl+R) first", severity="warning"
            )
            return False
        try:
            buffer, shown = self._buffer_for(skill, text)
        except HermesError as exc:
            self.app.notify(exc.message, severity="error")
            return False
        buffer.on_saved = on_saved
        self.buffer, self.marked = buffer, []
        self.banner.hide()
        editor = self.editor
        editor.load_text(buffer.base)
        if shown != buffer.base:
            self._replace(shown)  # proposed or template text: unsaved edits, undoable
        editor.read_only = bool(buffer.read_only)
        self._fill_versions()
        self._show_title()
        self._validate()
        self.query_one("#skills-diff", DiffView).show("", "", "", "")
        self.query_one(TabbedContent).active = "tab-text"
        self.query_one(RecordTable).clear()
        self.call_later(self._show_files, buffer.skill_id, self._support_files(buffer.skill_id))
        self._point_tree_at(buffer.skill_id)
        editor.focus()
        return True

    def _support_files(self, skill_id: str | None) -> list[str]:
        if skill_id is None:
            return []
        try:
            return self.library.load(skill_id).support_files
        except HermesError:  # a file that cannot be loaded still opens; its folder is not listed
            return []

    def _buffer_for(self, skill: str, text: str | None) -> tuple[Buffer, str]:
        """The buffer for ``skill`` and the text to show in it."""
        library = self.library
        skill_id = library.find(skill)
        if skill_id is not None:
            row = library.row(skill_id)
            base = library.text(skill_id)
            read_only = "archived: press a to bring it back first" if row.get("state") == ARCHIVED else ""
            buffer = Buffer(skill_id, row["name"], row.get("category"), Path(row["path"]), base, read_only)
            return buffer, base if text is None else text
        pending = self.rows.get(skill.strip("/"))
        category, _, name = skill.strip().strip("/").rpartition("/")
        if pending is not None and pending.get("pending_id") and text is None:
            change = self.app.workspace.pending.get(pending["pending_id"]).change  # type: ignore[attr-defined]
            category, name = pending.get("category") or "", pending["name"]
            text = change.content or ""
            path = library.root.joinpath(*[p for p in category.split("/") if p], name, "SKILL.md")
            read_only = "waits for approval: decide in Approvals (F6), e edits it there"
            return Buffer(None, name, category or None, path, text, read_only), text
        path = library.root.joinpath(*[p for p in category.split("/") if p], name, "SKILL.md")
        shown = new_skill_text(name) if text is None else text  # raises for an invalid name
        return Buffer(None, name, category or None, path, ""), shown

    def _replace(self, text: str) -> None:
        """Put ``text`` in the editor as an edit (Ctrl+Z undoes it)."""
        editor = self.editor
        was = editor.read_only
        editor.read_only = False
        editor.replace(text, (0, 0), editor.document.end)
        editor.read_only = was

    async def _show_files(self, skill_id: str | None, files: list[str]) -> None:
        """A read-only tab per support file (a binary one says so and is not opened)."""
        tabs = self.query_one(TabbedContent)
        for pane_id in self.file_panes:
            await tabs.remove_pane(pane_id)
        self.file_panes = []
        if skill_id is None or self.buffer is None or self.buffer.skill_id != skill_id:
            return
        available = self.editor.available_languages
        for index, rel in enumerate(files[:FILE_TABS]):
            try:
                content = self.library.read_support_file(skill_id, rel)
            except HermesError as exc:
                body: Any = Static(exc.message, markup=False, classes="skills-file-note")
            else:
                if content is None:
                    body = Static(f"{rel}: a binary file (or over 1 MiB), not opened", markup=False, classes="skills-file-note")
                else:
                    body = TextArea(content, language=language_for(rel, available), read_only=True, show_line_numbers=True)
            pane_id = f"file-{index}"
            await tabs.add_pane(TabPane(Content(rel), body, id=pane_id))
            self.file_panes.append(pane_id)
        if len(files) > FILE_TABS:
            more = ", ".join(files[FILE_TABS:])
            note = Static(more, markup=False, classes="skills-file-note")
            await tabs.add_pane(TabPane(f"+{len(files) - FILE_TABS} files", note, id="file-more"))
            self.file_panes.append("file-more")

    # -- the buffer ------------------------------------------------------------------------------
    def shown_name(self) -> str:
        buffer = self.buffer
        if buffer is None:
            return ""
        return buffer.skill_id or "/".join(p for p in (buffer.category, buffer.name) if p)

    def _show_title(self) -> None:
        buffer = self.buffer
        if buffer is None:
            return
        parts: list[tuple[str, str]] = [(self.shown_name(), "bold")]
        if buffer.skill_id is None:
            parts.append(("new, not saved yet" if not buffer.read_only else "pending", "yellow"))
        else:
            row = self.rows.get(buffer.skill_id) or {}
            state = row.get("state") or "?"
            parts.append((state, STATE_STYLE.get(state, "magenta")))
            if pinned_by(row):  # pinned in Hermes: a person may edit it, Hermes's agent may not
                parts.append((pinned_by(row), "cyan"))
            if self.versions:
                parts.append((f"v{self.versions[-1]['version']}", ""))
        if buffer.on_saved is not None:
            parts.append(("Ctrl+S approves", "bold yellow"))
        if buffer.read_only:
            parts.append((f"read-only: {buffer.read_only}", "dim"))
        if self.modified:
            parts.append(("● unsaved", "bold yellow"))
        title = Text()
        for index, (words, style) in enumerate(parts):
            if index:
                title.append(" · ", style="dim")
            title.append(words, style=style)
        self.query_one("#skills-title", Label).update(title)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id == "skills-editor" and self.buffer is not None:
            self._validate()
            self._show_title()

    def _validate(self) -> None:
        """Validate the buffer as it is: errors, then warnings, each with its line and field."""
        buffer = self.buffer
        out = Text()
        if buffer is not None:
            text = self.editor.text
            problems = validate_text(text, path=buffer.path, root=self.library.root)
            if has_conflict_markers(text):
                out.append("✗ conflict markers left (<<<<<<< / >>>>>>>): resolve them, then save\n", style="bold red")
            found_errors, found_warnings = errors(problems), warnings(problems)
            for problem in found_errors:
                out.append(f"✗ line {problem.line} {problem.field}: {problem.message}\n", style="red")
            for problem in found_warnings:
                out.append(f"! line {problem.line} {problem.field}: {problem.message}\n", style="yellow")
            if not problems:
                out.append("✓ valid (Agent Skills spec)", style="green")
            else:
                out.append(f"{plural(len(found_errors), 'error')}, {plural(len(found_warnings), 'warning')}", style="dim")
        self.query_one("#skills-problems", Static).update(out)

    def _disk(self) -> str | None:
        """The open skill's file as it is on disk now (None: no file yet, or it is gone)."""
        if self.buffer is None or self.buffer.skill_id is None:
            return None
        try:
            return self.library.text(self.buffer.skill_id)
        except HermesError:
            return None

    def _reconcile(self) -> bool:
        """After a change on disk: an unedited buffer takes the new text; an edited one
        shows the banner. True when the disk differed from the buffer's base."""
        buffer = self.buffer
        if buffer is not None and buffer.skill_id is not None and buffer.skill_id not in self.rows:
            # Removed (or moved) on disk: the buffer stays; a save writes it again.
            self.app.notify(f"{buffer.skill_id} is gone from disk; Ctrl+S writes the buffer back", severity="warning")
            buffer.skill_id, buffer.base = None, ""
            return True
        disk = self._disk()
        if buffer is None or disk is None or disk == buffer.base:
            return False
        if not self.modified:
            buffer.base = disk
            self.editor.load_text(disk)
            self._validate()
            self.app.notify(f"{self.shown_name()} reloaded: it changed on disk")
            return True
        self.banner.show(self.shown_name(), self.editor.text, disk)
        return True

    def resolve(self, choice: str) -> None:
        """The banner's answer: keep mine, take the disk's, or merge by hand."""
        buffer, disk = self.buffer, self._disk()
        self.banner.hide()
        if buffer is None or disk is None:
            return
        mine = self.editor.text
        buffer.base = disk
        if choice == "take":
            self._replace(disk)
        elif choice == "merge":
            self._replace(merge_by_hand(mine, disk))
        self._show_title()
        self._validate()
        self.editor.focus()

    # -- actions ---------------------------------------------------------------------------------
    def action_save(self) -> None:
        buffer = self.buffer
        if buffer is None:
            self.app.notify("open a skill first (Enter in the tree)", severity="warning")
            return
        if buffer.read_only:
            self.app.notify(f"{self.shown_name()} is read-only: {buffer.read_only}", severity="warning")
            return
        text = self.editor.text
        if has_conflict_markers(text):
            self.app.notify("conflict markers are left in the text: resolve them, then save", severity="error")
            return
        if self._reconcile():  # the file changed since it was loaded: the banner asks first
            return
        try:
            if buffer.on_saved is not None:
                buffer.on_saved(text)
                said = f"{self.shown_name()}: approved"
            else:
                target = buffer.skill_id or buffer.name
                version = self.library.save(target, text, author="user", category=None if buffer.skill_id else buffer.category)
                said = f"saved {self.shown_name()} (version {version})"
        except HermesError as exc:
            self.app.notify(exc.message, severity="error")
            return
        self._reopen(buffer.skill_id or self.library.find(self.shown_name()) or self.library.find(buffer.name))
        self.app.notify(said)

    def _reopen(self, skill_id: str | None) -> None:
        """Load the open skill again from the library (after a save, restore or archive)."""
        if skill_id is None:
            return
        if self.buffer is not None:
            self.buffer.base = self.editor.text  # nothing unsaved is dropped: the text was just written
        self.refresh_list()
        self.buffer = None
        self.open_skill(skill_id)

    def action_revert(self) -> None:
        if self.buffer is None or not self.modified:
            return
        self._replace(self.buffer.base)
        self.banner.hide()
        self.app.notify(f"{self.shown_name()}: reverted to the file (Ctrl+Z undoes it)")

    def action_diff_buffer(self) -> None:
        """The Diff tab: the file against the buffer."""
        if self.buffer is None:
            return
        disk = self._disk()
        label = "on disk" if disk is not None else "(no file yet)"
        self._show_diff(disk or "", self.editor.text, label, "your edits")

    def action_new(self) -> None:
        def create(name: str | None) -> None:
            if not name:
                return
            try:
                exists = self.library.find(name) is not None or name.strip("/") in self.rows
            except HermesError as exc:
                self.app.notify(exc.message, severity="error")
                return
            if exists:
                self.app.notify(f"a skill named {name!r} exists: open it from the tree", severity="error")
                return
            self.open_skill(name)

        self.app.push_screen(NewSkillDialog(), create)

    def _target(self) -> str | None:
        """The skill an action is for: the tree's cursor when the tree has focus, else the open one."""
        node = self.tree.cursor_node
        if self.tree.has_focus and node is not None and node.data is not None:
            return node.data
        return self.buffer.skill_id if self.buffer is not None else None

    def action_pin(self) -> None:
        skill_id = self._target()
        row = self.rows.get(skill_id or "")
        if row is None or row.get("state") == PENDING:
            self.app.notify("pick a skill in the library first", severity="warning")
            return
        try:
            self.library.pin(skill_id, not row.get("pinned"))
        except HermesError as exc:
            self.app.notify(exc.message, severity="error")
            return
        self.app.notify(f"{skill_id} {'unpinned' if row.get('pinned') else 'pinned'}")
        self.refresh_list()

    def action_archive(self) -> None:
        """Archive the skill (moved to workbench/archive/, never deleted), or bring an archived one back."""
        skill_id = self._target()
        row = self.rows.get(skill_id or "")
        if row is None or row.get("state") == PENDING:
            self.app.notify("pick a skill in the library first", severity="warning")
            return
        if self.buffer is not None and self.buffer.skill_id == skill_id and self.modified:
            self.app.notify(f"{skill_id} has unsaved edits: save or revert them first", severity="warning")
            return
        try:
            if row.get("state") == ARCHIVED:
                self.library.unarchive(skill_id)
                said = f"{skill_id} is back in the library"
            else:
                target = self.library.archive(skill_id, author="user")
                said = f"{skill_id} archived to {target} (a brings it back)"
        except HermesError as exc:
            self.app.notify(exc.message, severity="error")
            return
        self.app.notify(said)
        if self.buffer is not None and self.buffer.skill_id == skill_id:
            self._reopen(skill_id)
        else:
            self.refresh_list()

    # -- versions ----------------------------------------------------------------------------------
    def _fill_versions(self) -> None:
        buffer = self.buffer
        self.versions = self.library.history(buffer.skill_id) if buffer is not None and buffer.skill_id else []
        table = self.query_one(VersionTable)
        row = table.cursor_row
        table.clear()
        for v in reversed(self.versions):
            table.add_row(
                "●" if v["version"] in self.marked else "",
                f"v{v['version']}",
                when(v.get("created_at")),
                v.get("author") or "",
                f"{v.get('size') or 0:,} chars",
                key=str(v["version"]),
            )
        if self.versions:
            table.move_cursor(row=min(max(row, 0), len(self.versions) - 1))

    def _selected_version(self) -> int | None:
        table = self.query_one(VersionTable)
        index = table.cursor_row
        ordered = list(reversed(self.versions))
        return ordered[index]["version"] if 0 <= index < len(ordered) else None

    def mark_version(self) -> None:
        version = self._selected_version()
        if version is None:
            return
        self.marked = [v for v in self.marked if v != version] if version in self.marked else [*self.marked, version][-2:]
        self._fill_versions()

    def diff_versions(self) -> None:
        """Two marked versions; one marked and the selected one; or the selected one and the one before it."""
        buffer, selected = self.buffer, self._selected_version()
        if buffer is None or buffer.skill_id is None or selected is None:
            return
        pair = list(self.marked) if len(self.marked) == 2 else [self.marked[0], selected] if self.marked else [selected - 1, selected]
        old, new = sorted(pair)
        if old == new or old < 1:
            self.app.notify("mark two versions with Space (or pick one after the first)", severity="warning")
            return
        try:
            a, b = (self.library.version_text(buffer.skill_id, v) for v in (old, new))
        except HermesError as exc:
            self.app.notify(exc.message, severity="error")
            return
        self._show_diff(a, b, f"v{old}", f"v{new}")

    def _show_diff(self, old: str, new: str, old_label: str, new_label: str) -> None:
        view = self.query_one("#skills-diff", DiffView)
        view.show(old, new, old_label, new_label)
        self.query_one(TabbedContent).active = "tab-diff"
        view.focus()

    def restore_version(self) -> None:
        """Restore the selected version (recorded as a new version, author "restore")."""
        buffer, version = self.buffer, self._selected_version()
        if buffer is None or buffer.skill_id is None or version is None:
            return
        if self.modified:
            self.app.notify(f"{self.shown_name()} has unsaved edits: save or revert them first", severity="warning")
            return
        if self._reconcile():
            return
        try:
            new = self.library.restore(buffer.skill_id, version)
        except HermesError as exc:
            self.app.notify(exc.message, severity="error")
            return
        self._reopen(buffer.skill_id)
        self.query_one(TabbedContent).active = "tab-versions"
        self.app.notify(f"{buffer.skill_id}: version {version} restored as version {new}")
