"""The home: one folder that holds everything the program keeps.

Resolution order: the ``--home DIR`` option, else ``$HERMES_HOME``, else ``~/.hermes``
(an empty ``--home`` or ``$HERMES_HOME`` is refused, never taken to mean the default)
(Hermes Agent's home: the skill folder format is shared, so one library serves both).

    config.toml                           workbench settings
    skills/[category/]NAME/SKILL.md       the live skill library
    memories/MEMORY.md, memories/USER.md  persistent notes and the user profile
    workbench/workbench.db                SQLite (apsw)
    workbench/pending/                    changes waiting for approval
    workbench/archive/                    retired skills (never deleted)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hermes_tui.core.fsutil import describe_os_error
from hermes_tui.errors import HermesError, UsageError

ENV_HOME = "HERMES_HOME"


@dataclass(frozen=True)
class Home:
    root: Path

    # -- resolution -------------------------------------------------------------------
    @classmethod
    def resolve(cls, explicit: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> "Home":
        env = os.environ if env is None else env
        if explicit is not None:
            raw = str(explicit)
            if not raw.strip():
                raise UsageError("--home is empty: give a folder")
        elif ENV_HOME in env:
            raw = env[ENV_HOME]
            if not raw.strip():
                raise HermesError(f"${ENV_HOME} is set but empty: give a folder, or unset it to use ~/.hermes")
        else:
            raw = "~/.hermes"
        return cls(Path(os.path.expanduser(raw)).absolute())

    # -- layout -----------------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    @property
    def skills_dir(self) -> Path:
        return self.root / "skills"

    @property
    def memories_dir(self) -> Path:
        return self.root / "memories"

    @property
    def memory_file(self) -> Path:
        return self.memories_dir / "MEMORY.md"

    @property
    def user_file(self) -> Path:
        return self.memories_dir / "USER.md"

    @property
    def workbench_dir(self) -> Path:
        return self.root / "workbench"

    @property
    def db_path(self) -> Path:
        return self.workbench_dir / "workbench.db"

    @property
    def pending_dir(self) -> Path:
        return self.workbench_dir / "pending"

    @property
    def archive_dir(self) -> Path:
        return self.workbench_dir / "archive"

    @property
    def bundled_manifest(self) -> Path:
        """Hashes of the bundled skills as installed (to tell user edits apart)."""
        return self.workbench_dir / "bundled.json"

    # -- creation ---------------------------------------------------------------------
    def ensure(self) -> "Home":
        """Create the home's folders (idempotent). The bundled skills are installed by the
        :class:`~hermes_tui.core.workspace.Workspace` when it syncs the library."""
        if self.root.exists() and not self.root.is_dir():
            raise HermesError(f"home {self.root} exists and is not a folder")
        try:
            for folder in (self.skills_dir, self.memories_dir, self.pending_dir, self.archive_dir):
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HermesError(f"cannot create home {self.root}: {describe_os_error(exc)}") from exc
        return self


def package_data_dir(name: str) -> Path | None:
    """Find a data folder shipped with the program (``skills`` or ``themes``).

    A wheel carries them as ``hermes_tui/_bundled/NAME``; an editable install
    finds them at the top of the repository.
    """
    here = Path(__file__).resolve().parent.parent  # hermes_tui/
    for candidate in (here / "_bundled" / name, here.parent / name):
        if candidate.is_dir():
            return candidate
    return None
