"""The store: one SQLite file (apsw) holding skills, episodes, events and notes.

``Store.open(path)`` creates or upgrades the database (see :mod:`.schema` for the
migration steps) and refuses one written by a newer hermes-tui. Every failure a user
can meet (not a database, newer schema, full disk, locked for too long) is a
:class:`~hermes_tui.errors.StoreError` with a one-line message.

Threads: a :class:`Store` wraps one apsw connection and serialises every call with a
re-entrant lock (a ``transaction()`` block holds it until the block ends), so sharing
one Store between threads is safe but serial. The intended pattern is one Store per
thread (``Store.open`` in the agent's worker thread for the recorder, another in the
UI thread): the database is in WAL mode, so readers never block the writer and the
writer never blocks readers. Every transaction starts with ``BEGIN IMMEDIATE``: it
takes the write lock first, so a second writer (another thread or process) waits its
turn up to the busy timeout (5 s) instead of failing at once when it upgrades a read.

Read-only homes: ``Store.open(path, readonly=None)`` opens the file read-only when it
(or its folder) is not writable, so commands that only read work on a shared or
mounted library; a write then raises :class:`ReadOnlyStoreError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import apsw

from hermes_tui.core.fsutil import os_error_reason
from hermes_tui.core.store.schema import (
    ALL_FTS_TABLES,
    EVENTS_BULK_INDEX_SQL,
    MIGRATIONS,
    NOTE_HEADS_FILL_SQL,
    NOTES_BULK_INDEX_SQL,
    SCHEMA_VERSION,
    WORD_FTS_TABLES,
    trigram_fill_sql,
)
from hermes_tui.errors import StoreError

BUSY_TIMEOUT_MS = 5000
PROGRESS_STEPS = 2000  # SQLite virtual-machine steps between two checks of a time limit
_EVENT_COLUMNS = "episode_id, seq, ts, type, tool_name, arguments, result, data, duration_ms"
_EVENT_INSERT = f"INSERT INTO events({_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
_EVENT_REQUIRED = ("episode_id", "seq", "ts", "type", "data")

_NOTE_COLUMNS = "kind, title, text, created_at, source, content_hash"
# Staged notes (alias s) that are new: the first of their hash, and not in the store.
_NEW_NOTES_ONLY = (
    "WHERE s.rowid IN (SELECT min(rowid) FROM temp.bulk_notes GROUP BY content_hash)"
    " AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.content_hash = s.content_hash)"
)

_SURROGATE = re.compile("[\ud800-\udfff]")
_SKILL_JSON_FIELDS = ("provenance", "warnings")
_EPISODE_JSON_FIELDS = ("skills_shown", "skills_loaded")


def clean_text(value: Any) -> Any:
    """Make a ``str`` storable: lone surrogates (not valid UTF-8) become U+FFFD.

    Anything that is not a ``str`` is returned unchanged.
    """
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return _SURROGATE.sub("\ufffd", value)
    return value


def note_hash(kind: str | None, title: str | None, text: str) -> str:
    """The content hash of a note: sha256 of its kind, title and text."""
    digest = hashlib.sha256()
    for part in (kind or "note", title or "", text):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(b"%d:" % len(data))
        digest.update(data)
    return digest.hexdigest()


# One encoder for every row: json.dumps(..., default=str) builds a new one per call.
_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def _json(value: Any) -> str:
    return clean_text(_JSON.encode(value))


# An event's text is usually both its ``result`` column (indexed) and a field of its ``data``
# (``text`` of a turn, ``result`` of a tool result). Stored once: ``data`` then names the field
# under this key, and reading puts the column's value back (rows stored before have no such key).
_AS_RESULT = "@result"
_ONCE_MIN = 48  # characters: a shorter text is cheaper to keep twice


def _decode_data(event: dict[str, Any]) -> dict[str, Any]:
    """An event row with its ``data`` decoded (and its text put back where it was)."""
    data = json.loads(event["data"] or "{}")
    key = data.pop(_AS_RESULT, None)
    if key is not None:
        data[key] = event["result"]
    event["data"] = data
    return event


def _describe(exc: apsw.Error, path: Path | str) -> str:
    if isinstance(exc, apsw.NotADBError):
        return f"{path} is not a hermes-tui database (the file is not an SQLite database); move it aside"
    if isinstance(exc, apsw.CorruptError):
        return f"{path} is damaged (database disk image is malformed)"
    if isinstance(exc, apsw.FullError):
        return f"cannot write {path}: no space left on device (database or disk is full)"
    if isinstance(exc, apsw.BusyError):
        return f"{path} is busy: another process kept it locked for more than {BUSY_TIMEOUT_MS // 1000} s; try again"
    if isinstance(exc, apsw.ReadOnlyError):
        return f"cannot record changes: {path} is read-only"
    if isinstance(exc, apsw.CantOpenError):
        return f"cannot open {path}"
    if isinstance(exc, apsw.IOError):
        return f"input/output error on {path}"
    return f"database error on {path}: {exc}"


class ReadOnlyStoreError(StoreError):
    """A write to a store opened read-only (or to a read-only file)."""


def _error(exc: apsw.Error, path: Path | str) -> StoreError:
    """The one-line StoreError for an apsw error."""
    cls = ReadOnlyStoreError if isinstance(exc, apsw.ReadOnlyError) else StoreError
    return cls(_describe(exc, path))


def _writable(path: Path) -> bool:
    """Whether the database can be written: the file, and its folder (for the -wal and
    -shm files). ``os.access`` also answers False on a read-only mount, even for root."""
    folder_ok = os.access(path.parent, os.W_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


def _connect_readonly(path: Path) -> apsw.Connection:
    """A read-only connection. A WAL database in a folder nobody may write to has no
    -shm file to share: SQLite can then read it only as "immutable" (no other writer)."""
    uri = "file:" + urllib.parse.quote(str(path))
    flags = apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI
    conn = apsw.Connection(uri + "?mode=ro", flags=flags)
    try:
        conn.execute("PRAGMA user_version").fetchall()
    except (apsw.CantOpenError, apsw.ReadOnlyError):  # (a read-only mount; permission bits)
        conn.close()
        conn = apsw.Connection(uri + "?immutable=1", flags=flags)
    return conn


class QueryInterrupted(StoreError):
    """A statement was stopped by :meth:`Store.time_limit` (time up or cancelled)."""


class Store:
    """Typed access to the workbench database. Create with :meth:`open`."""

    def __init__(self, conn: apsw.Connection, path: Path, *, readonly: bool = False):
        self._conn = conn
        self.path = path
        self.readonly = readonly
        self._lock = threading.RLock()
        # Caches used by the search module, valid while ``data_version`` is unchanged.
        self.search_cache: dict[Any, Any] = {}

    # -- opening ----------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str, *, readonly: bool | None = None, _migrate_to: int | None = None) -> "Store":
        """Open (creating or upgrading) the database at ``path``.

        ``readonly``: open the file read-only (reads work, writes raise
        :class:`ReadOnlyStoreError`); ``None`` (the default) chooses read-only when the
        file or its folder is not writable. A read-only store is never created or upgraded.
        ``_migrate_to`` stops the upgrade at an older schema version (tests only).
        """
        path = Path(path)
        if readonly is None:
            readonly = path.is_file() and not _writable(path)
        if not readonly:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create {path.parent}: {os_error_reason(exc)}") from exc
        if path.exists() and not path.is_file():
            raise StoreError(f"{path} is not a file")
        if readonly and not path.exists():
            raise StoreError(f"cannot open {path}: there is no database and the home is read-only")
        try:
            conn = _connect_readonly(path) if readonly else apsw.Connection(str(path))
        except apsw.Error as exc:
            raise _error(exc, path) from exc
        store = cls(conn, path, readonly=readonly)
        try:
            conn.set_busy_timeout(BUSY_TIMEOUT_MS)
            store._check_version()  # before anything writes to the file
            if not readonly:
                conn.execute("PRAGMA journal_mode=WAL")
            for pragma in (
                "PRAGMA synchronous=NORMAL",
                "PRAGMA foreign_keys=ON",
                "PRAGMA cache_size=-32000",
                "PRAGMA temp_store=MEMORY",
                "PRAGMA mmap_size=268435456",
            ):
                conn.execute(pragma)
            store._migrate(SCHEMA_VERSION if _migrate_to is None else _migrate_to)
        except StoreError:
            conn.close()
            raise
        except apsw.Error as exc:
            conn.close()
            raise _error(exc, path) from exc
        return store

    def _check_version(self) -> int:
        version = int(self._conn.execute("PRAGMA user_version").fetchall()[0][0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"workbench.db was written by a newer hermes-tui (schema {version}, this version "
                f"knows {SCHEMA_VERSION}); upgrade hermes-tui"
            )
        return version

    def _migrate(self, target: int) -> None:
        current = self._check_version()
        if current >= target:
            return
        if self.readonly:
            raise ReadOnlyStoreError(
                f"{self.path} needs an upgrade (schema {current} to {target}) but it is read-only"
            )
        with self._write():  # one transaction: all steps or none
            version = self._check_version()
            for step in range(version, target):
                self._conn.execute(MIGRATIONS[step])
                self._conn.execute(f"PRAGMA user_version={step + 1}")

    @property
    def schema_version(self) -> int:
        return self._one("PRAGMA user_version")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- low level --------------------------------------------------------------------
    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Hold the lock and turn apsw errors into one-line StoreErrors."""
        with self._lock:
            try:
                yield
            except apsw.Error as exc:
                raise _error(exc, self.path) from exc

    @contextmanager
    def _write(self) -> Iterator[None]:
        """A transaction. The outermost one starts with BEGIN IMMEDIATE: it takes the write
        lock first, so the busy timeout applies (a deferred BEGIN whose first write comes
        after another connection's commit fails at once); inner ones are savepoints."""
        if self.readonly or not self._conn.get_autocommit():
            with self._conn:
                yield
            return
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            with self._conn:
                yield
            self._conn.execute("COMMIT")
        except BaseException:
            if not self._conn.get_autocommit():
                self._conn.execute("ROLLBACK")
            raise

    @contextmanager
    def transaction(self) -> Iterator["Store"]:
        """``with store.transaction(): ...``: all or nothing; nested blocks are savepoints."""
        with self._guard(), self._write():
            yield self

    def execute(self, sql: str, bindings: Sequence[Any] | dict[str, Any] | None = None) -> list[tuple]:
        """Run one SQL statement and return all rows (for the search module and tests)."""
        with self._lock:  # the body of _guard, inlined: this is the search's hot path
            try:
                return self._conn.execute(sql, bindings).fetchall()
            except apsw.InterruptError:
                raise QueryInterrupted("the query was stopped (time limit or cancelled)") from None
            except apsw.Error as exc:
                raise _error(exc, self.path) from exc

    @contextmanager
    def time_limit(self, seconds: float | None, cancel: Any = None) -> Iterator[None]:
        """Stop any statement of this block run after ``seconds`` or once ``cancel``
        (a ``threading.Event``) is set: it raises :class:`QueryInterrupted`.

        SQLite's progress handler checks every :data:`PROGRESS_STEPS` steps, so a
        Ctrl+C (``KeyboardInterrupt``) also stops a statement at once. Holds the
        lock for the block; blocks do not nest.
        """
        deadline = None if seconds is None else time.monotonic() + seconds
        monotonic = time.monotonic

        def stop() -> bool:
            return (deadline is not None and monotonic() > deadline) or (cancel is not None and cancel.is_set())

        with self._lock:
            self._conn.set_progress_handler(stop, PROGRESS_STEPS)
            try:
                yield
            finally:
                self._conn.set_progress_handler(None)

    def _rows(self, sql: str, bindings: Sequence[Any] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self._guard():
            cursor = self._conn.execute(sql, bindings)
            try:
                names = [d[0] for d in cursor.get_description()]
            except apsw.ExecutionCompleteError:
                return []
            return [dict(zip(names, row)) for row in cursor]

    def _one(self, sql: str, bindings: Sequence[Any] | None = None) -> Any:
        rows = self.execute(sql, bindings)
        return rows[0][0] if rows else None

    def data_version(self) -> tuple[int, int]:
        """Changes by other connections and by this one: a key for read caches."""
        with self._guard():
            return (self._conn.data_version(), self._conn.total_changes())

    # -- episodes and events ----------------------------------------------------------
    def create_episode(
        self,
        *,
        id: str,
        task: str,
        model: str | None,
        cwd: str | None,
        started_at: float,
        session_id: str | None = None,
    ) -> None:
        columns, values = "id, task, model, cwd, started_at", [id, clean_text(task or ""), model, clean_text(cwd), started_at]
        if session_id:  # (only then: a store opened at an older schema in tests has no such column)
            columns, values = columns + ", session_id", [*values, session_id]
        with self._guard():
            self._conn.execute(
                f"INSERT INTO episodes({columns}) VALUES ({', '.join('?' * len(values))})", values
            )

    @staticmethod
    def _event_values(
        episode_id: str,
        seq: int,
        ts: float,
        type: str,
        data: dict[str, Any] | None,
        tool_name: str | None = None,
        arguments: Any = None,
        result: str | None = None,
        duration_ms: float | None = None,
    ) -> tuple[Any, ...]:
        """One event as the bindings of :data:`_EVENT_INSERT` (non-text arguments as JSON)."""
        if arguments is not None and not isinstance(arguments, str):
            arguments = _json(arguments)
        if data and result and len(result) > _ONCE_MIN:  # the text is kept once: in the result column
            key = "result" if data.get("result") == result else "text" if data.get("text") == result else None
            if key is not None:
                data = {k: v for k, v in data.items() if k != key}
                data[_AS_RESULT] = key
        return (
            episode_id,
            seq,
            ts,
            type,
            tool_name,
            clean_text(arguments),
            clean_text(result),
            _json(data or {}),
            duration_ms,
        )

    def add_event(
        self,
        *,
        episode_id: str,
        seq: int,
        ts: float,
        type: str,
        data: dict[str, Any] | None,
        tool_name: str | None = None,
        arguments: str | None = None,
        result: str | None = None,
        duration_ms: float | None = None,
    ) -> int:
        """Record one event; returns its id. ``arguments``/``result`` are kept whole."""
        values = self._event_values(episode_id, seq, ts, type, data, tool_name, arguments, result, duration_ms)
        with self._guard():
            self._conn.execute(_EVENT_INSERT, values)
            return self._conn.last_insert_rowid()

    def add_events(self, rows: Iterable[dict[str, Any]]) -> int:
        """Bulk-insert events in one transaction; returns how many were added.

        The bulk twin of :meth:`add_event` (same keys: ``episode_id``, ``seq``, ``ts``,
        ``type``, ``data``, and optionally ``tool_name``, ``arguments``, ``result``,
        ``duration_ms``), indexed with the deferred technique of :meth:`add_notes`.
        All or nothing: a row missing a required key, or naming an episode that does
        not exist, raises StoreError and nothing is added.
        """
        return self._bulk_insert("events", _EVENT_COLUMNS, self._event_bindings(rows), EVENTS_BULK_INDEX_SQL)

    @classmethod
    def _event_bindings(cls, rows: Iterable[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
        for count, row in enumerate(rows):
            try:
                yield cls._event_values(**row)
            except TypeError:
                missing = [k for k in _EVENT_REQUIRED if k not in row]
                what = f"has no {missing[0]}" if missing else f"has an unknown key ({', '.join(sorted(row))})"
                raise StoreError(f"event {count + 1} {what}") from None

    def finish_episode(
        self,
        *,
        id: str,
        outcome: str | None,
        reason: str | None,
        answer: str | None,
        steps: int | None,
        prompt_tokens: int | None,
        completion_tokens: int | None,
        cost: float | None,
        skills_shown: Iterable[str] = (),
        skills_loaded: Iterable[str] = (),
        finished_at: float | None = None,
    ) -> None:
        with self._guard():
            self._conn.execute(
                "UPDATE episodes SET outcome=?, reason=?, answer=?, steps=?, prompt_tokens=?,"
                " completion_tokens=?, cost=?, skills_shown=?, skills_loaded=?, finished_at=? WHERE id=?",
                (
                    outcome,
                    clean_text(reason),
                    clean_text(answer),
                    steps,
                    prompt_tokens,
                    completion_tokens,
                    cost,
                    _json(list(skills_shown or ())),
                    _json(list(skills_loaded or ())),
                    time.time() if finished_at is None else finished_at,
                    id,
                ),
            )
            if self._conn.changes() == 0:
                raise StoreError(f"no episode {id!r} to finish")

    @staticmethod
    def _episode_out(row: dict[str, Any]) -> dict[str, Any]:
        row.pop("rid", None)
        for key in _EPISODE_JSON_FIELDS:
            row[key] = json.loads(row[key] or "[]")
        if isinstance(row.get("extra"), str):  # (v8: mirrored Hermes sessions)
            row["extra"] = json.loads(row["extra"])
        return row

    def list_episodes(self, limit: int = 50, offset: int = 0, *, archived: bool = False) -> list[dict[str, Any]]:
        """Episodes, newest first (without their events); archived ones (mirrored Hermes
        sessions archived in Hermes) only with ``archived``."""
        where = "" if archived else "WHERE archived = 0 "
        rows = self._rows(
            f"SELECT * FROM episodes {where}ORDER BY started_at DESC, rid DESC LIMIT ? OFFSET ?", (limit, offset)
        )
        return [self._episode_out(r) for r in rows]

    def tool_call_counts(self, episode_ids: Iterable[str]) -> dict[str, int]:
        """How many tool calls each of ``episode_ids`` made."""
        ids = list(episode_ids)
        if not ids:
            return {}
        rows = self.execute(
            f"SELECT episode_id, count(*) FROM events WHERE type = 'tool_call' AND episode_id IN ({', '.join('?' * len(ids))})"
            " GROUP BY episode_id",
            ids,
        )
        return {episode_id: count for episode_id, count in rows}

    def session_episodes(self, session_id: str) -> list[dict[str, Any]]:
        """The episodes of one session, oldest first (without their events)."""
        rows = self._rows("SELECT * FROM episodes WHERE session_id = ? ORDER BY started_at, rid", (session_id,))
        return [self._episode_out(r) for r in rows]

    def list_sessions(self, limit: int = 50) -> list[dict[str, Any]]:
        """Sessions, the most recently active first: session_id, first task, episodes, started_at, last_at."""
        return self._rows(
            "SELECT session_id, count(*) AS episodes, min(started_at) AS started_at, max(started_at) AS last_at,"
            " (SELECT task FROM episodes f WHERE f.session_id = e.session_id ORDER BY started_at, rid LIMIT 1) AS task"
            " FROM episodes e WHERE session_id IS NOT NULL GROUP BY session_id ORDER BY last_at DESC LIMIT ?",
            (limit,),
        )

    def get_episode(self, id: str) -> dict[str, Any] | None:
        """One episode with its ``"events"`` (in ``seq`` order; ``data`` decoded)."""
        rows = self._rows("SELECT * FROM episodes WHERE id = ?", (id,))
        if not rows:
            return None
        episode = self._episode_out(rows[0])
        events = self._rows("SELECT * FROM events WHERE episode_id = ? ORDER BY seq, id", (id,))
        for event in events:
            _decode_data(event)
        episode["events"] = events
        return episode

    def tool_call(self, episode_id: str, call_id: str) -> dict[str, Any] | None:
        """The stored result row of one tool call (arguments and result whole), or None."""
        rows = self._rows(
            "SELECT * FROM events WHERE episode_id = ? AND type = 'tool_result'"
            " AND json_extract(data, '$.call_id') = ? ORDER BY seq LIMIT 1",
            (episode_id, call_id),
        )
        if not rows:
            return None
        return _decode_data(rows[0])

    def get_event(self, event_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM events WHERE id = ?", (event_id,))
        if not rows:
            return None
        return _decode_data(rows[0])

    # -- feedback (schema v7: ratings and corrections) -----------------------------------
    def set_rating(
        self, *, episode_id: str, rating: int, value: str, comment: str | None = None, turn: int | None = None
    ) -> int:
        """Rate an episode (``turn`` None) or one of its turns; replaces an earlier rating
        of the same episode and turn. Returns the feedback row's id."""
        with self.transaction():
            self._conn.execute(
                "DELETE FROM feedback WHERE kind = 'rating' AND episode_id = ? AND turn IS ?", (episode_id, turn)
            )
            return self._add_feedback("rating", episode_id, turn, None, rating, value, comment, None, None)

    def add_correction(
        self,
        *,
        episode_id: str,
        rejected: str,
        chosen: str,
        comment: str | None = None,
        turn: int | None = None,
        event_seq: int | None = None,
    ) -> int:
        """Keep a correction (``rejected``: the original, ``chosen``: what should have been)."""
        with self.transaction():
            return self._add_feedback("correction", episode_id, turn, event_seq, None, None, comment, rejected, chosen)

    def _add_feedback(self, kind: str, episode_id: str, *values: Any) -> int:
        turn, event_seq, rating, value, comment, rejected, chosen = values
        self._conn.execute(
            "INSERT INTO feedback(kind, episode_id, turn, event_seq, rating, value, comment, rejected, chosen, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, episode_id, turn, event_seq, rating, value, clean_text(comment), clean_text(rejected),
             clean_text(chosen), time.time()),
        )
        return self._conn.last_insert_rowid()

    def episode_feedback(self, episode_id: str) -> list[dict[str, Any]]:
        """The ratings and corrections of one episode, oldest first."""
        return self._rows(
            "SELECT id, kind, turn, event_seq, rating, value, comment, rejected, chosen, created_at FROM feedback"
            " WHERE episode_id = ? ORDER BY created_at, id",
            (episode_id,),
        )

    def episode_ratings(self, episode_ids: Iterable[str]) -> dict[str, int]:
        """The rating (1-5) of each rated episode of ``episode_ids`` (see schema v7)."""
        ids = list(episode_ids)
        if not ids:
            return {}
        rows = self.execute(
            f"SELECT episode_id, rating FROM episode_ratings WHERE episode_id IN ({', '.join('?' * len(ids))})", ids
        )
        return {episode_id: rating for episode_id, rating in rows}

    def episode_corrections(self, episode_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """The corrections (turn, event_seq; both None: the final answer) of each corrected episode of ``episode_ids``."""
        ids = list(episode_ids)
        if not ids:
            return {}
        out: dict[str, list[dict[str, Any]]] = {}
        rows = self.execute(
            "SELECT episode_id, turn, event_seq FROM feedback WHERE kind = 'correction'"
            f" AND episode_id IN ({', '.join('?' * len(ids))}) ORDER BY created_at, id",
            ids,
        )
        for episode_id, turn, event_seq in rows:
            out.setdefault(episode_id, []).append({"turn": turn, "event_seq": event_seq})
        return out

    def skill_feedback_rows(self, skill_id: str) -> list[dict[str, Any]]:
        """Feedback rows (kind, rating, episode_id) of the episodes that loaded ``skill_id``."""
        return self._rows(
            "SELECT f.kind, f.rating, f.episode_id FROM feedback f JOIN episodes e ON e.id = f.episode_id"
            " WHERE EXISTS (SELECT 1 FROM json_each(e.skills_loaded) WHERE value = ?)",
            (skill_id,),
        )

    # -- notes --------------------------------------------------------------------------
    def add_notes(self, rows: Iterable[dict[str, Any]], *, skip_present: bool = False) -> int:
        """Bulk-insert notes in one transaction; returns how many were added.

        The rows go in with one ``executemany`` while the per-row index triggers are
        idle, then each index takes them with one ``INSERT ... SELECT`` (see
        ``schema.NOTES_BULK_INDEX_SQL``). All or nothing: a row without text raises
        StoreError and nothing is added. Each note gets its :func:`note_hash`;
        ``skip_present`` leaves out rows whose hash is already in the store or
        earlier in ``rows`` (notes stored before schema v5 get their hash first).

        Each row: ``text`` (required), ``title``, ``kind`` (default "note"),
        ``created_at`` (unix seconds, default now), ``source``.
        """
        now = time.time()
        count = 0

        def tuples() -> Iterator[tuple[Any, ...]]:
            nonlocal count
            for row in rows:
                text = row.get("text")
                if not isinstance(text, str):
                    raise StoreError(f"note {count + 1} has no text")
                count += 1
                created = row.get("created_at")
                kind, title, text = row.get("kind") or "note", clean_text(row.get("title")), clean_text(text)
                yield (
                    kind,
                    title,
                    text,
                    now if created is None else float(created),
                    clean_text(row.get("source")),
                    note_hash(kind, title, text),
                )

        if not skip_present:
            return self._bulk_insert("notes", _NOTE_COLUMNS, tuples(), NOTES_BULK_INDEX_SQL)
        with self.transaction():
            self._backfill_note_hashes()
            return self._bulk_insert("notes", _NOTE_COLUMNS, tuples(), NOTES_BULK_INDEX_SQL, _NEW_NOTES_ONLY)

    def _backfill_note_hashes(self) -> None:
        """Give the notes stored before schema v5 their content hash."""
        if self._conn.execute("SELECT 1 FROM notes WHERE content_hash IS NULL LIMIT 1").fetchall():
            self._conn.create_scalar_function("hermes_note_hash", note_hash, 3, deterministic=True)
            self._conn.execute(
                "UPDATE notes SET content_hash = hermes_note_hash(kind, title, text) WHERE content_hash IS NULL"
            )

    def _bulk_insert(
        self, table: str, columns: str, values: Iterable[Sequence[Any]], index_sql: str, where: str = ""
    ) -> int:
        """Insert rows with the per-row index triggers idle, then index them in bulk.

        One transaction: ``index_control.bulk`` is 1 only inside it (no other
        connection ever sees it). The rows are staged in a temporary table with one
        ``executemany`` and copied with ONE ``INSERT ... SELECT``: a per-row INSERT into
        a table with triggers opens a statement savepoint on every full-text index
        already written in the transaction, and FTS5 answers each one with a flush
        (three times slower in total when, say, episodes were created just before in
        the same transaction). ``index_sql`` then indexes every row with ``id > :last``.
        ``where`` filters the staged rows (alias ``s``). Returns the rows inserted.
        """
        stage = f"temp.bulk_{table}"
        marks = ", ".join("?" * len(columns.split(",")))
        with self._guard(), self._write():
            self._conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS bulk_{table}({columns}); DELETE FROM {stage}")
            self._conn.executemany(f"INSERT INTO {stage}({columns}) VALUES ({marks})", values)
            last = self._conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchall()[0][0]
            self._conn.execute("UPDATE index_control SET bulk = 1 WHERE id = 1")
            self._conn.execute(f"INSERT INTO {table}({columns}) SELECT {columns} FROM {stage} AS s {where} ORDER BY rowid")
            inserted = self._conn.changes()
            self._conn.execute(index_sql, {"last": last})
            self._conn.execute(f"UPDATE index_control SET bulk = 0 WHERE id = 1; DELETE FROM {stage}")
        return inserted

    def get_note(self, note_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM notes WHERE id = ?", (note_id,))
        return rows[0] if rows else None

    def delete_note(self, note_id: int) -> bool:
        with self._guard():
            self._conn.execute("DELETE FROM notes WHERE id = ?", (note_id,))
            return self._conn.changes() > 0

    def count(self, table: str) -> int:
        """Rows in one of the store's tables."""
        if table not in ("skills", "skill_versions", "episodes", "events", "notes", "feedback"):
            raise StoreError(f"unknown table {table!r}")
        return int(self._one(f"SELECT count(*) FROM {table}"))

    # -- skills -------------------------------------------------------------------------
    @staticmethod
    def _skill_out(row: dict[str, Any]) -> dict[str, Any]:
        row.pop("id", None)
        row["tags"] = json.loads(row.pop("tags_json") or "[]")
        row["pinned"] = bool(row["pinned"])
        for key in _SKILL_JSON_FIELDS:
            row[key] = json.loads(row[key] or "[]")
        return row

    def upsert_skill(self, row: dict[str, Any]) -> None:
        """Insert or update a skill row (usage counters, pin and provenance are kept)."""
        try:
            skill_id = row["skill_id"]
        except KeyError:
            raise StoreError("a skill row needs a skill_id") from None
        tags = [str(t) for t in (row.get("tags") or [])]
        values = {
            "skill_id": skill_id,
            "name": clean_text(row.get("name") or skill_id.rsplit("/", 1)[-1]),
            "category": row.get("category"),
            "path": None if row.get("path") is None else str(row.get("path")),
            "description": clean_text(row.get("description") or ""),
            "tags": clean_text(" ".join(tags)),
            "tags_json": _json(tags),
            "body": clean_text(row.get("body") or ""),
            "content_hash": row.get("content_hash"),
            "state": row.get("state") or "active",
            "source": row.get("source"),
            "error": clean_text(row.get("error")),
            "warnings": _json(list(row.get("warnings") or [])),
            "updated_at": time.time(),
        }
        columns = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        updates = ", ".join(f"{k}=excluded.{k}" for k in values if k != "skill_id")
        with self._guard():
            self._conn.execute(
                f"INSERT INTO skills({columns}) VALUES ({marks}) ON CONFLICT(skill_id) DO UPDATE SET {updates}",
                values,
            )

    def skill_marks(self) -> dict[str, dict[str, Any]]:
        """skill_id -> path, content_hash, error, state, source, folder_stamp of every skill (a sync's
        check of what changed on disk; no bodies are read)."""
        rows = self._rows("SELECT skill_id, path, content_hash, error, state, source, folder_stamp FROM skills")
        return {row["skill_id"]: row for row in rows}

    def set_skill_folder_stamp(self, skill_id: str, stamp: str | None) -> None:
        """Record the stamp of a skill folder's support files as last scanned (``SkillLibrary.sync``)."""
        with self._guard():
            self._conn.execute("UPDATE skills SET folder_stamp = ? WHERE skill_id = ?", (stamp, skill_id))

    def delete_skill(self, skill_id: str) -> None:
        with self._guard():
            self._conn.execute("DELETE FROM skills WHERE skill_id = ?", (skill_id,))

    def get_skill(self, skill_id: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM skills WHERE skill_id = ?", (skill_id,))
        return self._skill_out(rows[0]) if rows else None

    def list_skills(self, state: str | None = None) -> list[dict[str, Any]]:
        """Skill rows ordered by skill_id, optionally only those in ``state``."""
        if state is None:
            rows = self._rows("SELECT * FROM skills ORDER BY skill_id")
        else:
            rows = self._rows("SELECT * FROM skills WHERE state = ? ORDER BY skill_id", (state,))
        return [self._skill_out(r) for r in rows]

    def find_skills_by_name(self, name: str) -> list[dict[str, Any]]:
        """Skills whose name is ``name`` (case-insensitive), by skill_id."""
        rows = self._rows("SELECT * FROM skills WHERE name = ? COLLATE NOCASE ORDER BY skill_id", (name,))
        return [self._skill_out(r) for r in rows]

    def _update_skill(self, skill_id: str, sql: str, bindings: tuple[Any, ...]) -> None:
        with self._guard():
            self._conn.execute(sql, (*bindings, skill_id))
            if self._conn.changes() == 0:
                raise StoreError(f"no skill {skill_id!r} in the store")

    def set_skill_state(self, skill_id: str, state: str) -> None:
        self._update_skill(skill_id, "UPDATE skills SET state = ?, updated_at = ? WHERE skill_id = ?", (state, time.time()))

    def set_skill_pinned(self, skill_id: str, pinned: bool) -> None:
        self._update_skill(skill_id, "UPDATE skills SET pinned = ? WHERE skill_id = ?", (int(bool(pinned)),))

    def bump_skill_usage(
        self, skill_id: str, *, views: int = 0, uses: int = 0, successes: int = 0, failures: int = 0
    ) -> None:
        """Add to the usage counters and set ``last_used`` to now."""
        self._update_skill(
            skill_id,
            "UPDATE skills SET views = views + ?, uses = uses + ?, successes = successes + ?,"
            " failures = failures + ?, last_used = ? WHERE skill_id = ?",
            (views, uses, successes, failures, time.time()),
        )

    def add_skill_provenance(self, skill_id: str, episode_ids: Iterable[str]) -> None:
        """Append episode ids (once each, in order) to the skill's provenance list."""
        with self.transaction():
            current = self._one("SELECT provenance FROM skills WHERE skill_id = ?", (skill_id,))
            if current is None:
                raise StoreError(f"no skill {skill_id!r} in the store")
            provenance: list[str] = json.loads(current or "[]")
            for episode_id in episode_ids:
                if episode_id not in provenance:
                    provenance.append(episode_id)
            self._conn.execute("UPDATE skills SET provenance = ? WHERE skill_id = ?", (_json(provenance), skill_id))

    # -- skill versions -------------------------------------------------------------------
    def add_skill_version(
        self, skill_id: str, *, text: str, content_hash: str | None, author: str, created_at: float | None = None
    ) -> int:
        """Keep one version of a skill's text; returns its number (1, 2, 3 ... per skill)."""
        with self.transaction():
            version = int(
                self._one("SELECT coalesce(max(version), 0) + 1 FROM skill_versions WHERE skill_id = ?", (skill_id,))
            )
            self._conn.execute(
                "INSERT INTO skill_versions(skill_id, version, text, content_hash, author, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (skill_id, version, clean_text(text), content_hash, author, time.time() if created_at is None else created_at),
            )
        return version

    def skill_versions(self, skill_id: str) -> list[dict[str, Any]]:
        """Versions of a skill, oldest first: version, content_hash, created_at, author, size (chars)."""
        return self._rows(
            "SELECT version, content_hash, created_at, author, length(text) AS size FROM skill_versions"
            " WHERE skill_id = ? ORDER BY version",
            (skill_id,),
        )

    def skill_version_text(self, skill_id: str, version: int) -> str | None:
        return self._one("SELECT text FROM skill_versions WHERE skill_id = ? AND version = ?", (skill_id, version))

    # -- maintenance ----------------------------------------------------------------------
    def rebuild_indexes(self) -> None:
        """Rebuild every full-text index from the tables (one transaction)."""
        with self.transaction():
            self._conn.execute("DELETE FROM note_heads;" + NOTE_HEADS_FILL_SQL.format(where=""))
            for table in WORD_FTS_TABLES:
                self._conn.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
            self._conn.execute("DELETE FROM trigram_fts")
            self._conn.execute(trigram_fill_sql(fast=True))

    def optimize(self) -> None:
        """Merge every full-text index into one b-tree (faster queries after bulk loads)."""
        with self.transaction():
            for table in ALL_FTS_TABLES:
                self._conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
        with self._guard():
            self._conn.execute("PRAGMA optimize")

    def integrity_check(self) -> list[str]:
        """Problems found by SQLite and by the FTS5 integrity checks ([] when all is well)."""
        problems: list[str] = []
        with self._guard():
            for (line,) in self._conn.execute("PRAGMA integrity_check"):
                if line != "ok":
                    problems.append(str(line))
            for table in WORD_FTS_TABLES:
                try:
                    self._conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
                except apsw.CorruptError as exc:
                    problems.append(f"{table}: {exc}")
        return problems
