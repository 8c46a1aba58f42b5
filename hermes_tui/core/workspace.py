"""The core's face for a front end: one open home and everything in it.

A :class:`Workspace` holds the home, its config (read when first needed), the
store, the skill library, the memory files, the pending queue and the one event
stream, and builds agents and sessions on them. The command line, the workbench
and the tests all open the home through it.

Library and pending-queue changes are emitted on :attr:`Workspace.events`
(``LibraryChanged``, ``PendingChanged``), as are the agents' events, so a UI
subscribes once and never polls. The recorder is attached with the first agent.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hermes_tui.core.agent.events import EventStream
from hermes_tui.core.guard.redact import RedactingFormatter
from hermes_tui.core.home import Home
from hermes_tui.errors import one_line

if TYPE_CHECKING:
    from hermes_tui.core.memory import MemoryFiles
    from hermes_tui.core.skills.library import SkillLibrary
    from hermes_tui.core.agent.llm import ModelClient
    from hermes_tui.core.agent.loop import Agent
    from hermes_tui.core.agent.tools.base import ToolRegistry
    from hermes_tui.core.config import Config
    from hermes_tui.core.hermes.mirror import MirrorReport
    from hermes_tui.core.session import Session

LOG_NAME = "hermes.log"


class Workspace:
    """``Workspace(home)`` opens ``home`` (a created :class:`Home`); close it when done.

    With ``sync`` the library and the memory entries are synced from their files on
    open (cheap when nothing changed), so every user sees hand edits even when no
    watcher runs; the bundled skills are installed then (see :meth:`sync`).
    """

    def __init__(self, home: Home, *, sync: bool = True, config: "Config | None" = None, strict_config: bool = True) -> None:
        from hermes_tui.core.gate import PendingQueue
        from hermes_tui.core.store.db import Store

        self.home = home
        self.events = EventStream()
        self._config = config
        self._strict_config = strict_config
        self.config_warnings: list[str] = []  # what was wrong in config.toml (not strict: defaults stood in)
        self.store = Store.open(home.db_path)
        self.pending = PendingQueue(home, on_change=self.events.emit)
        self._library: "SkillLibrary | None" = None
        self._memory: "MemoryFiles | None" = None
        self._recording = False
        self.hermes_notes: list[str] = []
        if sync:
            self.sync()

    # The library and the memory files are made when first used: the workbench draws its
    # first frame before it needs them (and their modules: YAML, the redactor).
    @property
    def library(self) -> "SkillLibrary":
        if self._library is None:
            from hermes_tui.core.skills.library import SkillLibrary

            self._library = SkillLibrary(self.home, self.store, on_change=self.events.emit)
        return self._library

    @property
    def memory(self) -> "MemoryFiles":
        if self._memory is None:
            from hermes_tui.core.memory import MemoryFiles

            self._memory = MemoryFiles(self.home)
        return self._memory

    def sync(self, *, hermes: bool = True) -> None:
        """Bring the store in line with the skill files and the memory files; install or
        update the bundled skills (through the library's write path); mirror Hermes's
        sessions unless ``hermes`` is False (the workbench's watcher does that itself)."""
        from hermes_tui.core.memory import sync_memory_notes
        from hermes_tui.core.skills.bundled import install_bundled_skills

        install_bundled_skills(self.library)
        self.library.sync()
        sync_memory_notes(self.home, self.store)
        if hermes:
            self.mirror_hermes()

    def mirror_hermes(self) -> "MirrorReport":
        """Mirror the sessions of Hermes Agent's state.db in this home (read-only; cheap when
        nothing changed). Problems with state.db are one-line notes in the report (and in
        :attr:`hermes_notes`), never errors."""
        from hermes_tui.core.hermes.mirror import HermesMirror

        report = HermesMirror(self.home, self.store).look()
        self.hermes_notes = report.notes
        return report

    @classmethod
    def open(cls, home: str | os.PathLike[str] | Home | None = None, **kwargs: Any) -> "Workspace":
        """Resolve (``--home``, ``$HERMES_HOME``, ``~/.hermes``), create and open a home."""
        resolved = home if isinstance(home, Home) else Home.resolve(home)
        return cls(resolved.ensure(), **kwargs)

    @property
    def config(self) -> "Config":
        """config.toml with its environment overrides, read once. Invalid: HermesError, or
        (``strict_config=False``) the defaults stand in and :attr:`config_warnings` says why."""
        if self._config is None:
            from hermes_tui.core.config import Config

            self._config = Config.load(self.home, problems=None if self._strict_config else self.config_warnings)
        return self._config

    # -- agents and sessions ------------------------------------------------------------
    def make_agent(
        self,
        *,
        model: str | None = None,
        client: "ModelClient | None" = None,
        tools: "ToolRegistry | None" = None,
        approval_policy: str | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> "Agent":
        """An agent on this workspace's store, library, memory and events; its episodes are recorded.

        Raises ModelNotConfigured when no model is set (and no ``client`` is given).
        """
        from hermes_tui.core.agent.loop import Agent
        from hermes_tui.core.agent.tools.registry import build_default_registry

        config = self.config
        if model:
            config.model.name = model
        agent = Agent(
            self.home,
            config,
            events=self.events,
            tools=tools or build_default_registry(config),
            store=self.store,
            library=self.library,
            approval_policy=approval_policy,
            memory=self.memory,
            cwd=cwd,
            client=client,
        )
        self.record()
        return agent

    def record(self) -> None:
        """Record every episode on the event stream in the store (once)."""
        if not self._recording:
            from hermes_tui.core.agent.recorder import Recorder

            Recorder(self.store).attach(self.events)
            self._recording = True

    def new_session(self, agent: "Agent") -> "Session":
        from hermes_tui.core.session import Session

        return Session(agent, learn=self.learn)

    def resume_session(self, agent: "Agent", session_id: str) -> "Session":
        from hermes_tui.core.session import Session

        return Session.resume(agent, self.store, session_id, learn=self.learn)

    def learn(self, episode_id: str, config: "Config | None" = None) -> None:
        """The learning loop on a finished, recorded episode; its events (``candidate_created``,
        ``skill_patch_proposed``) go on :attr:`events`. A failure is a non-fatal error event:
        the episode's outcome stands. The caller checks that learning is on."""
        from hermes_tui.core.agent.events import ErrorEvent
        from hermes_tui.core.learning import learner_for

        try:
            outcome = learner_for(self.home, self.store, self.library, config or self.config).consider(episode_id)
        except Exception as exc:  # noqa: BLE001 - learning never changes the episode's result
            self.events.emit(ErrorEvent(episode_id=episode_id, message=f"learning failed: {one_line(exc)}"))
            return
        for event in outcome.events:
            self.events.emit(event)

    # -- housekeeping ---------------------------------------------------------------------
    def log_to_file(self) -> Path:
        """Send the program's log (warnings and up) to workbench/hermes.log; returns its path."""
        path = self.home.workbench_dir / LOG_NAME
        logger = logging.getLogger("hermes_tui")
        if not any(getattr(h, "baseFilename", None) == str(path) for h in logger.handlers):
            handler = logging.FileHandler(path, encoding="utf-8", delay=True)
            handler.setLevel(logging.WARNING)
            handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            logger.addHandler(handler)
        return path

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
