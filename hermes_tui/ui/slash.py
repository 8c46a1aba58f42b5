"""Slash commands typed in the prompt (``/new``, ``/model``, ...), completed with Tab.

Each command is a method of :class:`SlashCommands` named ``cmd_<name>``; its
docstring's first line is its help. They call the core through the app's
workspace and report in the conversation. ``/skill-name`` (a skill's name) is not
a command: the message goes to the agent, which loads that skill.
"""

from __future__ import annotations

import json
import time
from functools import partial
from typing import TYPE_CHECKING, Awaitable, Callable

from hermes_tui.errors import HermesError

if TYPE_CHECKING:
    from hermes_tui.ui.app import WorkbenchApp

LIST_LIMIT = 12


class SlashCommands:
    def __init__(self, app: "WorkbenchApp") -> None:
        self.app = app

    @property
    def names(self) -> list[str]:
        return sorted("/" + name[4:].replace("_", "-") for name in dir(self) if name.startswith("cmd_"))

    def help_lines(self) -> list[str]:
        return [f"{name:<10} {self._handler(name).__doc__.splitlines()[0]}" for name in self.names]  # type: ignore[union-attr]

    def _handler(self, name: str) -> Callable[[str], Awaitable[None]] | None:
        return getattr(self, "cmd_" + name.lstrip("/").replace("-", "_"), None)

    def completions(self) -> list[str]:
        """Commands, then the active skills as ``/skill-name``."""
        skills = ["/" + row["name"] for row in self.app.workspace.library.active()]
        return self.names + sorted(set(skills) - set(self.names))

    async def run(self, text: str) -> bool:
        """Run ``text`` if it is a command; False when it is not one (send it to the agent)."""
        word, _, rest = text.partition(" ")
        handler = self._handler(word)
        if handler is None:
            return False
        try:
            await handler(rest.strip())
        except HermesError as exc:
            await self.say(f"{word}: {exc.message}", "error")
        return True

    async def say(self, text: str, kind: str = "info") -> None:
        await self.app.conversation.add_notice(text, kind)

    # -- the commands -------------------------------------------------------------------
    async def cmd_help(self, arg: str) -> None:
        """This list; F1 shows the keys of the focused area."""
        await self.say("\n".join(["Slash commands (Tab completes):", *self.help_lines(), "/skill-name  load that skill into the message"]))

    async def cmd_new(self, arg: str) -> None:
        """Start a new session."""
        self.app.new_session()
        await self.say("new session")

    async def cmd_resume(self, arg: str) -> None:
        """Resume a past session: /resume ID (without ID: the recent ones)."""
        if not arg:
            rows = self.app.workspace.store.list_sessions(limit=LIST_LIMIT)
            lines = [f"{r['session_id']}  {r['episodes']} msg  {r['task'][:50]}" for r in rows]
            await self.say("\n".join(["Recent sessions (/resume ID):", *lines]) if lines else "no sessions yet")
            return
        await self.app.resume_session(arg)

    async def cmd_model(self, arg: str) -> None:
        """Set and save the model: /model provider/name (without a name: the providers)."""
        if not arg:
            from hermes_tui.core.agent.llm import import_litellm

            providers = sorted(str(getattr(p, "value", p)) for p in import_litellm().provider_list)
            await self.say(
                f"model: {self.app.model_name or 'none'}. Providers litellm knows: {', '.join(providers)}.\n"
                "Set one with /model provider/name (e.g. /model openai/gpt-4o-mini); the key goes in the "
                "provider's variable (OPENAI_API_KEY, ANTHROPIC_API_KEY, ...)."
            )
            return
        self.app.set_model(arg, save=True)
        await self.say(f"model set to {arg} (saved in {self.app.workspace.home.config_path})")

    async def cmd_skills(self, arg: str) -> None:
        """List the active skills."""
        rows = self.app.workspace.library.active()
        lines = [f"/{r['name']:<24} {r['description'][:60]}" for r in rows]
        await self.say("\n".join([f"{len(rows)} active skills:", *lines]) if rows else "no active skills")

    async def cmd_search(self, arg: str) -> None:
        """Search skills, episodes, events and notes: /search QUERY."""
        from textual.worker import WorkerFailed

        from hermes_tui.core.store.search import search

        if not arg:
            raise HermesError("what should I search for? /search QUERY")
        worker = self.app.run_worker(
            partial(search, self.app.workspace.store, arg, limit=LIST_LIMIT),
            thread=True, group="search", exclusive=True, exit_on_error=False, name="search",
        )
        try:
            hits = await worker.wait()
        except WorkerFailed:
            return  # the app's worker handler shows the error
        lines = [f"{h.kind:<7} {h.title[:40]:<40} {' '.join(h.snippet.split())[:60]}" for h in hits]
        await self.say("\n".join([f"{len(hits)} hits for {arg!r}:", *lines]) if hits else f"nothing found for {arg!r}")

    async def cmd_learn(self, arg: str) -> None:
        """Turn self-learning on or off: /learn on|off."""
        if arg not in ("on", "off"):
            raise HermesError("use /learn on or /learn off")
        self.app.save_setting(lambda config: setattr(config.learning, "enabled", arg == "on"))
        await self.say(f"learning {arg}")

    async def cmd_approve(self, arg: str) -> None:
        """Approve a pending skill change: /approve ID (without ID: the queue)."""
        ws = self.app.workspace
        if not arg:
            items = ws.pending.list()
            lines = [f"{i.id}  {i.change.summary()}" for i in items]
            await self.say("\n".join(["Pending (/approve ID):", *lines]) if items else "nothing is pending")
            return
        result = ws.pending.approve(arg, ws.library)
        await self.say(f"approved {arg}: {result}")

    async def cmd_rate(self, arg: str) -> None:
        """Rate the last answer: /rate good|bad|1-5 [note]."""
        from hermes_tui.core.feedback.ratings import parse_rating
        from hermes_tui.ui.feedback import rate_with_note

        value, _, note = arg.partition(" ")
        if not value:
            raise HermesError("how was it? /rate good|bad|1-5 [note]")
        parse_rating(value)
        session = self.app.session
        if session is None or not session.episodes:
            raise HermesError("nothing to rate yet: this session has no answers")
        rate_with_note(self.app, session.episodes[-1], value, note=note.strip() or "")

    async def cmd_correct(self, arg: str) -> None:
        """Correct the last answer: /correct TEXT (what it should have said; e edits it in place)."""
        from hermes_tui.core.feedback.ratings import correct

        session = self.app.session
        if session is None or not session.episodes:
            raise HermesError("nothing to correct yet: this session has no answers")
        if not arg:
            raise HermesError("what should it have said? /correct TEXT")
        correct(self.app.workspace.store, session.episodes[-1], arg)
        await self.say("correction kept (the original is kept as the rejected answer)")

    async def cmd_export(self, arg: str) -> None:
        """Export this session's episodes with their events as JSON (to workbench/exports/)."""
        session = self.app.session
        if session is None or not session.episodes:
            raise HermesError("this session has no episodes yet")
        store = self.app.workspace.store
        data = {"session_id": session.id, "episodes": [store.get_episode(e) for e in session.episodes]}
        folder = self.app.workspace.home.workbench_dir / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{session.id}-{time.strftime('%H%M%S')}.json"
        from hermes_tui.core.fsutil import atomic_write

        atomic_write(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        await self.say(f"exported {len(session.episodes)} episodes to {path}")
