"""The skill editor's parts (F5): tree labels and the filter, the info and effect panels,
the new-skill dialog, the conflict banner, the versions and record tables.

They hold no business logic: the tables and the banner hand their keys to the
:class:`~hermes_tui.ui.screens.skills.SkillsArea` they sit in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static

from hermes_tui.cli.common import plural
from hermes_tui.core.hermes.usage import hermes_pinned, hermes_stale, is_pinned
from hermes_tui.ui.screens.episodes import when as episode_time
from hermes_tui.ui.widgets.diff_view import DiffView

FILE_TABS = 8  # support files shown in tabs; the rest are listed
STATE_STYLE = {"active": "green", "pending": "yellow", "stale": "dark_orange", "archived": "grey50", "broken": "red"}
LANGUAGES = {
    ".md": "markdown", ".py": "python", ".sh": "bash", ".bash": "bash", ".json": "json", ".yaml": "yaml",
    ".yml": "yaml", ".toml": "toml", ".js": "javascript", ".html": "html", ".css": "css", ".sql": "sql",
    ".rs": "rust", ".go": "go", ".java": "java", ".xml": "xml",
}
KEYS = (
    "[b]Esc[/b] leaves the editor, then [b]e[/b] edit  [b]v[/b] versions  [b]p[/b] pin  [b]a[/b] archive  "
    "[b]/[/b] filter  [b]Enter[/b] opens  (Space marks two versions, d diffs, r restores)"
)


def when(ts: float | None) -> str:
    return episode_time(ts) or "never"


def language_for(name: str, available: Any) -> str | None:
    """The TextArea language of a file (None when its grammar is not installed)."""
    language = LANGUAGES.get(PurePosixPath(name).suffix.lower())
    return language if language in available else None


def badges(row: dict[str, Any]) -> Text:
    """A tree label: the name, a state badge (a dot when active), "pin" when pinned; Hermes's
    marks after an "H:" ("H:pin" pinned in Hermes, "H:stale" its curator found it unused)."""
    state = row.get("state") or "?"
    label = Text(row.get("name") or PurePosixPath(row["skill_id"]).name)
    label.append(" ")
    label.append("●" if state == "active" else state, style=STATE_STYLE.get(state, "magenta"))
    if row.get("pinned"):
        label.append(" pin", style="cyan")
    marks = [("pin", "cyan")] if hermes_pinned(row) else []
    marks += [("stale", STATE_STYLE["stale"])] if hermes_stale(row) else []
    if marks:
        label.append(" H:", style="dim")
        for index, (mark, style) in enumerate(marks):
            label.append(("," if index else "") + mark, style=style)
    return label


def matches(row: dict[str, Any], words: list[str]) -> bool:
    """The filter: plain words match the id and description; ``state:``, ``source:``; ``pinned``
    (here or in Hermes)."""""
    for word in words:
        key, _, value = word.lower().partition(":")
        if key in ("state", "source") and value:
            if not (row.get(key) or "").startswith(value):
                return False
        elif word.lower() == "pinned":
            if not is_pinned(row):
                return False
        elif word.lower() not in f"{row['skill_id']} {row.get('description') or ''}".lower():
            return False
    return True


def describe(row: dict[str, Any], versions: int) -> Text:
    """The info panel: state, source, usage; then Hermes's view of it (:func:`hermes_block`)."""
    text = Text()
    text.append(row["skill_id"] + "\n", style="bold")
    text.append(row.get("state") or "?", style=STATE_STYLE.get(row.get("state") or "", "magenta"))
    text.append(f" · source {row.get('source') or '?'}" + (" · pinned" if row.get("pinned") else "") + "\n")
    uses, ok, failed = row.get("uses") or 0, row.get("successes") or 0, row.get("failures") or 0
    text.append(f"{row.get('views') or 0} views · {uses} uses: {ok} ok, {failed} failed\n")
    text.append(f"last used {when(row.get('last_used'))} · {plural(versions, 'version')}")
    if row.get("error"):
        text.append("\n" + row["error"], style="red")
    if row.get("hermes"):
        text.append("\n")
        text.append_text(hermes_block(row["hermes"]))
    return text


def _date(value: Any) -> str:
    """The date of Hermes's ISO timestamp ("never" for none)."""
    return str(value)[:10] if value else "never"


def hermes_block(info: dict[str, Any]) -> Text:
    """Hermes's view of a skill (its ``skills/.usage.json`` record, its hub lock entry), in
    short lines for the side panel's width."""
    text = Text("Hermes", style="bold")
    usage = info.get("usage")
    if usage is not None:
        text.append(
            f": used {usage.get('use_count') or 0}×, viewed {usage.get('view_count') or 0}×\n"
            f"patched {usage.get('patch_count') or 0}×" + (f", by {usage['created_by']}" if usage.get("created_by") else "")
            + f"\nlast used {_date(usage.get('last_used_at'))}\n"
        )
    else:
        text.append(": ")
    state = info.get("state") or "active"
    text.append(state, style=STATE_STYLE.get(state, "magenta"))
    if info.get("pinned"):
        text.append(" · pinned", style="cyan")
    hub = info.get("hub")
    if hub is not None:
        verdict = hub.get("scan_verdict") or "?"
        text.append(f"\nhub {hub.get('identifier') or hub.get('source') or '?'}\ntrust {hub.get('trust_level') or '?'} · scan ")
        text.append(verdict, style={"safe": "green", "caution": "yellow", "dangerous": "bold red"}.get(verdict, ""))
    return text


def tree_nodes(node: Any) -> list[Any]:
    """Every node under ``node`` in the tree, depth first."""
    found = []
    for child in node.children:
        found += [child, *tree_nodes(child)]
    return found


@dataclass
class Buffer:
    """What the editor holds: whose text, and the file's text it was loaded from."""

    skill_id: str | None  # None: a new skill, not saved yet
    name: str
    category: str | None
    path: Path  # the SKILL.md (or where it will be): validation reads the folder name from it
    base: str  # the file's text when loaded or last reconciled ("" for a new skill)
    read_only: str = ""  # why it cannot be saved ("" when it can)
    on_saved: Callable[[str], Any] | None = None


class NewSkillDialog(ModalScreen[str | None]):
    """Ask for the new skill's name (``category/name`` or ``name``)."""

    DEFAULT_CSS = """
    NewSkillDialog { align: center middle; }
    #new-skill-box { width: 64; max-width: 95%; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    #new-skill-hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="skills.new.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="new-skill-box"):
            yield Label("New skill from the template")
            yield Input(placeholder="category/name, e.g. devops/rotate-logs", id="new-skill-name")
            yield Static("lowercase letters, digits and hyphens · Enter creates the buffer · Esc cancels", id="new-skill-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConflictBanner(Vertical):
    """The file changed on disk while the buffer has unsaved edits: show how, ask what to do."""

    can_focus = True
    BINDINGS = [
        Binding("k", "resolve('keep')", "Keep mine", id="skills.conflict.keep"),
        Binding("t", "resolve('take')", "Take disk", id="skills.conflict.take"),
        Binding("m", "resolve('merge')", "Merge by hand", id="skills.conflict.merge"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("", id="banner-message")
        yield DiffView(id="banner-diff")
        yield Static(
            "[b]k[/b] keep mine (the next save replaces the disk's)  [b]t[/b] take the disk's (Ctrl+Z brings mine back)  "
            "[b]m[/b] merge by hand",
            id="banner-keys",
        )

    def show(self, name: str, mine: str, disk: str) -> None:
        self.query_one("#banner-message", Static).update(
            Text(f"{name}: SKILL.md changed on disk while you have unsaved edits. Nothing was overwritten.", style="bold")
        )
        self.query_one(DiffView).show(mine, disk, "your edits", "on disk")
        self.add_class("shown")
        self.focus()

    def hide(self) -> None:
        self.remove_class("shown")

    @property
    def shown(self) -> bool:
        return self.has_class("shown")

    def action_resolve(self, choice: str) -> None:
        self.query_ancestor("SkillsArea").resolve(choice)  # type: ignore[attr-defined]


class VersionTable(DataTable):
    """The open skill's versions, newest first: Space marks two, d diffs, r restores."""

    BINDINGS = [
        Binding("space", "mark", "Mark", id="skills.versions.mark"),
        Binding("d", "diff", "Diff marked", id="skills.versions.diff"),
        Binding("r", "restore", "Restore", id="skills.versions.restore"),
    ]

    def action_mark(self) -> None:
        self.query_ancestor("SkillsArea").mark_version()  # type: ignore[attr-defined]

    def action_diff(self) -> None:
        self.query_ancestor("SkillsArea").diff_versions()  # type: ignore[attr-defined]

    def action_restore(self) -> None:
        self.query_ancestor("SkillsArea").restore_version()  # type: ignore[attr-defined]


class RecordTable(DataTable):
    """The episodes that loaded the open skill and those it was learned from: Enter opens one."""

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from hermes_tui.ui.screens.episodes import EpisodeScreen

        event.stop()
        episode_id = str(event.row_key.value).partition("|")[2]
        episode = self.app.workspace.store.get_episode(episode_id)  # type: ignore[attr-defined]
        if episode is None:
            self.app.notify("that episode is no longer in the store", severity="warning")
        else:
            self.app.push_screen(EpisodeScreen(episode))


def effect_text(effect: dict[str, Any]) -> Text:
    """The measured effect: runs with the skill against similar runs without it."""
    with_, without, delta = effect["with"], effect["without"], effect.get("delta")
    text = Text()
    if delta is None:
        text.append(
            f"Effect not measured yet: {with_['episodes']} runs with it, {without['episodes']} similar runs without "
            "(both are needed).",
            style="dim",
        )
    else:
        for label, side in (("with it", with_), ("without", without)):
            text.append(f"{label}: ", style="bold")
            text.append(
                f"{side['episodes']} runs, {side['success_rate']:.0%} success, {side['tool_calls']:.1f} tool calls, "
                f"{side['tokens']:,.0f} tokens\n"
            )
        calls = delta["tool_calls"]
        text.append(
            f"{'−' if calls < 0 else '+'}{abs(calls):.1f} tool calls per run, {delta['success_rate']:+.0%} success",
            style="green" if calls <= 0 and delta["success_rate"] >= 0 else "red",
        )
    regression = effect.get("regression")
    if regression:
        text.append(
            f"\nversion {regression['version']} did better ({regression['previous_success_rate']:.0%} vs "
            f"{regression['current_success_rate']:.0%} success): restore it from Versions",
            style="bold red",
        )
    return text
