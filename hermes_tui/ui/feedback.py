"""Feedback in the workbench: rating keys (+ / - / 1-5) with a note prompt, a correction
editor (e), and the palette's exports of training data (run in a worker, announced when done).

The keys live on the conversation (the latest episode of the session), the episode
list (the highlighted episode) and the episode view (that episode); they all call
:func:`rate_with_note`, which stores the rating through ``core.feedback`` and then
asks for an optional note (Enter keeps it, Esc skips it). ``e`` opens the answer in an
editor; Ctrl+S keeps the edited text as the correction (original and correction are a
rejected/chosen pair), Esc leaves it.
"""

from __future__ import annotations

import time
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, TextArea

from hermes_tui.errors import HermesError

# (key, value, description); the + and - keys show in the footer and help.
RATING_KEYS = (
    ("plus", "good", "Rate good"),
    ("minus", "bad", "Rate bad"),
    *((str(n), str(n), f"Rate {n}/5") for n in range(1, 6)),
)


def rating_bindings(prefix: str) -> list[Binding]:
    """The rating keys and the correction key as bindings with ids ``PREFIX.rate_VALUE``
    and ``PREFIX.correct`` (rebindable in [keys])."""
    return [
        *(Binding(key, f"rate('{value}')", label, show=value in ("good", "bad"), id=f"{prefix}.rate_{value}")
          for key, value, label in RATING_KEYS),
        Binding("e", "correct", "Correct the answer", show=False, id=f"{prefix}.correct"),
    ]


class NoteDialog(ModalScreen["str | None"]):
    """One line: a note for the rating just given."""

    DEFAULT_CSS = """
    NoteDialog { align: center middle; }
    #note-box { width: 70; max-width: 95%; height: auto; border: thick $accent; background: $surface; padding: 1 2; }
    """
    BINDINGS = [Binding("escape", "skip", "Skip", id="note.skip")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Label(self.title_text, id="note-title")
            yield Input(placeholder="a note (optional): Enter keeps it, Esc skips", id="note-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_skip(self) -> None:
        self.dismiss(None)


class CorrectionDialog(ModalScreen["str | None"]):
    """The answer in an editor: what it should have said."""

    DEFAULT_CSS = """
    CorrectionDialog { align: center middle; }
    #correct-box { width: 90%; height: 70%; border: thick $accent; background: $surface; padding: 0 1; }
    #correct-text { height: 1fr; }
    """
    BINDINGS = [
        Binding("ctrl+s", "keep", "Keep the correction", id="correct.keep"),
        Binding("escape", "leave", "Leave", id="correct.leave"),
    ]

    def __init__(self, original: str, what: str = "the answer") -> None:
        super().__init__()
        self.original = original
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="correct-box"):
            yield Label(f"Correct {self.what}: Ctrl+S keeps it, Esc leaves it", id="correct-title")
            yield TextArea(self.original, soft_wrap=True, id="correct-text")

    def action_keep(self) -> None:
        text = self.query_one(TextArea).text
        self.dismiss(text if text.strip() and text.strip() != self.original.strip() else None)

    def action_leave(self) -> None:
        self.dismiss(None)


def correct_in_editor(app: Any, episode_id: str | None, *, call_id: str | None = None) -> None:
    """Open ``episode_id``'s answer (or, with ``call_id``, that tool call: a step marked wrong)
    in a :class:`CorrectionDialog`; keep what it returns as the chosen side of a correction."""
    from hermes_tui.core.feedback.ratings import correct

    episode = app.workspace.store.get_episode(episode_id) if episode_id else None
    if episode is None:
        app.notify("nothing to correct yet: no episode", severity="warning")
        return
    original, what, seq = episode.get("answer") or "", "the answer", None
    if call_id is not None:
        call = next((e for e in episode["events"] if e["type"] == "tool_call" and e["data"].get("call_id") == call_id),
                    None)
        if call is None:
            app.notify("this call is not in the recorded episode", severity="warning")
            return
        seq, what = call["seq"], f"this {call.get('tool_name') or 'tool'} call (what it should have done)"
        original = f"{call.get('tool_name') or ''} {call.get('arguments') or ''}".strip()

    def keep(text: str | None) -> None:
        if text is None:
            return
        try:
            correct(app.workspace.store, episode["id"], text, event_seq=seq)
        except HermesError as exc:
            app.notify(exc.message, severity="error")
            return
        kept = "the call is marked wrong" if seq is not None else "correction kept"
        app.notify(f"{kept} (the original is kept as the rejected side)", timeout=3)

    app.push_screen(CorrectionDialog(original, what), keep)


def rate_with_note(app: Any, episode_id: str | None, value: str, *, note: str | None = None) -> None:
    """Rate ``episode_id`` (None: say there is nothing to rate); without ``note``, ask for one."""
    from hermes_tui.core.feedback.ratings import rate

    if not episode_id:
        app.notify("nothing to rate yet: no episode", severity="warning")
        return
    store = app.workspace.store
    try:
        stored = rate(store, episode_id, value, note=note)
    except HermesError as exc:
        app.notify(exc.message, severity="error")
        return
    app.notify(f"rated {stored['value']} ({stored['rating']}/5)" + (f": {note}" if note else ""), timeout=3)
    for area in app.query("#episodes"):  # the list's rating column
        area.refresh_list()
    if note is None:
        def keep(text: str | None) -> None:
            if text:
                rate(store, episode_id, value, note=text)
                app.notify("note kept", timeout=2)

        app.push_screen(NoteDialog(f"Rated {stored['value']}: why? (optional)"), keep)


def export_in_worker(app: Any, fmt: str) -> None:
    """Export every episode in ``fmt`` to workbench/exports/ in a thread; a notification says where."""
    folder = app.workspace.home.workbench_dir / "exports"
    path = folder / f"{fmt}-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    store_path, config = app.workspace.store.path, app.workspace.config

    def run() -> None:
        from hermes_tui.core.feedback.export import ExportOptions, default_tools, export_file
        from hermes_tui.core.store.db import Store

        folder.mkdir(parents=True, exist_ok=True)
        with Store.open(store_path) as store:  # one store per thread
            report = export_file(store, ExportOptions(format=fmt), default_tools(config), path)
        skipped = sum(report.skipped.values())
        app.call_from_thread(
            app.notify, f"exported {report.written} {fmt} lines to {path}" + (f" ({skipped} skipped)" if skipped else ""),
            timeout=8,
        )

    app.notify(f"exporting {fmt} training data…", timeout=2)
    app.run_worker(run, thread=True, group="export", exit_on_error=False, name=f"export {fmt}")
