"""Hermes Agent's sessions, mirrored read-only into the workbench store as episodes.

``HermesMirror(home, store).look()`` brings the store in line with ``HOME/state.db``:

* A look with nothing new costs one ``stat`` of state.db and its ``-wal`` (their
  inode, size and mtime are kept in ``hermes_marks``). Otherwise state.db is read in
  one read-only snapshot (:mod:`.statedb`): every session row (small) and the ids of
  the sessions with messages above the high-water mark (the largest message id
  mirrored). A conversation that only grew (the same sessions, none rewound, its
  mirrored messages unchanged: their count and their ``active``/``compacted`` sums,
  and every new message sorting after them) gets its new messages appended and its
  episode row updated; any other change mirrors the whole conversation again. Its
  state for the next look is kept in ``hermes_marks`` ("conversation:" + root id).
  Written 5,000 events at a time, a store transaction each (the marks last).
* A conversation is a session with its compression continuations (a child whose
  parent ended with ``end_reason = 'compression'``): one episode whose id is the
  root session's id, ``source`` "hermes", ``platform`` Hermes's session source.
* Messages are read as Hermes means them: rewound rows (``active = 0`` and not
  ``compacted``) are not part of the conversation; compacted rows are kept and
  marked; the compression summary (``_compressed_summary = 1``) is a
  ``compression_summary`` event; ``"\\x00json:" + JSON`` content is decoded (its text
  shown, the structure kept in ``data["content"]``); tool calls come from the
  ``tool_calls`` JSON with their arguments parsed; a tool result wrapped in
  ``<untrusted_tool_result>`` is kept as it is and marked ``untrusted``; reasoning is
  a ``reasoning_delta`` event. Text is redacted before it is stored.
* Events are those of the workbench (``tool_call``, ``tool_result``,
  ``turn_finished``, ``reasoning_delta``) plus ``user_message``, ``system_message``
  and ``compression_summary``; each message's text is in the event's ``result``
  column, so the one search API finds it (hits carry the session id as episode_id).

Never a crash: a missing (once seen), locked or corrupt state.db, or one of an
unknown schema version, gives a one-line note in :attr:`MirrorReport.notes`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterator

import apsw

from hermes_tui.core.hermes import statedb
from hermes_tui.core.hermes.statedb import StateDbProblem, file_stamp
from hermes_tui.core.home import Home

SOURCE = "hermes"
COMPRESSION = "compression"
UNTRUSTED = "<untrusted_tool_result"
JSON_PREFIX = "\x00json:"
STATE_KEY = "conversation:"  # + a root session id: the mirrored state of that conversation
FINGERPRINT_FLAGS = ("active", "compacted")  # the mirrored messages' count and these sums: unchanged = append
BATCH_EVENTS = 5000  # events written and indexed at a time
SESSION_FIELDS = (
    "id", "source", "parent_session_id", "started_at", "ended_at", "end_reason", "message_count",
    "tool_call_count", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
    "reasoning_tokens", "estimated_cost_usd", "actual_cost_usd", "title", "model", "cwd", "archived", "hidden",
    "rewind_count", "last_activity_at",
)
REWIND_INDEX = SESSION_FIELDS.index("rewind_count")
MESSAGE_FIELDS = (
    "id", "session_id", "role", "content", "tool_call_id", "tool_calls", "tool_name", "timestamp",
    "finish_reason", "reasoning", "reasoning_content", "_compressed_summary", "active", "compacted",
)


@dataclass
class MirrorReport:
    """What one look did: conversations (episodes) written, messages read, notes for the user."""

    looked: bool = False  # state.db was read (it changed since the last look)
    conversations: int = 0
    messages: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"looked": self.looked, "conversations": self.conversations, "messages": self.messages,
                "notes": self.notes}


@dataclass
class _Snapshot:
    version: int | None
    high_water: int
    conversations: dict[str, list[dict[str, Any]]]  # root id -> its sessions, in order
    messages: dict[str, list[dict[str, Any]]]  # root id -> its messages, in order
    signatures: dict[str, str]  # session id -> signature (every session read)
    appends: dict[str, dict[str, Any]] = field(default_factory=dict)  # root id -> its state (its messages: the new ones)
    seen: dict[str, str | None] = field(default_factory=dict)  # root id -> its state mark as read (None: none)


class HermesMirror:
    """Mirror ``home``'s state.db into ``store`` (a workbench :class:`Store`)."""

    def __init__(self, home: Home, store: Any) -> None:
        self.home = home
        self.store = store
        self.path = home.root / statedb.STATE_DB

    # -- marks ------------------------------------------------------------------------------
    def _mark(self, key: str) -> str | None:
        rows = self.store.execute("SELECT value FROM hermes_marks WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def _set_marks(self, **values: Any) -> None:
        for key, value in values.items():
            self.store.execute(
                "INSERT INTO hermes_marks(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, None if value is None else str(value)),
            )

    # -- the look ---------------------------------------------------------------------------
    def look(self) -> MirrorReport:
        """Mirror what changed since the last look; never raises for a problem with state.db."""
        report = MirrorReport()
        if not self.path.exists():
            if self._mark("stamp") is not None:
                report.notes.append(f"{self.path} is gone; the Hermes sessions mirrored earlier are kept")
            return report
        stamp, seen = file_stamp(self.path), self._mark("stamp")
        if stamp == seen:
            return report
        try:
            snapshot = statedb.read(self.path, self._read)
        except StateDbProblem as exc:
            report.notes.append(str(exc))
            return report
        note = statedb.version_note(snapshot.version)
        if note:
            report.notes.append(note)
        report.looked = True
        self._write(snapshot, stamp, report, seen)
        return report

    def _read(self, conn: apsw.Connection) -> _Snapshot:
        version = statedb.schema_version(conn)
        session_cols = statedb.columns(conn, "sessions")
        message_cols = statedb.columns(conn, "messages")
        if "id" not in session_cols or "session_id" not in message_cols:
            raise StateDbProblem(f"{self.path} has no Hermes sessions table; its sessions are not shown")
        sessions = {
            row["id"]: row for row in statedb.select(conn, "sessions", SESSION_FIELDS, session_cols, "ORDER BY started_at, id")
        }
        signatures = {sid: _signature(row) for sid, row in sessions.items()}
        high_water = int(self._mark("high_water") or 0)
        known = dict(self.store.execute("SELECT session_id, signature FROM hermes_sessions"))
        touched = {sid for sid, sig in signatures.items() if known.get(sid) != sig}
        touched.update(r[0] for r in conn.execute("SELECT DISTINCT session_id FROM messages WHERE id > ?", (high_water,)))
        top = conn.execute("SELECT max(id) FROM messages").fetchall()[0][0]
        chains = _chains(sessions)
        roots = {_root(sid, sessions) for sid in touched if sid in sessions}
        conversations = {root: chains[root] for root in roots}
        messages, appends, seen = {}, {}, {}
        for root, chain in conversations.items():
            seen[root] = self._mark(STATE_KEY + root)
            state = self._appendable(conn, chain, known, message_cols, seen[root])
            after = state["max_id"] if state else 0
            messages[root] = self._messages(conn, chain, message_cols, after)
            if state and (not messages[root] or _order(chain, messages[root][0]) > tuple(state["last"])):
                appends[root] = state
            elif state:  # a new message sorts before one mirrored: the whole conversation again
                messages[root] = self._messages(conn, chain, message_cols)
        return _Snapshot(version, max(int(top or 0), high_water), conversations, messages, signatures, appends, seen)

    @staticmethod
    def _messages(conn: apsw.Connection, chain: list[dict[str, Any]], present: set[str],
                  after: int = 0) -> list[dict[str, Any]]:
        """The conversation's messages in order (those with an id above ``after``)."""
        out: list[dict[str, Any]] = []
        for session in chain:
            out.extend(statedb.select(conn, "messages", MESSAGE_FIELDS, present,
                                      "WHERE session_id = ? AND id > ? ORDER BY timestamp, id", (session["id"], after)))
        return out

    def _appendable(self, conn: apsw.Connection, chain: list[dict[str, Any]], known: dict[str, str],
                    present: set[str], raw: str | None) -> dict[str, Any] | None:
        """The mirrored state of a conversation that only grew since (same sessions, none rewound,
        the messages mirrored unchanged), else None: it is mirrored whole again."""
        state = json.loads(raw) if raw else None
        if not state or state.get("sessions") != [s["id"] for s in chain]:
            return None
        for session in chain:
            before = known.get(session["id"])
            if before is None or json.loads(before)[REWIND_INDEX] != session.get("rewind_count"):
                return None
        ids = [s["id"] for s in chain]
        flags = ", ".join(f"total({c})" if c in present else "0" for c in FINGERPRINT_FLAGS)
        row = conn.execute(
            f"SELECT count(*), {flags} FROM messages WHERE session_id IN ({', '.join('?' * len(ids))}) AND id <= ?",
            (*ids, state["max_id"]),
        ).fetchall()[0]
        return state if [int(v or 0) for v in row] == state["fingerprint"] else None

    def _write(self, snapshot: _Snapshot, stamp: str, report: MirrorReport, seen: str | None) -> None:
        """The conversations written a batch of about :data:`BATCH_EVENTS` events at a time, a
        store transaction each (a first mirror of a large state.db never holds the store's write
        lock for long: the workbench records its own episodes in between); the marks last. Each
        conversation is written only if no other look (the TUI's watcher, another process) wrote
        it since its state was read: else what that look wrote stands, and the marks are left
        for the next look to go on from. A look cut short leaves whole conversations."""
        skipped = 0
        for batch in self._batches(snapshot):
            written = 0
            with self.store.transaction():
                rows = []
                for root, chain, episode, events, state in batch:
                    if self._mark(STATE_KEY + root) != snapshot.seen[root]:
                        skipped += 1
                        continue
                    written += 1
                    report.messages += len(snapshot.messages[root])
                    rows.extend(events)
                    if root in snapshot.appends:
                        update_episode(self.store, episode)
                    else:
                        self.store.execute("DELETE FROM events WHERE episode_id = ?", (root,))
                        self.store.execute("DELETE FROM episodes WHERE id = ?", (root,))
                        insert_episode(self.store, episode)
                    for session in chain:
                        self.store.execute(
                            "INSERT INTO hermes_sessions(session_id, conversation, signature) VALUES (?, ?, ?)"
                            " ON CONFLICT(session_id) DO UPDATE SET conversation = excluded.conversation,"
                            " signature = excluded.signature",
                            (session["id"], root, snapshot.signatures[session["id"]]),
                        )
                    self._set_marks(**{STATE_KEY + root: json.dumps(state)})
                if rows:
                    self.store.add_events(rows)
            report.conversations += written
        with self.store.transaction():
            if not skipped and self._mark("stamp") == seen:
                self._set_marks(stamp=stamp, high_water=snapshot.high_water, schema=snapshot.version)

    def _batches(self, snapshot: _Snapshot) -> Iterator[list[tuple[str, list[dict[str, Any]], dict[str, Any],
                                                                     list[dict[str, Any]], dict[str, Any]]]]:
        """(root, chain, episode, event rows, state for the next look) of each conversation, about
        :data:`BATCH_EVENTS` events at a time."""
        from hermes_tui.core.guard.redact import secret_environment

        env = secret_environment()
        batch: list[Any] = []
        size = 0
        for root, chain in snapshot.conversations.items():
            state = snapshot.appends.get(root)
            prior = self._prior(root, state, snapshot.messages[root]) if state else None
            built = conversation_episode(chain, snapshot.messages[root], env, prior)
            built.episode["extra"]["hermes_schema"] = snapshot.version
            batch.append((root, chain, built.episode, built.rows, _state(chain, snapshot.messages[root], built, state)))
            size += len(built.rows)
            if size >= BATCH_EVENTS:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    def _prior(self, root: str, state: dict[str, Any], new: list[dict[str, Any]]) -> "Prior":
        """What the mirrored part of a conversation holds, for appending ``new`` messages to it
        (with the calls mirrored earlier that new tool results answer)."""
        episode = self.store.execute(
            "SELECT task, answer, steps, message_count, tool_call_count, extra FROM episodes WHERE id = ?", (root,)
        )[0]
        answered = sorted({str(m.get("tool_call_id") or "") for m in new if m["role"] == "tool"})
        calls = {}
        for (data,) in self.store.execute(
            "SELECT data FROM events WHERE episode_id = ? AND type = 'tool_call' AND json_extract(data, '$.call_id')"
            f" IN ({', '.join('?' * len(answered))})", (root, *answered),
        ):
            call = json.loads(data)
            calls[call.get("call_id") or ""] = {"name": call.get("name"), "arguments": call.get("arguments")}
        extra = json.loads(episode[5] or "{}")
        return Prior(seq=state["seq"], step=int(episode[2] or 0), task=episode[0] if state["has_user"] else None,
                     answer=episode[1], answered=state["answered"], messages=int(episode[3] or 0),
                     calls=int(episode[4] or 0), rewound=int(extra.get("rewound_messages") or 0), call_map=calls)


def _order(chain: list[dict[str, Any]], message: dict[str, Any]) -> tuple[int, float, int]:
    """Where a message sorts in its conversation: its session's place in the chain, its time, its id."""
    place = next(i for i, s in enumerate(chain) if s["id"] == message["session_id"])
    return (place, float(message["timestamp"] or 0.0), int(message["id"]))


def _state(chain: list[dict[str, Any]], messages: list[dict[str, Any]], built: "Built",
           before: dict[str, Any] | None) -> dict[str, Any]:
    """What the next look needs to append to this conversation (kept in ``hermes_marks``)."""
    before = before or {"max_id": 0, "last": [-1, 0.0, 0], "fingerprint": [0] * (1 + len(FINGERPRINT_FLAGS)),
                        "has_user": False}
    fingerprint = list(before["fingerprint"])
    for m in messages:
        fingerprint[0] += 1
        for i, flag in enumerate(FINGERPRINT_FLAGS, 1):
            fingerprint[i] += int(m.get(flag) or 0)
    return {
        "sessions": [s["id"] for s in chain],
        "max_id": max([before["max_id"], *(int(m["id"]) for m in messages)]),
        "last": list(_order(chain, messages[-1])) if messages else before["last"],
        "fingerprint": fingerprint,
        "seq": built.rows[-1]["seq"] + 1 if built.rows else before.get("seq", 0),
        "has_user": before["has_user"] or any(r["type"] == "user_message" for r in built.rows),
        "answered": built.answered,
    }


# -- sessions and chains ------------------------------------------------------------------------
def _signature(row: dict[str, Any]) -> str:
    return json.dumps([row[k] for k in SESSION_FIELDS], default=str)


def _is_continuation(session: dict[str, Any], sessions: dict[str, dict[str, Any]]) -> bool:
    parent = sessions.get(session.get("parent_session_id") or "")
    return parent is not None and parent.get("end_reason") == COMPRESSION


def _root(session_id: str, sessions: dict[str, dict[str, Any]]) -> str:
    return _ancestry(session_id, sessions)[-1]


def _ancestry(session_id: str, sessions: dict[str, dict[str, Any]]) -> list[str]:
    """The session and the sessions it continues, up to its conversation's root (the last)."""
    line = [session_id]
    current = sessions[session_id]
    while _is_continuation(current, sessions):
        parent_id = current["parent_session_id"]
        if parent_id in line:  # a loop in the parent links: stop at the first repeat
            break
        line.append(parent_id)
        current = sessions[parent_id]
    return line


def _chains(sessions: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """root id -> the root and its compression continuations: each after the one it continues
    (then by start time), whatever the clocks say."""
    members: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for sid, row in sessions.items():  # (ordered by started_at, id)
        line = _ancestry(sid, sessions)
        members.setdefault(line[-1], []).append((len(line), row))
    return {root: [row for _, row in sorted(rows, key=lambda r: r[0])] for root, rows in members.items()}


# -- messages to events -------------------------------------------------------------------------
def decode_content(raw: Any) -> tuple[str, Any]:
    """(text, structure): Hermes stores structured content as "\\x00json:" + JSON."""
    if raw is None:
        return "", None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    raw = str(raw)
    if not raw.startswith(JSON_PREFIX):
        return raw, None
    try:
        value = json.loads(raw[len(JSON_PREFIX):])
    except ValueError:
        return raw[len(JSON_PREFIX):], None
    return _text_of(value), value


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(t for t in (_text_of(part) for part in value) if t)
    if isinstance(value, dict):
        if isinstance(value.get("text"), str):
            return value["text"]
        if "content" in value:
            return _text_of(value["content"])
        kind = str(value.get("type") or "part")
        return f"[{kind.replace('_url', '')}]"
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def parse_tool_calls(raw: Any) -> list[dict[str, Any]]:
    """[{call_id, name, arguments}] from a message's tool_calls JSON (arguments parsed when JSON)."""
    if not raw:
        return []
    try:
        calls = json.loads(raw) if isinstance(raw, (str, bytes)) else raw
    except ValueError:
        return [{"call_id": "", "name": "?", "arguments": str(raw)}]
    out = []
    for call in calls if isinstance(calls, list) else [calls]:
        if not isinstance(call, dict):
            continue
        fn = call.get("function") if isinstance(call.get("function"), dict) else call
        arguments = fn.get("arguments")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except ValueError:
                pass
        out.append({"call_id": str(call.get("id") or call.get("call_id") or ""), "name": str(fn.get("name") or "?"),
                    "arguments": arguments})
    return out


SEPARATOR = "\n\x00\x1f\n"  # between texts redacted together (no secret pattern crosses a NUL line)


class Redactor:
    """``redact`` with the environment's secrets, over many texts at once: :meth:`prime` redacts a
    batch joined into one string (one regex pass per pattern instead of one per text; a batch
    whose parts do not come back intact is redacted text by text), calls then hit the cache."""

    def __init__(self, env: dict[str, str]) -> None:
        from hermes_tui.core.guard.redact import redact

        self._one = lambda text: redact(text, env)
        self._done: dict[str, str] = {}

    def prime(self, texts: list[str]) -> None:
        texts = [t for t in dict.fromkeys(texts) if t and t not in self._done]
        if not texts:
            return
        parts = self._one(SEPARATOR.join(texts)).split(SEPARATOR)
        if len(parts) != len(texts) or any(SEPARATOR in t for t in texts):
            parts = [self._one(t) for t in texts]
        self._done.update(zip(texts, parts))

    def __call__(self, text: str) -> str:
        if not text:
            return text
        done = self._done.get(text)
        return done if done is not None else self._one(text)

    def obj(self, value: Any) -> Any:
        """Every string in a JSON value redacted."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, list):
            return [self.obj(v) for v in value]
        if isinstance(value, dict):
            return {k: self.obj(v) for k, v in value.items()}
        return value


class _Events:
    """Builds one conversation's event rows."""

    def __init__(self, episode_id: str, redactor: Redactor, prior: "Prior") -> None:
        self.episode_id = episode_id
        self.rows: list[dict[str, Any]] = []
        self.seq = prior.seq
        self.step = prior.step
        self.calls: dict[str, dict[str, Any]] = dict(prior.call_map)
        self._redact = redactor
        self._redact_obj = redactor.obj

    def add(self, type_: str, ts: float, data: dict[str, Any], *, tool_name: str | None = None,
            arguments: Any = None, result: str | None = None) -> None:
        data = {"type": type_, "episode_id": self.episode_id, "ts": ts, **data}
        self.rows.append({"episode_id": self.episode_id, "seq": self.seq + len(self.rows), "ts": ts, "type": type_, "data": data,
                          "tool_name": tool_name, "arguments": arguments, "result": result})

    def message(self, m: dict[str, Any]) -> None:
        ts = float(m["timestamp"] or 0.0)
        text, structure = m["decoded"]
        text = self._redact(text)
        mark: dict[str, Any] = {"hermes": {"id": m["id"], "session_id": m["session_id"]}}
        if structure is not None and not isinstance(structure, str):
            mark["content"] = self._redact_obj(structure)
        if m.get("compacted"):
            mark["compacted"] = True
        role = m["role"]
        if m.get("_compressed_summary"):
            self.add("compression_summary", ts, {"role": role, "text": text, "summary": True, **mark}, result=text)
        elif role == "assistant":
            self._assistant(m, ts, text, mark)
        elif role == "tool":
            self._tool(m, ts, text, mark)
        elif role == "user":
            self.add("user_message", ts, {"text": text, **mark}, result=text)
        else:
            self.add("system_message", ts, {"role": role, "text": text, **mark}, result=text)

    def _assistant(self, m: dict[str, Any], ts: float, text: str, mark: dict[str, Any]) -> None:
        self.step += 1
        reasoning = m.get("reasoning") or m.get("reasoning_content")
        if reasoning:
            reasoning = self._redact(str(reasoning))
            self.add("reasoning_delta", ts, {"step": self.step, "text": reasoning, **mark}, result=reasoning)
        calls = m["calls"]
        # As the workbench records a turn: turn_finished (its text, maybe empty), then its calls.
        self.add("turn_finished", ts, {"step": self.step, "text": text, "tool_calls": len(calls),
                                       "finish_reason": m.get("finish_reason"), **mark}, result=text)
        for call in calls:
            arguments = self._redact_obj(call["arguments"])
            self.calls[call["call_id"]] = {"name": call["name"], "arguments": arguments}
            self.add("tool_call", ts, {"step": self.step, "call_id": call["call_id"], "name": call["name"],
                                       "arguments": arguments, **mark}, tool_name=call["name"], arguments=arguments)

    def _tool(self, m: dict[str, Any], ts: float, text: str, mark: dict[str, Any]) -> None:
        call_id = str(m.get("tool_call_id") or "")
        call = self.calls.get(call_id, {})
        name = m.get("tool_name") or call.get("name") or "tool"
        data = {"step": self.step, "call_id": call_id, "name": name, "result": text, **mark}
        if UNTRUSTED in text:
            data["untrusted"] = True
        self.add("tool_result", ts, data, tool_name=name, arguments=call.get("arguments"), result=text)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, dict)):
        return [s for v in (value.values() if isinstance(value, dict) else value) for s in _strings(v)]
    return []


def _visible(m: dict[str, Any]) -> bool:
    """Part of the conversation: not rewound (active = 0 without compacted)."""
    active = m.get("active")
    return active is None or bool(active) or bool(m.get("compacted"))


@dataclass
class Prior:
    """What a conversation mirrored earlier holds, when only new messages are added to it."""

    seq: int = 0  # the next event's seq
    step: int = 0
    task: str | None = None  # its first user message's text (None: it has none yet)
    answer: str | None = None
    answered: bool = False
    messages: int = 0
    calls: int = 0
    rewound: int = 0
    call_map: dict[str, dict[str, Any]] = field(default_factory=dict)  # call id -> name, arguments


@dataclass
class Built:
    episode: dict[str, Any]
    rows: list[dict[str, Any]]
    answered: bool  # its last event is an answer (a turn with text)


def conversation_episode(chain: list[dict[str, Any]], messages: list[dict[str, Any]],
                         env: dict[str, str], prior: Prior | None = None) -> Built:
    """The episode row and event rows of one conversation (a session and its compression
    continuations); with ``prior``, ``messages`` are the new ones and the rows are appended."""
    prior = prior or Prior()
    root, last = chain[0], chain[-1]
    visible = [m for m in messages if _visible(m)]
    texts = []
    for m in visible:
        m["decoded"] = decode_content(m["content"])
        texts += [m["decoded"][0], m.get("reasoning") or m.get("reasoning_content") or ""]
        m["calls"] = parse_tool_calls(m.get("tool_calls")) if m["role"] == "assistant" else []
        texts += [v for call in m["calls"] for v in _strings(call["arguments"])]
    redactor = Redactor(env)
    redactor.prime(texts)
    builder = _Events(root["id"], redactor, prior)
    for m in visible:
        builder.message(m)
    rewound = len(messages) - len(visible)
    rows = builder.rows
    users = [r for r in rows if r["type"] == "user_message"]
    answers = [r for r in rows if r["type"] == "turn_finished" and r["data"].get("text")]
    ended = last.get("ended_at") if last.get("end_reason") != COMPRESSION else None
    cost_values = [s.get("actual_cost_usd") if s.get("actual_cost_usd") is not None else s.get("estimated_cost_usd")
                   for s in chain]
    costs = [c for c in cost_values if c is not None]
    answered = rows[-1]["type"] == "turn_finished" and bool(rows[-1]["data"].get("text")) if rows else prior.answered
    total = lambda key: sum(int(s.get(key) or 0) for s in chain)  # noqa: E731
    episode = {
        "id": root["id"],
        "task": prior.task if prior.task is not None else users[0]["data"]["text"] if users else (root.get("title") or ""),
        "model": next((s["model"] for s in reversed(chain) if s.get("model")), None),
        "cwd": root.get("cwd"),
        "started_at": root.get("started_at"),
        "finished_at": ended,
        "outcome": ("success" if answered else "ended") if ended else None,
        "reason": last.get("end_reason") if ended else None,
        "answer": answers[-1]["data"]["text"] if answers else prior.answer,
        "steps": builder.step,
        "prompt_tokens": total("input_tokens"),
        "completion_tokens": total("output_tokens"),
        "cost": sum(costs) if costs else None,
        "session_id": root["id"],
        "source": SOURCE,
        "platform": root.get("source"),
        "title": next((s["title"] for s in chain if s.get("title")), None),
        "archived": 1 if root.get("archived") else 0,
        "message_count": prior.messages + len({r["data"]["hermes"]["id"] for r in rows}),
        "tool_call_count": prior.calls + sum(r["type"] == "tool_call" for r in rows),
        "extra": {
            "sessions": [s["id"] for s in chain],
            "end_reason": last.get("end_reason"),
            "cache_read_tokens": total("cache_read_tokens"),
            "cache_write_tokens": total("cache_write_tokens"),
            "reasoning_tokens": total("reasoning_tokens"),
            "rewound_messages": prior.rewound + rewound,
            "last_activity_at": last.get("last_activity_at"),
            "hidden": bool(root.get("hidden")),
        },
    }
    return Built(episode, rows, answered)


EPISODE_COLUMNS = (
    "id", "task", "model", "cwd", "started_at", "finished_at", "outcome", "reason", "answer", "steps",
    "prompt_tokens", "completion_tokens", "cost", "session_id", "source", "platform", "title", "archived",
    "message_count", "tool_call_count", "extra",
)


def _values(episode: dict[str, Any]) -> list[Any]:
    return [json.dumps(episode[c], default=str) if c == "extra" else episode[c] for c in EPISODE_COLUMNS]


def insert_episode(store: Any, episode: dict[str, Any]) -> None:
    store.execute(
        f"INSERT INTO episodes({', '.join(EPISODE_COLUMNS)}) VALUES ({', '.join('?' * len(EPISODE_COLUMNS))})",
        _values(episode),
    )


def update_episode(store: Any, episode: dict[str, Any]) -> None:
    """An episode row rewritten in place (its events stay)."""
    columns = EPISODE_COLUMNS[1:]
    store.execute(f"UPDATE episodes SET {', '.join(c + ' = ?' for c in columns)} WHERE id = ?",
                  [*_values(episode)[1:], episode["id"]])
