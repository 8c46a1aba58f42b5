"""The workbench: a keyboard-driven Textual app over the core's workspace.

``make_app(workspace, model=None)`` builds it (the ``hermes-tui`` command, the demo
and every UI test use it). The agent runs in a thread worker; its events arrive as
the bridge (:mod:`hermes_tui.ui.messages`) and are routed to the widgets,
which hold no business logic.
"""

from __future__ import annotations

import gc
import logging
import threading
from typing import Any, Callable

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.lazy import Lazy
from textual.widgets import ContentSwitcher, Footer, Static
from textual.worker import Worker, WorkerState

from hermes_tui.core.agent.events import (
    ApprovalRequested,
    ApprovalResolved,
    EpisodeFinished,
    EpisodeStarted,
    ErrorEvent,
    LibraryChanged,
    PendingChanged,
    ReasoningDelta,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnFinished,
)
from hermes_tui.core.workspace import Workspace
from hermes_tui.errors import HermesError, one_line
from hermes_tui.core.agent.events import Event
from hermes_tui.ui.messages import CoreEvents, EventBridge, HermesMirrored, HermesNote, HermesPendingChanged, OpenToolCall
from hermes_tui.ui.widgets.conversation import Conversation, PromptArea
from hermes_tui.ui.widgets.status import Status, StatusLine
from hermes_tui.ui.widgets.trace import TraceTable

log = logging.getLogger("hermes_tui.ui")
NARROW = 100  # columns: below this the trace goes under the conversation
AREAS = {"work": "Conversation", "episodes": "Episodes", "memory": "Memory", "skills": "Skills", "approvals": "Approvals"}
WELCOME = "Type a message: Enter sends, Shift+Enter or Ctrl+J adds a line. /help lists the commands; F3 the episodes; Ctrl+P every action."
NO_MODEL = (
    "No model is set. Type /model provider/name (e.g. /model openai/gpt-4o-mini), or set [model] name in "
    "{config}, with the provider's key in its variable (OPENAI_API_KEY, ...). "
    "To look around without a key: hermes-tui demo"
)


class WorkbenchApp(App[int]):
    TITLE = "hermes-tui"
    # Every screen's styles, read once at start: a screen's own CSS_PATH would restyle
    # every widget of the app the first time that screen opens (a third of a second).
    CSS_PATH = ["app.tcss", "screens/episodes.tcss", "screens/approval.tcss", "screens/call_detail.tcss",
                "screens/skills.tcss", "screens/memory.tcss", "screens/approvals.tcss"]
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("f1", "toggle_help", "Help", priority=True, id="app.help"),
        Binding("f2", "area('work')", "Chat", priority=True, id="app.area.work"),
        Binding("f3", "area('episodes')", "Episodes", priority=True, id="app.area.episodes"),
        Binding("f4", "area('memory')", "Memory", show=False, priority=True, id="app.area.memory"),
        Binding("f5", "area('skills')", "Skills", show=False, priority=True, id="app.area.skills"),
        Binding("f6", "area('approvals')", "Approvals", show=False, priority=True, id="app.area.approvals"),
        Binding("ctrl+t", "toggle_trace", "Trace", priority=True, id="app.trace"),
        Binding("ctrl+o", "focus_trace", "Focus trace", show=False, id="app.focus_trace"),
        Binding("escape", "interrupt", "Interrupt", id="app.interrupt"),
    ]

    def __init__(
        self,
        workspace: Workspace,
        *,
        model: str | None = None,
        client: Any = None,
        cwd: str | None = None,
        sandbox: str = "",
        warm_up: bool = True,
        background: Callable[[], None] | None = None,
        watch_hermes: bool = False,
    ) -> None:
        super().__init__()
        from hermes_tui.ui.commands import PROVIDERS
        from hermes_tui.ui.slash import SlashCommands

        self.COMMANDS = App.COMMANDS | PROVIDERS
        self.workspace = workspace
        self.requested_model = model
        self.client = client
        self.cwd = cwd
        self.sandbox = sandbox
        self.warm_up = warm_up
        self.background = background  # run in a thread after the first frame (the demo records its runs)
        self.watch_hermes = watch_hermes  # follow a Hermes home's state.db and staged writes (when it has a state.db)
        self.hermes_watcher: Any = None
        self.agent: Any = None
        self._agent_tried = False
        self.session: Any = None
        self.slash = SlashCommands(self)
        self.setup_error = ""
        self._cancel: threading.Event | None = None
        self._approvals: dict[str, str] = {}  # request id -> call id
        self._unsubscribe: Callable[[], None] | None = None
        self._bridge: EventBridge | None = None
        self._status_line: StatusLine | None = None
        from hermes_tui.ui.themes import apply_user_settings

        self.settings_warnings = apply_user_settings(self, workspace)
        if workspace.config_warnings:  # the CLI says these on stderr; here once, as a notice and in the log
            self.settings_warnings.insert(0, f"{'; '.join(workspace.config_warnings)} (using the defaults)")

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        from hermes_tui.ui.screens.approvals import ApprovalsArea
        from hermes_tui.ui.screens.episodes import EpisodesArea
        from hermes_tui.ui.screens.memory import MemoryArea
        from hermes_tui.ui.screens.skills import SkillsArea

        with ContentSwitcher(initial="work", id="areas"):
            with Horizontal(id="work"):
                with Vertical(id="chat"):
                    yield Conversation(id="conversation")
                    yield Static("", id="completions")
                    yield PromptArea(id="prompt")
                yield TraceTable(id="trace")
            # The other areas are mounted after the first frame.
            yield Lazy(EpisodesArea(id="episodes"))
            yield Lazy(MemoryArea(id="memory"))
            yield Lazy(SkillsArea(id="skills"))
            yield Lazy(ApprovalsArea(id="approvals"))
        yield StatusLine(id="status")
        yield Footer()

    @property
    def conversation(self) -> Conversation:
        return self.query_one("#conversation", Conversation)

    @property
    def trace(self) -> TraceTable:
        return self.query_one("#trace", TraceTable)

    @property
    def prompt(self) -> PromptArea:
        return self.query_one("#prompt", PromptArea)

    @property
    def model_name(self) -> str:
        return self.agent.model if self.agent is not None else ""

    async def on_mount(self) -> None:
        self._status_line = self.query_one("#status", StatusLine)
        for warning in self.settings_warnings:
            log.warning("%s", warning)
            self.notify(warning, severity="warning", timeout=8)
        self._bridge = EventBridge(self)
        self._unsubscribe = self.workspace.events.subscribe(self._bridge)
        self._narrow(self.size.width)
        self.prompt.focus()
        if self.client is None and not (self.requested_model or self.workspace.config.model.name):
            self.setup_error = NO_MODEL.format(config=self.workspace.home.config_path)
            await self.conversation.add_notice(self.setup_error, "hint")
        else:
            await self.conversation.add_notice(WELCOME)
        self.refresh_status()
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        self.call_after_refresh(self._start)  # behind the areas mounted after the first frame

    async def _start(self) -> None:
        """What the first frame does not wait for: the agent (the loop, the tools, the
        library), the slash completions, the warm-up, the background work."""
        if self.closing:
            return  # quit at once
        await self._ensure_agent()
        self.prompt.completions = self.slash.completions()
        self.call_after_refresh(gc.freeze)  # see _warm_up
        if self.warm_up:
            self.call_after_refresh(self._warm_up)
        if self.background is not None:
            self.call_after_refresh(self._run_background)
        if self.watch_hermes:
            self._start_hermes_watcher()

    async def _ensure_agent(self) -> None:
        """Build the agent once (after the first frame, or at once when a message needs it);
        a failure the first notice did not foresee is said then."""
        if self._agent_tried:
            return
        foreseen = self.setup_error
        self._build_agent()
        if self.closing:
            return
        if self.agent is None and self.setup_error != foreseen:
            await self.conversation.add_notice(self.setup_error, "hint")
        self.refresh_status()

    async def action_quit(self) -> None:
        if any(area.holds_unsaved_edits() for area in self.query("#skills")):  # type: ignore[attr-defined]
            return  # said once; a second Ctrl+Q quits
        self.action_interrupt()  # the running episode ends as interrupted
        await super().action_quit()

    def on_unmount(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
        self._stop_hermes_watcher()
        if self._bridge is not None:
            self._bridge.close()
        if self._unsubscribe is not None:
            self._unsubscribe()

    def on_resize(self, event: Any) -> None:
        self._narrow(event.size.width)

    def _narrow(self, width: int) -> None:
        self.set_class(width < NARROW, "narrow")

    # -- the agent and the session ------------------------------------------------------------
    def _build_agent(self) -> None:
        from hermes_tui.errors import ModelNotConfigured

        self._agent_tried = True

        try:
            self.agent = self.workspace.make_agent(model=self.requested_model, client=self.client, cwd=self.cwd)
        except ModelNotConfigured:
            self.agent = None
            self.setup_error = NO_MODEL.format(config=self.workspace.home.config_path)
            return
        except HermesError as exc:
            self.agent = None
            self.setup_error = exc.message
            return
        previous = self.session
        self.session = self.workspace.new_session(self.agent)
        if previous is not None:  # a new model continues the same conversation
            self.session.id, self.session.messages, self.session.episodes = previous.id, previous.messages, previous.episodes

    def set_model(self, name: str, *, save: bool) -> None:
        if save:
            self.save_setting(lambda config: setattr(config.model, "name", name))
        self.requested_model, self.client = name, None
        self._build_agent()
        if self.agent is None:
            raise HermesError(self.setup_error)
        self.refresh_status()

    def save_setting(self, change: Callable[[Any], None]) -> None:
        """Change a setting in config.toml (the file's values, not the environment's) and here."""
        from hermes_tui.core.config import Config

        on_disk = Config.load(self.workspace.home, env={})
        change(on_disk)
        on_disk.save(self.workspace.home)
        change(self.workspace.config)
        self.refresh_status()

    def new_session(self) -> None:
        self.action_interrupt()
        if self.agent is not None:
            self.session = self.workspace.new_session(self.agent)
        self.conversation.remove_children()
        self.trace.clear_calls()
        self.refresh_status()

    async def resume_session(self, session_id: str) -> None:
        await self._ensure_agent()
        if self.agent is None:
            raise HermesError(self.setup_error)
        session = self.workspace.resume_session(self.agent, session_id)
        self.new_session()
        self.session = session
        from hermes_tui.ui.screens.episodes import replay

        for episode_id in session.episodes:
            episode = self.workspace.store.get_episode(episode_id)
            if episode is not None:
                await replay(episode, self.conversation, self.trace)
        self.trace.move_cursor(row=self.trace.row_count - 1)  # follow the new calls
        await self.conversation.add_notice(f"resumed session {session_id} ({len(session.episodes)} messages)")
        self.refresh_status()

    @on(PromptArea.Submitted)
    async def _submitted(self, message: PromptArea.Submitted) -> None:
        await self._ensure_agent()  # the commands (/model, /resume ...) act on it
        text = message.text
        if text.startswith("/") and await self.slash.run(text):
            self.prompt.completions = self.slash.completions()
            return
        await self.send(text)

    async def send(self, text: str) -> None:
        await self._ensure_agent()
        if self.agent is None or self.session is None:
            await self.conversation.add_notice(self.setup_error, "error")
            return
        if self._cancel is not None:
            await self.conversation.add_notice("the agent is still working (Esc interrupts it)", "error")
            return
        await self.conversation.add_user(text)
        self._cancel = threading.Event()
        self.refresh_status()
        self.run_agent(text, self._cancel)

    @work(thread=True, exclusive=True, exit_on_error=False, group="agent", name="agent")
    def run_agent(self, text: str, cancel: threading.Event) -> EpisodeFinished:
        return self.session.send(text, cancel=cancel)

    def action_interrupt(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Worker errors go to a dialog; the agent worker's end frees the prompt."""
        worker = event.worker
        if worker.group == "agent" and event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self._cancel = None
            self.refresh_status()
        if event.state == WorkerState.ERROR and not self.closing:
            from hermes_tui.ui.screens.dialogs import ErrorDialog

            self.push_screen(ErrorDialog(f"{worker.name or worker.group} failed: {one_line(worker.error)}"))

    def _warm_up(self) -> None:
        """Import litellm (and the tokenizer) in the background, so the first message does not wait.

        A daemon thread, not a worker: quitting must not wait seconds for an import.
        Then the objects made so far are frozen out of the garbage collector's full
        passes (``gc.freeze``): with litellm loaded a full pass took 60-150 ms, a
        visible stall; frozen, it only walks what the session made since.
        """

        def load() -> None:
            from hermes_tui.core.agent.llm import wait_for_litellm
            from hermes_tui.core.agent.tokens import count_tokens

            try:
                if self.client is None:
                    # The core's tracked import: an exit while it runs ends the process
                    # at once instead of deadlocking the teardown on its import lock.
                    wait_for_litellm()
                count_tokens("warm up")
                self.call_from_thread(gc.freeze)
            except Exception as exc:  # the first message reports a real failure; the app may be gone
                log.warning("warm-up: %s", exc)

        threading.Thread(target=load, name="warm-up", daemon=True).start()

    @work(thread=True, exit_on_error=False, group="background", name="preparing the workspace")
    def _run_background(self) -> None:
        assert self.background is not None
        self.background()
        self.call_from_thread(self._refresh_areas)

    def _refresh_areas(self) -> None:
        if self.closing:
            return
        for area in ("#episodes", "#memory", "#skills", "#approvals"):
            self._refresh_list(area)
        self.prompt.completions = self.slash.completions()
        self.refresh_status()

    def _refresh_list(self, area: str) -> None:
        """Re-read an area's rows once it is mounted (the areas come after the first frame;
        one still mounting reads them when its mount ends)."""
        for widget in self.query(area):
            if widget.is_mounted:
                widget.refresh_list()  # type: ignore[attr-defined]

    def on_text_area_changed(self, event: Any) -> None:
        """Offer the slash commands that match what is typed."""
        prompt = event.text_area
        hints = self.query("#completions")
        if not isinstance(prompt, PromptArea) or not hints:
            return
        matches = prompt.matches()
        hint = hints.first(Static)
        hint.update("  ".join(matches[:12]) + ("  (Tab completes)" if matches else ""))
        hint.set_class(bool(matches), "shown")

    # -- Hermes Agent's home -------------------------------------------------------------------
    def _start_hermes_watcher(self) -> None:
        """Mirror a Hermes home's state.db (the watcher's first look, on its thread: the first
        frame never waits for it), then follow it and Hermes's staged writes while the app is up."""
        from hermes_tui.core.hermes.watch import HermesWatcher

        if self.hermes_watcher is not None or not (self.workspace.home.root / "state.db").is_file():
            return  # not a Hermes home (the demo's, a test's): nothing to follow

        def post(message: Any) -> None:  # on the watcher's thread; post_message is thread-safe
            try:
                self.post_message(message)
            except RuntimeError:  # the app's loop is gone (quitting)
                pass

        self.hermes_watcher = HermesWatcher(
            self.workspace.home,
            on_change=lambda _report: post(HermesMirrored()),
            on_note=lambda text: post(HermesNote(text)),
            on_pending=lambda: post(HermesPendingChanged()),
        ).start()

    def _stop_hermes_watcher(self) -> None:
        watcher, self.hermes_watcher = self.hermes_watcher, None
        if watcher is not None:
            watcher.stop(timeout=1.0)  # a look under way finishes on its (daemon) thread

    def on_hermes_mirrored(self, _message: HermesMirrored) -> None:
        if self.closing:
            return
        self._refresh_list("#episodes")
        for area in self.query("#memory"):
            if area.is_mounted:
                area.sessions_changed()  # type: ignore[attr-defined]

    def on_hermes_pending_changed(self, _message: HermesPendingChanged) -> None:
        if self.closing:
            return
        self._refresh_list("#approvals")
        self.refresh_status()

    def on_hermes_note(self, message: HermesNote) -> None:
        log.warning("%s", message.text)
        if not self.closing:
            self.notify(message.text, severity="warning", timeout=8)

    # -- events from the core ------------------------------------------------------------------
    async def on_core_events(self, message: CoreEvents) -> None:
        if self.closing:
            message.bridge.close()
            return  # quitting: the agent is being cancelled
        with self.trace.bulk():  # one trace redraw per slice of events
            await message.bridge.drain(self.route)

    async def route(self, event: Event) -> None:
        """Show one core event in the widgets."""
        conversation = self.conversation
        if isinstance(event, TextDelta):
            await conversation.add_text(event.text)
        elif isinstance(event, ReasoningDelta):
            await conversation.add_reasoning(event.text)
        elif isinstance(event, TurnFinished):
            if event.tool_calls:
                await conversation.finish_answer()
        elif isinstance(event, ToolCallStarted):
            self.trace.on_started(event)
        elif isinstance(event, ToolCallFinished):
            self.trace.on_finished(event)
        elif isinstance(event, ApprovalRequested):
            self._ask_approval(event)
        elif isinstance(event, ApprovalResolved):
            self.trace.on_approval(event, self._approvals.pop(event.request_id, ""))
            self._close_approval(event.request_id)
        elif isinstance(event, ErrorEvent) and not event.fatal:
            await conversation.add_notice(event.message, "error")
        elif isinstance(event, EpisodeFinished):
            await self._finished(event)
        elif isinstance(event, (PendingChanged, LibraryChanged)):
            self.prompt.completions = self.slash.completions()
            self._refresh_list("#skills" if isinstance(event, LibraryChanged) else "#approvals")
            if isinstance(event, PendingChanged):
                self._refresh_list("#skills")  # the skills tree shows pending creates
            self.refresh_status()
        elif isinstance(event, EpisodeStarted):
            self.refresh_status()

    async def _finished(self, event: EpisodeFinished) -> None:
        conversation = self.conversation
        if event.outcome == "success":
            await conversation.finish_answer(event.answer)
        else:
            await conversation.finish_answer()
            kind = "interrupted" if event.outcome == "interrupted" else "error"
            await conversation.add_notice(f"{event.outcome}: {event.reason}" if event.reason else event.outcome, kind)
        self.refresh_status()
        self._refresh_list("#episodes")

    def _ask_approval(self, event: ApprovalRequested) -> None:
        from hermes_tui.ui.screens.approval import ApprovalScreen

        self._approvals[event.request_id] = event.call_id
        self.trace.on_approval(event)
        broker = self.agent.approvals if self.agent is not None else None

        def answer(decision: str | None) -> None:
            if broker is not None and decision:
                broker.answer(event.request_id, decision)

        self.push_screen(ApprovalScreen(event), answer)

    def _close_approval(self, request_id: str) -> None:
        """The request was answered or timed out: close its modal if it is still open."""
        from hermes_tui.ui.screens.approval import ApprovalScreen

        for screen in self.screen_stack:
            if isinstance(screen, ApprovalScreen) and screen.request.request_id == request_id:
                if screen is self.screen:
                    screen.dismiss(None)

    @on(OpenToolCall)
    def _open_call(self, message: OpenToolCall) -> None:
        from hermes_tui.ui.screens.call_detail import CallDetailScreen

        row = message.row
        stored = self.workspace.store.tool_call(row.episode_id, row.call_id)
        result = stored["result"] if stored and stored.get("result") is not None else row.result
        self.push_screen(
            CallDetailScreen(
                name=row.name,
                arguments=row.arguments,
                result=result,
                status=row.status,
                duration_ms=row.duration_ms,
                exit_code=row.exit_code,
                error=row.error,
            )
        )

    # -- status and areas ---------------------------------------------------------------------
    @property
    def closing(self) -> bool:
        """True once the main screen's widgets are gone (quitting); late messages are dropped."""
        status = self._status_line
        return status is None or not status.is_attached  # not a query: it would walk every widget

    def refresh_status(self) -> None:
        from hermes_tui.core.hermes import pending as hermes_pending

        line = self._status_line
        if line is None or self.closing:
            return
        session = self.session
        config = self.workspace.config
        line.status = Status(
            model=self.model_name,
            tokens=session.tokens if session is not None else 0,
            cost=session.cost if session is not None else None,
            learning=config.learning.enabled,
            pending=self.workspace.pending.count() + hermes_pending.count(self.workspace.home),
            sandbox=self.sandbox,
            busy=self._cancel is not None,
        )

    @property
    def current_area(self) -> str:
        """The id of the area shown ("work", "episodes", ...)."""
        return str(self.query_one("#areas", ContentSwitcher).current)

    def action_area(self, area: str) -> None:
        self.query_one("#areas", ContentSwitcher).current = area
        if area == "work":
            self.prompt.focus()
        else:
            self.query_one(f"#{area}").focus_main()  # type: ignore[attr-defined]

    def open_skill_editor(
        self, skill: str, text: str | None = None, on_saved: Callable[[str], Any] | None = None
    ) -> bool:
        """Show the skill editor (F5) on ``skill`` (a name or skill_id; an unknown
        ``[category/]name`` opens a new skill). ``text`` (e.g. a proposed SKILL.md) is put
        in the buffer as unsaved edits, shown against the file. With ``on_saved``, Ctrl+S
        calls ``on_saved(text)`` on the UI thread instead of saving (the approvals queue
        approves the pending change through the gate with that text); a ``HermesError`` it
        raises is shown and the buffer kept. False when the editor holds unsaved edits
        of another skill (the person is told to save or revert them first)."""
        self.action_area("skills")
        return self.query_one("#skills").open_skill(skill, text=text, on_saved=on_saved)  # type: ignore[attr-defined]

    def action_toggle_trace(self) -> None:
        self.toggle_class("trace-hidden")

    def action_focus_trace(self) -> None:
        self.trace.focus()

    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()


def make_app(workspace: Workspace, model: str | None = None, **options: Any) -> WorkbenchApp:
    """The one app factory (``hermes-tui``, ``hermes-tui demo``, the tests)."""
    return WorkbenchApp(workspace, model=model, **options)


def sandbox_label(workspace: Workspace) -> str:
    """The status line's word on the terminal's sandbox ("" when commands run unconfined)."""
    from hermes_tui.core.sandbox import sandbox_for
    from hermes_tui.errors import HermesError

    try:
        status = sandbox_for(workspace.config, workspace.home).status
    except HermesError:  # a broken config.toml: the first message reports it
        return ""
    if not status["active"]:
        return ""
    mode = "" if status["mode"] == "workspace-write" else f" ({status['mode']})"
    return f"sandboxed{mode}" + ("" if status["network"] else ", net off")


def run_app(home: str | None = None) -> int:
    # The files are synced right after the first frame (hand edits since the last run).
    with Workspace.open(home, sync=False, strict_config=False) as workspace:
        workspace.log_to_file()
        # (the Hermes watcher's first look mirrors state.db: the sync does not do it as well)
        app = make_app(workspace, background=lambda: workspace.sync(hermes=False), sandbox=sandbox_label(workspace),
                       watch_hermes=True)
        app.run()
    return app.return_code or 0
