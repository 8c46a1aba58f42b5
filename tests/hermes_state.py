"""Build Hermes Agent homes for tests and benchmarks: state.db, pending writes, skills telemetry.

The state.db layout follows Hermes Agent's own DDL (hermes_state_common.SCHEMA_SQL,
schema version 30): the ``sessions`` and ``messages`` tables with every column, the
``schema_version`` and ``state_meta`` tables, its indexes and the external-content
FTS5 index with its insert trigger (so a writer here fires what a Hermes writer
fires). ``version=25`` builds the older shape: the columns Hermes added later are
missing (the reader must tolerate both). The file is in WAL mode, as Hermes keeps it.

``writer_main`` (run as ``python -m tests.hermes_state DB SESSION N [PAUSE]``) is a Hermes-like
writer process: it appends N messages to a session, one transaction each, with
SQLite's default locking, while the workbench mirrors.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Iterable

# Columns Hermes added after schema version 25 (absent from the v25 fixture).
NEWER_SESSION_COLUMNS = (
    "rewind_count", "archived", "pinned", "hidden", "last_read_at", "tool_names", "transport_profile",
    "profile_name", "compression_overload_streak", "compression_recovery_deadline",
    "compression_ineffective_count", "compression_fallback_streak",
)
NEWER_MESSAGE_COLUMNS = (
    "compacted", "api_content", "display_kind", "display_metadata", "display_identity", "display_order",
    "effect_disposition", "observed",
)

SESSION_COLUMNS = """
id TEXT PRIMARY KEY, source TEXT NOT NULL, created_source TEXT, user_id TEXT, session_key TEXT, chat_id TEXT,
chat_type TEXT, thread_id TEXT, display_name TEXT, origin_json TEXT, expiry_finalized INTEGER DEFAULT 0,
model TEXT, model_config TEXT, system_prompt TEXT, system_prompt_hash TEXT, parent_session_id TEXT,
started_at REAL NOT NULL, ended_at REAL, end_reason TEXT, message_count INTEGER DEFAULT 0,
tool_call_count INTEGER DEFAULT 0, input_tokens INTEGER DEFAULT 0, output_tokens INTEGER DEFAULT 0,
cache_read_tokens INTEGER DEFAULT 0, cache_write_tokens INTEGER DEFAULT 0, reasoning_tokens INTEGER DEFAULT 0,
cwd TEXT, git_branch TEXT, git_repo_root TEXT, git_metadata_generation INTEGER NOT NULL DEFAULT 0,
billing_provider TEXT, billing_base_url TEXT, billing_mode TEXT, estimated_cost_usd REAL, actual_cost_usd REAL,
cost_status TEXT, cost_source TEXT, pricing_version TEXT, title TEXT, title_source TEXT, last_activity_at REAL,
last_activity_description TEXT, last_activity_provenance TEXT, api_call_count INTEGER DEFAULT 0,
handoff_state TEXT, handoff_platform TEXT, handoff_error TEXT, compression_failure_cooldown_until REAL,
compression_failure_error TEXT, compression_fallback_streak INTEGER NOT NULL DEFAULT 0,
compression_ineffective_count INTEGER NOT NULL DEFAULT 0, compression_recovery_deadline REAL,
compression_overload_streak INTEGER NOT NULL DEFAULT 0, profile_name TEXT, transport_profile TEXT,
rewind_count INTEGER NOT NULL DEFAULT 0, archived INTEGER NOT NULL DEFAULT 0, pinned INTEGER NOT NULL DEFAULT 0,
hidden INTEGER NOT NULL DEFAULT 0, last_read_at REAL, tool_names TEXT
"""

MESSAGE_COLUMNS = """
id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL REFERENCES sessions(id), role TEXT NOT NULL,
content TEXT, tool_call_id TEXT, tool_calls TEXT, tool_name TEXT, effect_disposition TEXT, timestamp REAL NOT NULL,
token_count INTEGER, finish_reason TEXT, reasoning TEXT, reasoning_content TEXT, reasoning_details TEXT,
codex_reasoning_items TEXT, codex_message_items TEXT, platform_message_id TEXT, observed INTEGER DEFAULT 0,
_compressed_summary INTEGER NOT NULL DEFAULT 0, active INTEGER NOT NULL DEFAULT 1,
compacted INTEGER NOT NULL DEFAULT 0, api_content TEXT, display_kind TEXT, display_metadata TEXT,
display_identity BLOB, display_order INTEGER
"""

REST_DDL = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE system_prompts (hash TEXT PRIMARY KEY, prompt TEXT NOT NULL);
CREATE TABLE state_meta (key TEXT PRIMARY KEY, value TEXT);
CREATE INDEX idx_sessions_source ON sessions(source);
CREATE INDEX idx_sessions_parent ON sessions(parent_session_id);
CREATE INDEX idx_sessions_started ON sessions(started_at DESC);
CREATE INDEX idx_messages_session ON messages(session_id, timestamp);
CREATE INDEX idx_messages_session_id ON messages(session_id, id);
CREATE VIEW messages_fts_src AS
    SELECT id, CASE WHEN role = 'tool' THEN substr(COALESCE(content, ''), 1, 8192) ELSE content END AS content,
           tool_name, tool_calls FROM messages;
CREATE VIRTUAL TABLE messages_fts USING fts5(content, tool_name, tool_calls,
    content='messages_fts_src', content_rowid='id');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content, tool_name, tool_calls) VALUES (new.id,
        CASE WHEN new.role = 'tool' THEN substr(COALESCE(new.content, ''), 1, 8192) ELSE new.content END,
        new.tool_name, new.tool_calls);
END;
"""


def _columns(spec: str, drop: Iterable[str]) -> str:
    parts = [p.strip() for p in spec.replace("\n", " ").split(", ") if p.strip()]
    dropped = set(drop)
    return ",\n    ".join(p for p in parts if p.split()[0] not in dropped)


def ddl(version: int = 30) -> str:
    """The CREATE statements of a state.db at schema ``version`` (30 or 25)."""
    old = version < 26
    sessions = _columns(SESSION_COLUMNS, NEWER_SESSION_COLUMNS if old else ())
    messages = _columns(MESSAGE_COLUMNS, NEWER_MESSAGE_COLUMNS if old else ())
    return f"CREATE TABLE sessions (\n    {sessions}\n);\nCREATE TABLE messages (\n    {messages}\n);\n{REST_DDL}"


class HermesStateDb:
    """A Hermes state.db to fill: ``db = HermesStateDb.create(path, version=30)``."""

    def __init__(self, path: Path, version: int) -> None:
        self.path = Path(path)
        self.version = version
        self.conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        self._columns: dict[str, set[str]] = {}

    @classmethod
    def create(cls, path: Path, version: int = 30) -> "HermesStateDb":
        db = cls(path, version)
        db.conn.execute("PRAGMA journal_mode=WAL")
        db.conn.executescript(ddl(version))
        db.conn.execute("INSERT INTO schema_version(version) VALUES (?)", (version,))
        return db

    def columns(self, table: str) -> set[str]:
        if table not in self._columns:
            self._columns[table] = {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}
        return self._columns[table]

    def session(self, session_id: str | None = None, *, source: str = "cli", started_at: float | None = None,
                **values: Any) -> str:
        """Add a session row; ``values`` are further columns (those the version lacks are left out)."""
        session_id = session_id or time.strftime("%Y%m%d_%H%M%S_") + uuid.uuid4().hex[:6]
        row = {"id": session_id, "source": source, "started_at": started_at or time.time(), **values}
        self._insert("sessions", row)
        return session_id

    def message(self, session_id: str, role: str, content: Any = None, *, timestamp: float | None = None,
                **values: Any) -> int:
        """Add a message; a list/dict ``content`` is stored as Hermes stores structure ("\\x00json:" + JSON),
        a list ``tool_calls`` as its JSON."""
        if isinstance(content, (list, dict)):
            content = "\x00json:" + json.dumps(content, ensure_ascii=False)
        if isinstance(values.get("tool_calls"), list):
            values["tool_calls"] = json.dumps(values["tool_calls"], ensure_ascii=False)
        row = {"session_id": session_id, "role": role, "content": content, "timestamp": timestamp or time.time(),
               **values}
        return self._insert("messages", row)

    def update(self, table: str, key: Any, **values: Any) -> None:
        keep = {k: v for k, v in values.items() if k in self.columns(table)}
        sets = ", ".join(f"{k} = ?" for k in keep)
        self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*keep.values(), key))

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        known = self.columns(table)
        row = {k: v for k, v in row.items() if k in known}
        cur = self.conn.execute(
            f"INSERT INTO {table}({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
        )
        return int(cur.lastrowid or 0)

    def close(self) -> None:
        self.conn.close()


def tool_call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One entry of an assistant message's ``tool_calls`` (OpenAI shape, arguments as a JSON string)."""
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}


def sample_home(root: Path, version: int = 30) -> dict[str, str]:
    """A Hermes home with sessions from several platforms, a rewound row, a compression chain with
    its summary, structured content, a long tool output, reasoning, CJK text and an archived session.
    Returns the session ids by role."""
    root.mkdir(parents=True, exist_ok=True)
    db = HermesStateDb.create(root / "state.db", version)
    t = 1_760_000_000.0
    ids: dict[str, str] = {}
    cli = ids["cli"] = db.session("20251009_cli_0001", source="cli", started_at=t, model="anthropic/claude-sonnet-4",
                                  title="Fix the flaky test", cwd="/work/app", input_tokens=1200, output_tokens=340,
                                  estimated_cost_usd=0.0123)
    db.message(cli, "user", "Please fix the flaky test in test_api.py", timestamp=t + 1)
    db.message(cli, "assistant", "", timestamp=t + 2, reasoning="The test races on a port; look first.",
               tool_calls=[tool_call("call_1", "terminal", {"command": "pytest -q tests/test_api.py"})],
               finish_reason="tool_calls")
    db.message(cli, "tool", "<untrusted_tool_result>\n" + "FAILED test_api.py::test_port\n" * 400
               + "</untrusted_tool_result>", timestamp=t + 3, tool_call_id="call_1", tool_name="terminal")
    db.message(cli, "assistant", "A first wrong guess", timestamp=t + 4, active=0)  # rewound
    db.message(cli, "assistant", "Fixed: the test now binds port 0 (zanzibar).", timestamp=t + 5,
               finish_reason="stop")
    db.update("sessions", cli, ended_at=t + 6, end_reason="user_exit", message_count=4, tool_call_count=1,
              rewind_count=1)

    tg = ids["telegram"] = db.session("20251009_tg_0002", source="telegram", started_at=t + 100, model="gpt-4.1",
                                      input_tokens=50, output_tokens=20, actual_cost_usd=0.001)
    db.message(tg, "user", [{"type": "text", "text": "这张图片里是什么？"}, {"type": "image_url", "image_url": {"url": "x"}}],
               timestamp=t + 101)
    db.message(tg, "assistant", "图片里是一只猫。", timestamp=t + 102)

    root_id = ids["chain_root"] = db.session("20251009_dc_0003", source="discord", started_at=t + 200,
                                             title="Long refactor")
    db.message(root_id, "user", "Refactor the billing module", timestamp=t + 201)
    db.message(root_id, "assistant", "Working on the billing refactor (step one).", timestamp=t + 202, compacted=1)
    db.update("sessions", root_id, ended_at=t + 203, end_reason="compression")
    child = ids["chain_child"] = db.session("20251009_dc_0004", source="discord", started_at=t + 204,
                                            parent_session_id=root_id)
    db.message(child, "user", "[CONTEXT SUMMARY] Earlier: the billing refactor began.", timestamp=t + 205,
               _compressed_summary=1)
    db.message(child, "assistant", "Billing refactor finished.", timestamp=t + 206)

    old = ids["archived"] = db.session("20251001_cli_0005", source="cli", started_at=t - 9000, archived=1,
                                       title="Archived chat")
    db.message(old, "user", "an archived question about quokkas", timestamp=t - 8999)
    db.close()
    return ids


def stage(root: Path, subsystem: str, payload: dict[str, Any], *, origin: str = "foreground",
          summary: str = "", created_at: float | None = None, pending_id: str | None = None) -> str:
    """Stage a write as Hermes does: HOME/pending/<subsystem>/<id>.json (tools/write_approval.py)."""
    pid = pending_id or uuid.uuid4().hex[:8]
    record = {"id": pid, "subsystem": subsystem, "action": payload.get("action", ""), "summary": summary,
              "origin": origin, "created_at": created_at or time.time(), "payload": payload}
    path = root / "pending" / subsystem / f"{pid}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    return pid


def write_usage(root: Path, records: dict[str, dict[str, Any]]) -> None:
    """skills/.usage.json as Hermes's tools/skill_usage.py keeps it."""
    path = root / "skills" / ".usage.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=2, sort_keys=True), encoding="utf-8")


def write_hub_lock(root: Path, installed: dict[str, dict[str, Any]]) -> None:
    """skills/.hub/lock.json as Hermes's skills hub keeps it."""
    path = root / "skills" / ".hub" / "lock.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "installed": installed}, indent=2), encoding="utf-8")


def writer_main(argv: list[str]) -> int:
    """Append messages to one session, one transaction each, as a Hermes process does."""
    path, session_id, count = argv[0], argv[1], int(argv[2])
    pause = float(argv[3]) if len(argv) > 3 else 0.0
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    for i in range(count):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO messages(session_id, role, content, timestamp) VALUES (?, ?, ?, ?)",
            (session_id, "user" if i % 2 == 0 else "assistant", f"writer message {i} pelican", time.time()),
        )
        conn.execute("UPDATE sessions SET message_count = message_count + 1 WHERE id = ?", (session_id,))
        conn.execute("COMMIT")
        time.sleep(pause)
    conn.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(writer_main(sys.argv[1:]))
