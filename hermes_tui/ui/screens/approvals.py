"""Approvals (F6): every waiting change, decided from the keyboard.

Each row is a group of changes a person decides once (the same skill name, or
near-duplicate texts: ``gate.similar_groups``); its newest change stands for the group.
Approving it rejects the others as duplicates; rejecting rejects them all. The detail
beside the list shows the change against the current skill as a coloured diff with
invisible characters made visible (or the whole new skill, raw or rendered), its
provenance (episodes, each opening in the viewer), its evidence, its security scan and
the decisions already taken on the skill. Items are rendered from their dicts, so
memory items show too.

Hermes Agent's staged writes (``HOME/pending/{skills,memory}/ID.json``, read in a worker
through ``core.hermes.pending``) follow the workbench's own, each its own row: what it
does, Hermes's diff (a patch in context, memory entries before and after), the scan and
the problem that keeps it from applying. They are approved (replayed by the core) and
rejected in a worker; they are never edited here (Hermes replays its own payload).

Keys: a approve, r reject (optional reason), e edit then approve, n/p next/previous,
Space select, A approve the selected (only when each has a clean scan, after a
confirmation that lists them), o open the provenance, m raw/rendered, h decisions.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Markdown, Static, TextArea

from hermes_tui.core.gate import PendingItem, proposed_text, similar_groups
from hermes_tui.core.guard.unicode import has_invisible, reveal_invisible
from hermes_tui.errors import HermesError, one_line
from hermes_tui.ui.screens.episodes import OUTCOME_STYLE, EpisodeScreen
from hermes_tui.ui.screens.review import AskScreen, ConfirmScreen, diff_text, skill_syntax, unified_text
from hermes_tui.ui.widgets.rowlist import RowList

WAITED_LONG_DAYS = 7  # a change waiting longer is marked, and the title says how many
CLEAN = "safe"  # the only scan verdict a bulk approve accepts
VERDICT_STYLE = {"safe": "green", "caution": "yellow", "dangerous": "bold red"}
QUIET_FIELDS = {"subsystem": "skills", "origin": "workbench"}  # shown only when not these
SHOWN_FIELDS = {"summary", "id", "created_at", "status", "note", "folder", "op", "skill", "category", "content", "old", "new",
                "file_path", "episode_id", "reason", "author", "scan", "subsystem", "origin", "decided_by",
                "decided_at", "edited"}


def age(seconds: float) -> str:
    """A wait as a short word: 40s, 12m, 5h, 9d."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(max(seconds, 0))}s"


def stamp(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else "?"


def scan_of(data: dict[str, Any]) -> dict[str, Any] | None:
    scan = data.get("scan")
    return scan if isinstance(scan, dict) else None


def is_clean(data: dict[str, Any]) -> bool:
    """A scan report says "safe" (an item without one is not clean)."""
    scan = scan_of(data)
    return scan is not None and scan.get("verdict") == CLEAN


class Group:
    """Changes decided together; ``head`` (the newest) stands for them."""

    hermes = False

    def __init__(self, items: list[PendingItem]) -> None:
        self.items = items
        self.head = items[-1]
        self.data = self.head.to_dict()
        self.oldest = min(i.created_at for i in items)

    @property
    def others(self) -> list[PendingItem]:
        return self.items[:-1]


class HermesGroup:
    """One write Hermes Agent staged (its ``pending list --json`` dict): a group of its own."""

    hermes = True
    others: tuple[()] = ()

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.id = str(data.get("id"))
        self.created_at = float(data.get("created_at") or 0.0)
        self.head = self
        self.items = [self]
        self.oldest = self.created_at

    @property
    def title(self) -> str:
        """"patch deploy", "add MEMORY.md", "replace USER.md"; an unreadable file: its name."""
        if not self.data.get("action") and not self.data.get("target"):
            return f"{self.data.get('subsystem') or '?'} file {self.id}.json"
        target = self.data.get("target") or "?"
        if self.data.get("subsystem") == "memory":
            target = {"memory": "MEMORY.md", "user": "USER.md"}.get(target, target)
        return f"{self.data.get('action') or '?'} {target}"


class ApprovalsArea(Vertical):
    BINDINGS = [
        Binding("a", "approve", "Approve", id="approvals.approve"),
        Binding("r", "reject", "Reject", id="approvals.reject"),
        Binding("e", "edit", "Edit, approve", id="approvals.edit"),
        Binding("n", "step(1)", "Next", id="approvals.next"),
        Binding("p", "step(-1)", "Previous", id="approvals.previous"),
        Binding("space", "select", "Select", id="approvals.select"),
        Binding("A", "bulk_approve", "Approve selected", id="approvals.bulk"),
        Binding("o", "open_provenance", "Open episode", id="approvals.provenance"),
        Binding("m", "toggle_rendered", "Raw/rendered", id="approvals.rendered"),
        Binding("h", "decisions", "Decisions", id="approvals.decisions"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.groups: list[Group | HermesGroup] = []
        self.selected: set[str] = set()  # head ids
        self.decided: dict[str, list[dict[str, Any]]] = {}  # skill name -> decisions, newest first
        self._decisions: dict[str, dict[str, Any]] = {}  # id -> decision (read once: it never changes)
        self._items: dict[str, PendingItem] = {}  # id -> waiting change (its change.json is written once)
        self.provenance: list[str] = []
        self.rendered = False
        self._reload_queued = False
        self.hermes: list[dict[str, Any]] = []  # Hermes's staged writes, as the last worker read them
        self._own: list[Group] = []
        self._hermes_reads = 0  # generation of the newest read of Hermes's writes
        self.now: Callable[[], float] = time.time  # the snapshot tests fix the clock

    @property
    def queue(self) -> Any:
        return self.app.workspace.pending  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Label("", id="approvals-title")
        with Horizontal(id="approvals-body"):
            yield RowList([("", 2), ("", 2), ("change", 0), ("by", 8), ("scan", 12), ("waited", 6)], id="approvals-table")
            with VerticalScroll(id="approvals-detail"):
                yield Static("", id="approvals-head")
                yield Label("", id="approvals-change-label", classes="review-section")
                yield Static("", id="approvals-change")
                yield Markdown("", id="approvals-rendered")
                yield Label("provenance (Enter or o opens an episode)", id="approvals-provenance-label",
                            classes="review-section")
                yield DataTable(cursor_type="row", id="approvals-provenance")
                yield Label("evidence", classes="review-section")
                yield Static("", id="approvals-evidence")
                yield Label("security scan", classes="review-section")
                yield Static("", id="approvals-scan")
                yield Label("decisions on this skill", id="approvals-decided-label", classes="review-section")
                yield Static("", id="approvals-decided")
        yield Static("[b]a[/b] approve [b]r[/b] reject [b]e[/b] edit+approve [b]n[/b]/[b]p[/b] next/prev "
                     "[b]Space[/b] select [b]A[/b] approve selected [b]o[/b] episode [b]m[/b] raw/rendered "
                     "[b]h[/b] decisions", id="approvals-keys")

    @property
    def table(self) -> RowList:
        return self.query_one("#approvals-table", RowList)

    def on_mount(self) -> None:
        self.query_one("#approvals-provenance", DataTable).add_columns("episode", "outcome", "task")
        self.query_one("#approvals-rendered", Markdown).display = False
        self.reload()

    def focus_main(self) -> None:
        self.refresh_list()  # shown again: current waits, and writes that sent no event (Hermes's)
        self.table.focus()

    def refresh_list(self) -> None:
        """Re-read the queue once, however many pending events arrive together."""
        if not self._reload_queued:
            self._reload_queued = True
            self.call_later(self.reload)

    # -- the list -------------------------------------------------------------------------------
    def reload(self) -> None:
        self._reload_queued = False
        self._own = [Group(items) for items in similar_groups(self._waiting())]
        for item in self.queue.decided(set(self._decisions)):
            self._decisions[item.id] = item.to_dict()
        self.decided = {}
        for decision in self._decisions.values():
            self.decided.setdefault(decision.get("skill", ""), []).append(decision)
        for decisions in self.decided.values():
            decisions.sort(key=lambda d: -(d.get("decided_at") or d.get("created_at") or 0))
        self._show_groups()
        self._hermes_reads += 1
        self._read_hermes(self._hermes_reads)

    def _show_groups(self) -> None:
        """The workbench's groups, then Hermes's writes (as last read), keeping the cursor's row."""
        head = self.current.head.id if self.current else None
        self.groups = [*self._own, *(HermesGroup(data) for data in self.hermes)]
        self.selected &= {g.head.id for g in self.groups}
        rows = [g.head.id for g in self.groups]
        self._fill(rows.index(head) if head in rows else self.table.cursor_row)
        self._detail()

    @work(thread=True, exclusive=True, group="approvals-hermes", exit_on_error=False, name="Hermes's staged writes")
    def _read_hermes(self, generation: int) -> None:
        """Hermes's staged writes with their diff and scan (files read here, not on the UI thread)."""
        from hermes_tui.core.hermes import pending as hermes

        workspace = self.app.workspace  # type: ignore[attr-defined]
        try:
            items = [hermes.item_dict(item, workspace.library) for item in hermes.list_items(workspace.home, workspace.library)]
        except (HermesError, OSError) as exc:
            self.app.call_from_thread(self.app.notify, f"Hermes's staged writes: {one_line(exc)}", severity="error")
            return
        for data in items:
            data.pop("age", None)  # waited: from the area's clock
        self.app.call_from_thread(self._hermes_read, generation, items)

    def _hermes_read(self, generation: int, items: list[dict[str, Any]]) -> None:
        if generation != self._hermes_reads or not self.is_attached or items == self.hermes:
            return  # a newer read is coming, or nothing changed
        self.hermes = items
        self._show_groups()
        self.app.refresh_status()  # type: ignore[attr-defined]  # (the count includes Hermes's writes)

    def _waiting(self) -> list[PendingItem]:
        """The waiting changes, oldest first; only the new ones are read."""
        ids = self.queue.waiting_ids()
        self._items = {i: self._items[i] for i in ids if i in self._items}
        for item_id in ids:
            if item_id not in self._items:
                try:
                    self._items[item_id] = self.queue.get(item_id)
                except HermesError:  # half-written or unreadable: the next event reads it again
                    continue
        return sorted((i for i in self._items.values() if i.status == "pending"), key=lambda i: (i.created_at, i.id))

    def _fill(self, cursor: int) -> None:
        now = self.now()
        rows: list[list[Any]] = []
        for group in self.groups:
            data = group.data
            waited = now - group.oldest
            scan = scan_of(data)
            verdict = scan.get("verdict", "?") if scan else "not scanned"
            change: str | Text
            if isinstance(group, HermesGroup):
                by = "hermes"
                change = Text(group.title + (" (cannot apply)" if data.get("problem") else ""),
                              style="red" if data.get("problem") else "")
            else:
                by = data.get("author") or "?"
                if data.get("origin") == "hermes":
                    by += " · hermes"
                if data.get("subsystem") == "memory":
                    by += " · memory"
                change = f"{data.get('op', '?')} {data.get('skill', '?')}"
                if group.others:
                    change += f" (+{len(group.others)} similar)"
            rows.append([
                "●" if group.head.id in self.selected else "",
                Text("!", style="bold yellow") if waited > WAITED_LONG_DAYS * 86400 else "",
                change,
                by,
                Text(verdict, style=VERDICT_STYLE.get(verdict, "dim")),
                Text(age(waited), style="bold yellow" if waited > WAITED_LONG_DAYS * 86400 else ""),
            ])
        self.table.set_rows(rows, cursor)
        self._title()

    def _title(self) -> None:
        now = self.now()
        waiting = sum(len(g.items) for g in self.groups)
        long_ = sum(1 for g in self.groups for i in g.items if now - i.created_at > WAITED_LONG_DAYS * 86400)
        parts = [f"[b]{waiting}[/b] {'change waits' if waiting == 1 else 'changes wait'}" if waiting
                 else "nothing waits for a decision"]
        staged = sum(1 for g in self.groups if g.hermes)
        if staged:
            parts[0] += f" ({staged} staged by Hermes)"
        if waiting != len(self.groups):
            parts.append(f"in {len(self.groups)} decisions (similar ones grouped)")
        if long_:
            parts.append(f"[bold yellow]{long_} waited more than {WAITED_LONG_DAYS} days[/]")
        if self.selected:
            parts.append(f"{len(self.selected)} selected")
        self.query_one("#approvals-title", Label).update(" · ".join(parts))

    @property
    def current(self) -> Group | HermesGroup | None:
        row = self.table.cursor_row if self.is_mounted else -1
        return self.groups[row] if 0 <= row < len(self.groups) else None

    def on_row_list_highlighted(self, event: RowList.Highlighted) -> None:
        event.stop()
        self._detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.data_table.id == "approvals-provenance":
            self._open_episode(event.cursor_row)

    # -- the detail -----------------------------------------------------------------------------
    def _detail(self) -> None:
        group = self.current
        head = self.query_one("#approvals-head", Static)
        if group is None:
            head.update("No change waits. The agent's skill changes, learned skills and installs appear here.")
            for part in ("#approvals-change", "#approvals-evidence", "#approvals-scan", "#approvals-decided"):
                self.query_one(part, Static).update("")
            self.query_one("#approvals-change-label", Label).update("")
            self.query_one("#approvals-provenance", DataTable).clear()
            self.provenance = []
            return
        hermes = isinstance(group, HermesGroup)
        # A Hermes write comes from no workbench episode; a memory write has no skill history.
        for part in ("#approvals-provenance-label", "#approvals-provenance"):
            self.query_one(part).display = not hermes
        for part in ("#approvals-decided-label", "#approvals-decided"):
            self.query_one(part).display = group.data.get("subsystem") != "memory"
        if hermes:
            self._hermes_detail(group)
            return
        data = group.data
        head.update(self._head(group))
        self._change(group.head, data)
        evidences = [self.queue.evidence(item) or {} for item in reversed(group.items)]
        evidence = next((e for e in evidences if e), {})
        self._provenance(group, evidences)
        self.query_one("#approvals-evidence", Static).update(evidence_text(evidence))
        self.query_one("#approvals-scan", Static).update(scan_text(scan_of(data)))
        self.query_one("#approvals-decided", Static).update(decisions_text(self.decided.get(data.get("skill", ""), [])))

    def _head(self, group: Group) -> Text:
        data = group.data
        out = Text()
        out.append(f"{data.get('op', '?')} {data.get('skill', '?')}", style="bold")
        out.append(f"  {group.head.id} · by {data.get('author', '?')} · {stamp(data.get('created_at'))}"
                   f" · waited {age(self.now() - group.oldest)}")
        if data.get("reason"):
            out.append(f"\nwhy: {reveal_invisible(str(data['reason']))}")
        extra = {k: v for k, v in data.items()
                 if k not in SHOWN_FIELDS and k not in QUIET_FIELDS and v not in (None, "", [], {})}
        for key, usual in QUIET_FIELDS.items():  # said only when they are not the usual
            if data.get(key) and data[key] != usual:
                extra[key] = data[key]
        for key, value in extra.items():
            out.append(f"\n{key}: {reveal_invisible(str(value))[:200]}", style="dim")
        if group.others:
            out.append(f"\n{len(group.others)} similar change(s) decided with it: "
                       + ", ".join(i.id for i in group.others), style="yellow")
        texts = [str(data.get(k) or "") for k in ("content", "old", "new", "reason")]
        if any(has_invisible(t) for t in texts):
            out.append("\n⚠ this change holds invisible characters, shown as ⟦…⟧", style="bold red")
        return out

    def _change(self, item: PendingItem, data: dict[str, Any]) -> None:
        label = self.query_one("#approvals-change-label", Label)
        view = self.query_one("#approvals-change", Static)
        rendered = self.query_one("#approvals-rendered", Markdown)
        try:
            current, proposed = proposed_text(item.change, self.app.workspace.library)  # type: ignore[attr-defined]
        except HermesError as exc:
            current, proposed = None, data.get("content")
            self.app.notify(exc.message, severity="warning")
        name = data.get("file_path") if data.get("op") == "write_file" else "SKILL.md"
        show_rendered = False
        if proposed is None and current is not None:  # a delete: what goes to the archive
            label.update(f"archived (never deleted): the current {name}")
            view.update(skill_syntax(current))
        elif current is None:
            label.update(f"the whole new {name} ({'rendered' if self.rendered else 'raw'}; m switches)")
            view.update(skill_syntax(proposed or ""))
            show_rendered = self.rendered
            if show_rendered:
                rendered.update(reveal_invisible(proposed or ""))
        else:
            label.update(f"diff against the current {name}")
            view.update(diff_text(current, proposed or "", f"{data.get('skill')} (now)", f"{data.get('skill')} (proposed)"))
        view.display = not show_rendered
        rendered.display = show_rendered

    def _hermes_detail(self, group: HermesGroup) -> None:
        data = group.data
        self.query_one("#approvals-head", Static).update(self._hermes_head(group))
        self._hermes_change(data)
        self.provenance = []
        self.query_one("#approvals-provenance", DataTable).clear()
        origin = data.get("hermes_origin") or "?"
        evidence = Text(f"staged by Hermes ({'its background review' if origin == 'background_review' else origin})",
                        style="bold")
        evidence.append(f"\nfile: pending/{data.get('subsystem')}/{group.id}.json", style="dim")
        self.query_one("#approvals-evidence", Static).update(evidence)
        self.query_one("#approvals-scan", Static).update(scan_text(scan_of(data)))
        self.query_one("#approvals-decided", Static).update(decisions_text(self.decided.get(data.get("skill") or "", [])))

    def _hermes_head(self, group: HermesGroup) -> Text:
        data = group.data
        out = Text()
        out.append(group.title, style="bold")
        out.append(f"  {group.id} · Hermes · {data.get('subsystem')} · {data.get('hermes_origin') or '?'}"
                   f" · {stamp(group.created_at)} · waited {age(self.now() - group.oldest)}")
        if data.get("summary"):
            out.append(f"\nsummary: {reveal_invisible(str(data['summary']))[:200]}")
        if data.get("problem"):
            out.append(f"\nproblem: {data['problem']} (r rejects it)", style="bold red")
        payload = data.get("payload") or {}
        texts = [str(v) for v in payload.values() if isinstance(v, str)]
        texts += [str(op.get("content") or "") for op in payload.get("operations") or [] if isinstance(op, dict)]
        if any(has_invisible(t) for t in texts):
            out.append("\n⚠ this change holds invisible characters, shown as ⟦…⟧", style="bold red")
        return out

    def _hermes_change(self, data: dict[str, Any]) -> None:
        """Hermes's diff: a patch or edit in context, a create's whole text, memory entries before and after."""
        label = self.query_one("#approvals-change-label", Label)
        view = self.query_one("#approvals-change", Static)
        rendered = self.query_one("#approvals-rendered", Markdown)
        diff = data.get("diff")
        payload = data.get("payload") or {}
        name = str(payload.get("file_path") or "SKILL.md")
        show_rendered = False
        if diff is None:
            label.update("the change")
            view.update(Text("nothing to show: the file cannot be read as a staged write", style="dim"))
        elif str(diff).startswith("(cannot apply now"):
            label.update("the change")
            view.update(Text(str(diff), style="bold red"))
        elif data.get("subsystem") == "memory":
            label.update(f"{'USER.md' if data.get('target') == 'user' else 'MEMORY.md'} entries before and after")
            view.update(unified_text(str(diff)))
        elif data.get("action") == "create":
            content = str((data.get("payload") or {}).get("content") or "")  # the diff is all "+" lines
            label.update(f"the whole new SKILL.md ({'rendered' if self.rendered else 'raw'}; m switches)")
            view.update(skill_syntax(content))
            show_rendered = self.rendered
            if show_rendered:
                rendered.update(reveal_invisible(content))
        elif data.get("action") in ("delete", "remove_file"):
            label.update("what approving does")
            view.update(Text(str(diff)))
        else:
            how = "the patch in context" if data.get("action") == "patch" else "diff"
            label.update(f"{how} against the current {name}")
            view.update(unified_text(str(diff)))
        view.display = not show_rendered
        rendered.display = show_rendered

    def _provenance(self, group: Group, evidences: list[dict[str, Any]]) -> None:
        """The episodes every change of the group comes from (its own, then its evidence's)."""
        ids = [item.change.episode_id for item in reversed(group.items) if item.change.episode_id]
        ids += [e.get("episode_id") for ev in evidences for e in ev.get("episodes") or [] if e.get("episode_id")]
        self.provenance = list(dict.fromkeys(ids))
        table = self.query_one("#approvals-provenance", DataTable)
        table.clear()
        store = self.app.workspace.store  # type: ignore[attr-defined]
        for episode_id in self.provenance:
            rows = store.execute("SELECT outcome, task FROM episodes WHERE id = ?", (episode_id,))
            outcome, task = rows[0] if rows else ("gone", "")
            table.add_row(episode_id, Text(outcome or "running", style=OUTCOME_STYLE.get(outcome or "", "")),
                          (task or "")[:70])

    def _open_episode(self, row: int) -> None:
        if not 0 <= row < len(self.provenance):
            self.app.notify("this change names no episode", severity="warning")
            return
        episode = self.app.workspace.store.get_episode(self.provenance[row])  # type: ignore[attr-defined]
        if episode is None:
            self.app.notify(f"episode {self.provenance[row]} is not in the store", severity="warning")
            return
        self.app.push_screen(EpisodeScreen(episode))

    # -- keys -----------------------------------------------------------------------------------
    def action_step(self, delta: int) -> None:
        if self.groups:
            self.table.move_cursor(row=max(0, min(len(self.groups) - 1, self.table.cursor_row + delta)))

    def action_select(self) -> None:
        group = self.current
        if group is None:
            return
        self.selected ^= {group.head.id}
        row = self.table.cursor_row
        self.table.set_cell(row, 0, "●" if group.head.id in self.selected else "")
        self._title()

    def action_open_provenance(self) -> None:
        self._open_episode(self.query_one("#approvals-provenance", DataTable).cursor_row if self.provenance else -1)

    def action_toggle_rendered(self) -> None:
        self.rendered = not self.rendered
        self._detail()

    def action_approve(self) -> None:
        group = self.current
        if isinstance(group, HermesGroup):
            if group.data.get("problem"):
                self.app.notify(f"cannot approve Hermes write {group.id}: {group.data['problem']} (r rejects it)",
                                severity="error")
            else:
                self.decide_hermes([group], approve=True)
        elif group is not None:
            self.decide(group, approve=True)

    def action_reject(self) -> None:
        group = self.current
        if group is None:
            return

        def rejected(reason: str | None) -> None:
            if reason is None:
                return
            if isinstance(group, HermesGroup):
                self.decide_hermes([group], approve=False, reason=reason.strip())
            else:
                self.decide(group, approve=False, reason=reason.strip())

        if isinstance(group, HermesGroup):
            what = f"Reject Hermes's {group.title} ({group.id})"
        else:
            what = f"Reject {group.data.get('op')} {group.data.get('skill')}" + (
                f" and its {len(group.others)} similar change(s)" if group.others else "")
        self.app.push_screen(AskScreen(f"{what}? A reason (optional):", "why not"), rejected)

    def action_edit(self) -> None:
        group = self.current
        if group is None:
            return
        if isinstance(group, HermesGroup):
            self.app.notify("a Hermes write cannot be edited here (Hermes replays its own payload): approve or reject it",
                            severity="warning")
            return
        if group.data.get("op") == "delete":
            self.app.notify("a delete has no text to edit: approve or reject it", severity="warning")
            return
        try:
            _current, proposed = proposed_text(group.head.change, self.app.workspace.library)  # type: ignore[attr-defined]
        except HermesError as exc:
            self.app.notify(exc.message, severity="error")
            return

        def save(text: str) -> str | None:
            return self.decide(group, approve=True, content=text)

        self.app.push_screen(EditApproveScreen(f"{group.data.get('op')} {group.data.get('skill')}", proposed or "", save))

    def decide(self, group: Group, *, approve: bool, reason: str = "", content: str | None = None) -> str | None:
        """Approve (or reject) a group's change; the others are rejected as duplicates.
        Returns an error to show, or None."""
        workspace = self.app.workspace  # type: ignore[attr-defined]
        try:
            if approve:
                result = self.queue.approve(group.head.id, workspace.library, content=content)
            else:
                self.queue.reject(group.head.id, reason)
                result = f"rejected {group.head.change.summary()}"
            for other in group.others:
                self.queue.reject(other.id, f"duplicate of {group.head.id} ({'approved' if approve else 'rejected'})"
                                  + (f": {reason}" if reason else ""))
        except HermesError as exc:
            self.app.notify(exc.message, severity="error")
            self.refresh_list()
            return exc.message
        self.selected.discard(group.head.id)
        self.app.notify(result)
        self.refresh_list()
        return None

    def decide_hermes(self, groups: list[HermesGroup], *, approve: bool, reason: str = "") -> None:
        """Approve (replay) or reject Hermes's staged writes, in a worker; the first error stops."""
        self._decide_hermes([g.id for g in groups], approve, reason)

    @work(thread=True, group="approvals-hermes-decide", exit_on_error=False, name="deciding Hermes's writes")
    def _decide_hermes(self, ids: list[str], approve: bool, reason: str) -> None:
        from hermes_tui.core.hermes import pending as hermes

        workspace = self.app.workspace  # type: ignore[attr-defined]
        done: list[str] = []
        said: list[str] = []
        error = None
        for item_id in ids:
            try:
                if approve:
                    said.append(f"Hermes write {item_id}: {hermes.approve(workspace.home, item_id, workspace.library)}")
                else:
                    kept = hermes.reject(workspace.home, item_id, reason)
                    said.append(f"rejected Hermes write {item_id} (a copy in {kept.relative_to(workspace.home.root)})")
            except (HermesError, OSError) as exc:
                error = one_line(exc)
                break
            done.append(item_id)
        self.app.call_from_thread(self._hermes_decided, done, said, error)

    def _hermes_decided(self, done: list[str], said: list[str], error: str | None) -> None:
        if not self.is_attached:
            return  # quitting
        for line in said:
            self.app.notify(line)
        if error:
            self.app.notify(error, severity="error")
        self.selected -= set(done)
        self.refresh_list()
        self.app.refresh_status()  # type: ignore[attr-defined]
        self.app._refresh_list("#memory")  # type: ignore[attr-defined]  # (MEMORY.md / USER.md entries)

    def action_bulk_approve(self) -> None:
        chosen = [g for g in self.groups if g.head.id in self.selected]
        if not chosen:
            self.app.notify("select changes with Space first", severity="warning")
            return
        unclean = [g for g in chosen if not is_clean(g.data) or g.data.get("problem")]
        if unclean:
            names = ", ".join(f"{g.title if isinstance(g, HermesGroup) else g.data.get('skill')} "
                              f"({'cannot apply' if g.data.get('problem') else (scan_of(g.data) or {}).get('verdict', 'not scanned')})"
                              for g in unclean)
            self.app.notify(f"bulk approve refused: only changes with a clean scan ({CLEAN}) may be approved "
                            f"together; not clean: {names}", severity="error", timeout=10)
            return
        body = "\n".join(f"• Hermes's {g.title} ({g.id})" if isinstance(g, HermesGroup) else
                         f"• {g.data.get('op')} {g.data.get('skill')} ({g.head.id})"
                         + (f" + {len(g.others)} similar, rejected as duplicates" if g.others else "") for g in chosen)

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            for group in chosen:
                if isinstance(group, Group) and self.decide(group, approve=True) is not None:
                    return
            staged = [g for g in chosen if isinstance(g, HermesGroup)]
            if staged:
                self.decide_hermes(staged, approve=True)

        self.app.push_screen(ConfirmScreen(f"Approve these {len(chosen)} changes?", body), confirmed)

    def action_decisions(self) -> None:
        decisions = sorted((d for ds in self.decided.values() for d in ds),
                           key=lambda d: -(d.get("decided_at") or d.get("created_at") or 0))
        self.app.push_screen(ConfirmScreen(f"{len(decisions)} decisions taken (y or n closes)",
                                           decisions_text(decisions, limit=200)))


# -- the detail's parts -------------------------------------------------------------------------
def evidence_text(evidence: dict[str, Any]) -> Text:
    """What a change was learned from: runs, their outcome and tool calls."""
    if not evidence:
        return Text("none recorded (not learned from episodes)", style="dim")
    episodes = evidence.get("episodes") or []
    ok = sum(1 for e in episodes if e.get("outcome") == "success")
    calls = [len(e.get("tool_calls") or []) for e in episodes]
    out = Text()
    out.append(f"{ok} successful run(s) of {len(episodes)}", style="bold")
    if calls:
        out.append(f"; tool calls per run, oldest first: {' → '.join(map(str, calls))}")
    for key in ("kind", "trigger", "distiller", "fallback_reason"):
        if evidence.get(key):
            out.append(f"\n{key}: {evidence[key]}", style="dim")
    for key in ("with", "without", "delta"):  # a rollback's measured effect
        if key in evidence:
            out.append(f"\n{key}: {evidence[key]}")
    return out


def scan_text(scan: dict[str, Any] | None) -> Text:
    if scan is None:
        return Text("not scanned (a change without a clean scan is never bulk-approved)", style="dim")
    verdict = str(scan.get("verdict", "?"))
    out = Text(verdict, style=VERDICT_STYLE.get(verdict, "bold"))
    for finding in scan.get("findings") or []:
        out.append(f"\n{finding.get('severity', '?')} {finding.get('category', '')} {finding.get('id', '')}"
                   f" {finding.get('file', '')}:{finding.get('line', '')}", style="bold")
        if finding.get("explanation"):
            out.append(f"\n  {finding['explanation']}")
        if finding.get("excerpt"):
            out.append(f"\n  {reveal_invisible(str(finding['excerpt']))[:200]}", style="dim")
    return out


def decisions_text(decisions: list[dict[str, Any]], limit: int = 10) -> Text:
    if not decisions:
        return Text("none yet", style="dim")
    out = Text()
    for d in decisions[:limit]:
        style = "green" if d.get("status") == "approved" else "red"
        out.append(f"{d.get('status')}", style=style)
        out.append(f" {d.get('op')} {d.get('skill')} by {d.get('decided_by', '?')} at {stamp(d.get('decided_at'))}"
                   + (" (edited first)" if d.get("edited") else ""))
        if d.get("note"):
            out.append(f": {reveal_invisible(str(d['note']))[:160]}", style="dim")
        out.append("\n")
    return out


class EditApproveScreen(ModalScreen[None]):
    """The proposed text in an editor: Ctrl+S approves it as edited (an error is shown
    here and nothing is lost); Esc leaves the change waiting."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Approve as edited", id="approvals.editor.save"),
        Binding("escape", "cancel", "Cancel", id="approvals.editor.cancel"),
    ]

    def __init__(self, title: str, text: str, save: Callable[[str], str | None]) -> None:
        super().__init__()
        self.title_text, self.text, self.save = title, text, save

    def compose(self) -> ComposeResult:
        with Vertical(classes="review-box"):
            yield Label(f"Edit, then approve: {self.title_text}", classes="review-title")
            yield TextArea(self.text, language="markdown", id="approve-text", show_line_numbers=True)
            yield Static("", id="approve-error")
            yield Static("[b]Ctrl+S[/b] approve as edited   [b]Esc[/b] cancel (the change keeps waiting)",
                         classes="review-keys")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()  # not the app's slash-command hints

    def action_save(self) -> None:
        error = self.save(self.query_one(TextArea).text)
        if error:
            self.query_one("#approve-error", Static).update(Text(error, style="bold red"))
            return
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
