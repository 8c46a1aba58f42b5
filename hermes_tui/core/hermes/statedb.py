"""Reading Hermes Agent's state.db without ever writing to it or beside it.

Hermes keeps its sessions in ``HOME/state.db`` (SQLite, WAL mode, written by live
Hermes processes). A plain ``mode=ro`` connection is not harmless on a WAL database:
SQLite creates the ``-wal`` and ``-shm`` files when they are missing and writes
read marks into ``-shm`` when they exist. So (checked by the tests, byte for byte):

* a WAL database whose ``-wal`` and ``-shm`` exist (a Hermes process has it open)
  is opened with ``mode=ro&readonly_shm=1``: the shared memory is opened read-only
  and SQLite reads the WAL without writing anything (its "unreliable shm" path);
* a WAL database without them (no Hermes process) is opened ``immutable=1``: the
  main file holds everything; the read is checked afterwards (no ``-wal`` appeared,
  the file did not change) and repeated otherwise (a ``-wal`` left without its
  ``-shm``, after a crash, is not read: what it holds shows once Hermes checkpoints);
* a rollback-journal database (Hermes falls back to it where WAL cannot work) is
  opened ``mode=ro`` (no shared memory involved).

Every read is one read transaction (a consistent snapshot); a busy or changing
database is retried a few times with a short pause, never waited on for long, so
a Hermes writer is never blocked. A missing, locked or corrupt file raises
:class:`StateDbProblem` with one line for the user.
"""

from __future__ import annotations

import os
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import apsw

from hermes_tui.core.fsutil import os_error_reason
from hermes_tui.errors import HermesError

STATE_DB = "state.db"
KNOWN_VERSIONS = range(25, 31)  # the state.db schema versions this reader was written against
HEADER = b"SQLite format 3\x00"
ATTEMPTS = 6
PAUSE = 0.05  # seconds between attempts (doubling)
BUSY_MS = 100  # a read waits at most this long for a lock before trying again

T = TypeVar("T")


class StateDbProblem(HermesError):
    """state.db cannot be read (missing, locked, corrupt): one line for the user."""


class _Changed(Exception):
    """The file changed under an immutable read: read again."""


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _head(path: Path, start: int, size: int) -> bytes:
    try:
        with open(path, "rb") as f:
            f.seek(start)
            return f.read(size)
    except OSError:
        return b""


def file_stamp(path: Path) -> str:
    """What changes when a Hermes process commits: state.db's and its -wal's inode, size and mtime,
    the database's change counter (header bytes 24-27) and the WAL index header (the first 48
    bytes of -shm: its change counter and last frame). Timestamps alone are too coarse (a few
    ms) and a restarted WAL keeps its size, so a commit could leave them as they were."""
    return repr((_stat(path), _stat(_sidecar(path, "-wal")), _head(path, 24, 4), _head(_sidecar(path, "-shm"), 0, 48)))


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _journal_mode(path: Path) -> str:
    """"wal" or "rollback" from the file header (bytes 18-19), without opening it with SQLite."""
    try:
        with open(path, "rb") as f:
            header = f.read(100)
    except FileNotFoundError:
        raise StateDbProblem(f"no {path.name} in {path.parent}") from None
    except OSError as exc:
        raise StateDbProblem(f"cannot read {path}: {os_error_reason(exc)}") from exc
    if len(header) == 0:
        raise StateDbProblem(f"{path} is empty (a Hermes process may be creating it)")
    if len(header) < 100 or not header.startswith(HEADER):
        raise StateDbProblem(f"{path} is not an SQLite database (corrupt?); Hermes sessions are not shown")
    return "wal" if header[18] == 2 and header[19] == 2 else "rollback"


def _uri(path: Path) -> tuple[str, bool]:
    """The URI to open ``path`` read-only without touching anything, and whether it is immutable."""
    base = "file:" + urllib.parse.quote(str(path.resolve()))
    if _journal_mode(path) == "rollback":
        return base + "?mode=ro", False
    if _sidecar(path, "-wal").exists() and _sidecar(path, "-shm").exists():
        return base + "?mode=ro&readonly_shm=1", False
    return base + "?immutable=1", True


@contextmanager
def _connection(path: Path) -> Iterator[apsw.Connection]:
    before, had_wal = file_stamp(path), _sidecar(path, "-wal").exists()
    uri, immutable = _uri(path)
    changed = lambda: file_stamp(path) != before or (not had_wal and _sidecar(path, "-wal").exists())  # noqa: E731
    conn = apsw.Connection(uri, flags=apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI)
    try:
        conn.set_busy_timeout(BUSY_MS)
        conn.execute("BEGIN")
        yield conn
        conn.execute("COMMIT")
    except (apsw.CorruptError, apsw.NotADBError):
        # An immutable read trusts the file not to change; a Hermes process that opened it
        # meanwhile and checkpointed can show it half-written: that is a change, not damage.
        if immutable and changed():
            raise _Changed() from None
        raise
    finally:
        conn.close()
    if immutable and changed():
        raise _Changed()


def read(path: Path, fn: Callable[[apsw.Connection], T]) -> T:
    """``fn(conn)`` on a read-only snapshot of the state.db at ``path``, retried while busy or changing."""
    pause = PAUSE
    last: BaseException | None = None
    for attempt in range(ATTEMPTS):
        try:
            with _connection(path) as conn:
                return fn(conn)
        except (_Changed, apsw.BusyError, apsw.LockedError, apsw.IOError, apsw.CantOpenError) as exc:
            last = exc
        except StateDbProblem:
            raise
        except (apsw.CorruptError, apsw.NotADBError) as exc:
            raise StateDbProblem(f"{path} is corrupt ({exc}); Hermes sessions are not shown") from exc
        except apsw.SQLError as exc:
            raise StateDbProblem(f"{path} is not a Hermes state.db ({exc}); its sessions are not shown") from exc
        except apsw.Error as exc:
            last = exc
        if attempt < ATTEMPTS - 1:
            time.sleep(pause)
            pause *= 2
    if isinstance(last, _Changed):
        raise StateDbProblem(f"{path} kept changing while it was read; Hermes sessions are shown at the next look")
    what = "locked by another process" if isinstance(last, (apsw.BusyError, apsw.LockedError)) else str(last)
    raise StateDbProblem(f"cannot read {path}: {what}; Hermes sessions are shown at the next look")


def columns(conn: apsw.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def schema_version(conn: apsw.Connection) -> int | None:
    try:
        rows = conn.execute("SELECT version FROM schema_version LIMIT 1").fetchall()
    except apsw.SQLError:
        return None
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def version_note(version: int | None) -> str | None:
    """A one-line note when state.db's schema is one this reader does not know (read anyway)."""
    if version is None:
        return "state.db has no schema version; reading it as Hermes Agent's current layout"
    if version not in KNOWN_VERSIONS:
        newer = "newer" if version > KNOWN_VERSIONS[-1] else "older"
        return (
            f"state.db has schema version {version} ({newer} than the {KNOWN_VERSIONS[0]}-{KNOWN_VERSIONS[-1]} "
            "hermes-tui knows); unknown columns are ignored"
        )
    return None


def select(conn: apsw.Connection, table: str, wanted: tuple[str, ...], present: set[str], tail: str = "",
           bindings: Any = ()) -> Iterator[dict[str, Any]]:
    """Rows of ``table`` as dicts of ``wanted`` columns; a column the file lacks reads as None."""
    have = [c for c in wanted if c in present]
    sql = f"SELECT {', '.join(have)} FROM {table} {tail}"
    for row in conn.execute(sql, bindings):
        out = dict.fromkeys(wanted)
        out.update(zip(have, row))
        yield out
