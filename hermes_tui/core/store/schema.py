"""The database schema as a list of migration steps, keyed on ``PRAGMA user_version``.

``MIGRATIONS[i]`` takes a database at version ``i`` to version ``i + 1``. A step is a
string of SQL statements run inside the upgrade transaction. Never edit a released
step: add a new one at the end.

Layout notes:

* Tables with a text key (skills, episodes) also have an ``INTEGER PRIMARY KEY`` so
  the full-text indexes have a stable rowid (an implicit rowid may change on VACUUM).
* The word indexes are external-content FTS5 tables kept in sync by triggers, so
  ``snippet()``/``highlight()`` work without storing any text twice. The event
  index reads from the view ``events_fts_src`` which cuts ``arguments``/``result``
  to :data:`EVENT_INDEX_CHARS`; the triggers insert and delete exactly the same cut
  values (FTS5 needs the old values to delete a row) while the table keeps the text
  whole.
  Since v5 the note index reads from the view ``notes_fts_src`` too: the first
  :data:`NOTE_INDEX_CHARS` characters of the text, taken for a longer note from
  ``note_heads`` (so no query reads a long text whole).
* Bulk inserts (``Store.add_notes``, ``Store.add_events``) set ``index_control.bulk``
  inside their transaction so the per-row insert triggers of notes and events idle,
  then index the new rows with one ``INSERT ... SELECT`` per index.
* The trigram index (substring and CJK queries) is one contentless table with
  ``contentless_delete=1`` and ``detail='none'``; its rowid encodes the kind
  (``id * 4 + kind code``). It covers the short, title-like text of every kind
  (skill name/description/tags, episode task, event tool name, note title) and the
  first :data:`TRIGRAM_CHARS` characters of a long text (note text, event result)
  only when that text contains CJK: unicode61 keeps a run of CJK characters as one
  token, so CJK needs substrings, while for other scripts the word index (with
  prefixes) serves; a trigram entry per character of every body cut the bulk ingest
  rate by about three.
"""

from __future__ import annotations

EVENT_INDEX_CHARS = 2000
# Note text beyond this many characters is kept in the table but not indexed (v5):
# FTS5's snippet() and bm25() cost grows with a document's size, and one 50 MB note
# made a search take minutes. `memory import` splits longer notes into parts.
NOTE_INDEX_CHARS = 8192
TRIGRAM_CHARS = 300

# Kind codes in the trigram rowid: rowid = id * 4 + code.
TRI_SKILL, TRI_EPISODE, TRI_EVENT, TRI_NOTE = 0, 1, 2, 3
TRI_KINDS = {TRI_SKILL: "skill", TRI_EPISODE: "episode", TRI_EVENT: "event", TRI_NOTE: "note"}

WORD_TOKENIZER_V2 = "unicode61 remove_diacritics 2"  # as released in v2 (never edit)
# Since v5 symbols (Unicode category So: emoji, ✓, ©, box drawing ...) are words too,
# so a search for 🐛 finds it; ASCII has no So character, so code and paths tokenize
# as before. The arguments as given to FTS5 and to apsw's fts5_tokenizer:
WORD_TOKENIZER_ARGS = ("remove_diacritics", "2", "categories", "L* N* Co So")
WORD_TOKENIZER = "unicode61 remove_diacritics 2 categories 'L* N* Co So'"
WORD_TOKENIZER_SQL = WORD_TOKENIZER.replace('"', '""')  # inside tokenize="..."
# Bulk ingest (Store.add_notes, Store.add_events) sets index_control.bulk = 1 inside its transaction,
# inserts the rows with the per-row triggers idle, indexes them with one
# INSERT ... SELECT per index (several times faster than per-row inserts into FTS5) and
# sets it back to 0 before committing, so no other connection ever sees bulk = 1.
NOT_BULK = "(SELECT bulk FROM index_control WHERE id = 1) = 0"

_V1_TABLES = """
CREATE TABLE skills (
    id INTEGER PRIMARY KEY,
    skill_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    category TEXT,
    path TEXT,
    description TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    tags_json TEXT NOT NULL DEFAULT '[]',
    body TEXT NOT NULL DEFAULT '',
    content_hash TEXT,
    state TEXT NOT NULL DEFAULT 'active',
    pinned INTEGER NOT NULL DEFAULT 0,
    source TEXT,
    views INTEGER NOT NULL DEFAULT 0,
    uses INTEGER NOT NULL DEFAULT 0,
    successes INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    last_used REAL,
    provenance TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    warnings TEXT NOT NULL DEFAULT '[]',
    updated_at REAL
);
CREATE INDEX skills_name ON skills(name);
CREATE INDEX skills_state ON skills(state);

CREATE TABLE skill_versions (
    id INTEGER PRIMARY KEY,
    skill_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    content_hash TEXT,
    author TEXT,
    created_at REAL NOT NULL,
    UNIQUE (skill_id, version)
);

CREATE TABLE episodes (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    task TEXT NOT NULL DEFAULT '',
    model TEXT,
    cwd TEXT,
    started_at REAL,
    finished_at REAL,
    outcome TEXT,
    reason TEXT,
    answer TEXT,
    steps INTEGER,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    cost REAL,
    skills_shown TEXT NOT NULL DEFAULT '[]',
    skills_loaded TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX episodes_started ON episodes(started_at);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    episode_id TEXT NOT NULL REFERENCES episodes(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    ts REAL NOT NULL,
    type TEXT NOT NULL,
    tool_name TEXT,
    arguments TEXT,
    result TEXT,
    data TEXT NOT NULL DEFAULT '{}',
    duration_ms REAL
);
CREATE INDEX events_episode ON events(episode_id, seq);

CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'note',
    title TEXT,
    text TEXT NOT NULL,
    created_at REAL NOT NULL,
    source TEXT
);
CREATE INDEX notes_created ON notes(created_at);
"""

_V2_WORD_INDEXES = f"""
CREATE TABLE index_control (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    bulk INTEGER NOT NULL DEFAULT 0
);
INSERT INTO index_control(id, bulk) VALUES (1, 0);
CREATE VIRTUAL TABLE skills_fts USING fts5(
    name, description, tags, body,
    content='skills', content_rowid='id', tokenize='{WORD_TOKENIZER_V2}');
CREATE TRIGGER skills_fts_ai AFTER INSERT ON skills BEGIN
    INSERT INTO skills_fts(rowid, name, description, tags, body)
    VALUES (new.id, new.name, new.description, new.tags, new.body);
END;
CREATE TRIGGER skills_fts_ad AFTER DELETE ON skills BEGIN
    INSERT INTO skills_fts(skills_fts, rowid, name, description, tags, body)
    VALUES ('delete', old.id, old.name, old.description, old.tags, old.body);
END;
CREATE TRIGGER skills_fts_au AFTER UPDATE OF name, description, tags, body ON skills BEGIN
    INSERT INTO skills_fts(skills_fts, rowid, name, description, tags, body)
    VALUES ('delete', old.id, old.name, old.description, old.tags, old.body);
    INSERT INTO skills_fts(rowid, name, description, tags, body)
    VALUES (new.id, new.name, new.description, new.tags, new.body);
END;

CREATE VIRTUAL TABLE episodes_fts USING fts5(
    task, answer,
    content='episodes', content_rowid='rid', tokenize='{WORD_TOKENIZER_V2}');
CREATE TRIGGER episodes_fts_ai AFTER INSERT ON episodes BEGIN
    INSERT INTO episodes_fts(rowid, task, answer) VALUES (new.rid, new.task, new.answer);
END;
CREATE TRIGGER episodes_fts_ad AFTER DELETE ON episodes BEGIN
    INSERT INTO episodes_fts(episodes_fts, rowid, task, answer)
    VALUES ('delete', old.rid, old.task, old.answer);
END;
CREATE TRIGGER episodes_fts_au AFTER UPDATE OF task, answer ON episodes BEGIN
    INSERT INTO episodes_fts(episodes_fts, rowid, task, answer)
    VALUES ('delete', old.rid, old.task, old.answer);
    INSERT INTO episodes_fts(rowid, task, answer) VALUES (new.rid, new.task, new.answer);
END;

CREATE VIEW events_fts_src AS
    SELECT id, tool_name,
           substr(arguments, 1, {EVENT_INDEX_CHARS}) AS arguments,
           substr(result, 1, {EVENT_INDEX_CHARS}) AS result
    FROM events;
CREATE VIRTUAL TABLE events_fts USING fts5(
    tool_name, arguments, result,
    content='events_fts_src', content_rowid='id', tokenize='{WORD_TOKENIZER_V2}');
CREATE TRIGGER events_fts_ai AFTER INSERT ON events BEGIN
    INSERT INTO events_fts(rowid, tool_name, arguments, result)
    VALUES (new.id, new.tool_name, substr(new.arguments, 1, {EVENT_INDEX_CHARS}),
            substr(new.result, 1, {EVENT_INDEX_CHARS}));
END;
CREATE TRIGGER events_fts_ad AFTER DELETE ON events BEGIN
    INSERT INTO events_fts(events_fts, rowid, tool_name, arguments, result)
    VALUES ('delete', old.id, old.tool_name, substr(old.arguments, 1, {EVENT_INDEX_CHARS}),
            substr(old.result, 1, {EVENT_INDEX_CHARS}));
END;
CREATE TRIGGER events_fts_au AFTER UPDATE OF tool_name, arguments, result ON events BEGIN
    INSERT INTO events_fts(events_fts, rowid, tool_name, arguments, result)
    VALUES ('delete', old.id, old.tool_name, substr(old.arguments, 1, {EVENT_INDEX_CHARS}),
            substr(old.result, 1, {EVENT_INDEX_CHARS}));
    INSERT INTO events_fts(rowid, tool_name, arguments, result)
    VALUES (new.id, new.tool_name, substr(new.arguments, 1, {EVENT_INDEX_CHARS}),
            substr(new.result, 1, {EVENT_INDEX_CHARS}));
END;

CREATE VIRTUAL TABLE notes_fts USING fts5(
    title, text,
    content='notes', content_rowid='id', tokenize='{WORD_TOKENIZER_V2}');
CREATE TRIGGER notes_fts_ai AFTER INSERT ON notes WHEN {NOT_BULK} BEGIN
    INSERT INTO notes_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER notes_fts_ad AFTER DELETE ON notes BEGIN
    INSERT INTO notes_fts(notes_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;
CREATE TRIGGER notes_fts_au AFTER UPDATE OF title, text ON notes BEGIN
    INSERT INTO notes_fts(notes_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
    INSERT INTO notes_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;

INSERT INTO skills_fts(skills_fts) VALUES ('rebuild');
INSERT INTO episodes_fts(episodes_fts) VALUES ('rebuild');
INSERT INTO events_fts(events_fts) VALUES ('rebuild');
INSERT INTO notes_fts(notes_fts) VALUES ('rebuild');
"""

# Text with CJK (radicals to unified ideographs incl. kana; Hangul; compatibility ideographs).
CJK_GLOB = "*[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]*"


def _long(expr: str, ascii_check: bool = False) -> str:
    """A long text column in the trigram index only when it contains CJK (see module doc).

    With ``ascii_check`` the GLOB (which costs ~18 us per 700 characters: it retries
    the character class at every position) runs only on text that is not pure ASCII
    (``octet_length > length``, a plain byte scan): same result, 20 times faster on
    the usual ASCII text. Used by the v4 step and the bulk index SQL; the v3 triggers
    keep their released text.
    """
    check = f"octet_length({expr}) > length({expr}) AND " if ascii_check else ""
    return (
        f"CASE WHEN {check}{expr} GLOB '{CJK_GLOB}' THEN ' ' || substr({expr}, 1, {TRIGRAM_CHARS}) ELSE '' END"
    )


def _trigram_text(ascii_check: bool) -> dict[str, str]:
    # v5 checks only the indexed part of a note's text for CJK (see NOTE_INDEX_CHARS).
    notes_text = f"substr({{r}}.text, 1, {NOTE_INDEX_CHARS})" if ascii_check else "{r}.text"
    return {
        "skills": "coalesce({r}.name, '') || ' ' || coalesce({r}.description, '') || ' ' || coalesce({r}.tags, '')",
        "episodes": f"substr(coalesce({{r}}.task, ''), 1, {TRIGRAM_CHARS})",
        "events": "coalesce({r}.tool_name, '')" + " || " + _long("coalesce({r}.result, '')", ascii_check),
        "notes": "coalesce({r}.title, '')" + " || " + _long(notes_text, ascii_check),
    }


# What the trigram index holds for each kind (an SQL expression over new./old.), as
# released in v3, and the same values computed faster (for v4 and the bulk paths).
TRIGRAM_TEXT = _trigram_text(ascii_check=False)
TRIGRAM_TEXT_FAST = _trigram_text(ascii_check=True)
TRIGRAM_SOURCES = (  # table, rowid column, kind code, columns that feed it
    ("skills", "id", TRI_SKILL, "name, description, tags"),
    ("episodes", "rid", TRI_EPISODE, "task"),
    ("events", "id", TRI_EVENT, "tool_name, result"),
    ("notes", "id", TRI_NOTE, "title, text"),
)


def _trigram_step() -> str:
    parts = [
        "CREATE VIRTUAL TABLE trigram_fts USING fts5(text, content='', contentless_delete=1,"
        " tokenize='trigram remove_diacritics 1', detail='none');"
    ]
    for table, key, code, columns in TRIGRAM_SOURCES:
        parts.append(_trigram_triggers(table, key, code, columns, TRIGRAM_TEXT[table]))
    parts.append(trigram_fill_sql())
    return "\n".join(parts)


def _trigram_triggers(table: str, key: str, code: int, columns: str, text: str) -> str:
    """The triggers that keep one table's rows in the trigram index (``text``: over {r})."""
    new = text.format(r="new")
    when = f" WHEN {NOT_BULK}" if table == "notes" else ""
    return f"""
CREATE TRIGGER {table}_tri_ai AFTER INSERT ON {table}{when} BEGIN
    INSERT INTO trigram_fts(rowid, text) VALUES (new.{key} * 4 + {code}, {new});
END;
CREATE TRIGGER {table}_tri_ad AFTER DELETE ON {table} BEGIN
    DELETE FROM trigram_fts WHERE rowid = old.{key} * 4 + {code};
END;
CREATE TRIGGER {table}_tri_au AFTER UPDATE OF {columns} ON {table} BEGIN
    DELETE FROM trigram_fts WHERE rowid = old.{key} * 4 + {code};
    INSERT INTO trigram_fts(rowid, text) VALUES (new.{key} * 4 + {code}, {new});
END;"""


def trigram_fill_sql(fast: bool = False) -> str:
    """SQL that (re)fills the trigram index from the tables (after a delete-all).

    ``fast`` computes the same values with :data:`TRIGRAM_TEXT_FAST` (v3 keeps the
    released text).
    """
    texts = TRIGRAM_TEXT_FAST if fast else TRIGRAM_TEXT
    return "\n".join(
        f"INSERT INTO trigram_fts(rowid, text) SELECT {key} * 4 + {code}, "
        f"{texts[table].format(r=table)} FROM {table};"
        for table, key, code, _ in TRIGRAM_SOURCES
    )


# The indexed part of a note's text (an SQL expression over the row alias {r}): never
# reads a long note's whole text (see v5).
NOTE_INDEXED_TEXT = "coalesce((SELECT head FROM note_heads WHERE id = {r}.id), {r}.text)"

# The heads of the long notes (see v5), for every note or those matching ``where``.
NOTE_HEADS_FILL_SQL = (
    f"INSERT INTO note_heads(id, head) SELECT id, substr(text, 1, {NOTE_INDEX_CHARS}) FROM notes"
    f" WHERE length(text) > {NOTE_INDEX_CHARS}{{where}};"
)

# Index the notes with id > :last (after a bulk insert with the triggers idle).
NOTES_BULK_INDEX_SQL = (
    NOTE_HEADS_FILL_SQL.format(where=" AND id > :last")
    + "INSERT INTO notes_fts(rowid, title, text) SELECT id, title, text FROM notes_fts_src WHERE id > :last;"
    f"INSERT INTO trigram_fts(rowid, text) SELECT id * 4 + {TRI_NOTE}, "
    + TRIGRAM_TEXT_FAST["notes"].format(r="notes")
    + " FROM notes WHERE id > :last;"
)

# Index the events with id > :last (Store.add_events, same technique as the notes).
EVENTS_BULK_INDEX_SQL = (
    "INSERT INTO events_fts(rowid, tool_name, arguments, result)"
    " SELECT id, tool_name, arguments, result FROM events_fts_src WHERE id > :last;"
    f"INSERT INTO trigram_fts(rowid, text) SELECT id * 4 + {TRI_EVENT}, "
    + TRIGRAM_TEXT_FAST["events"].format(r="events")
    + " FROM events WHERE id > :last;"
)


_V3_TRIGRAM_AND_FEEDBACK = (
    _trigram_step()
    + """
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    episode_id TEXT,
    skill_id TEXT,
    rating INTEGER,
    comment TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX feedback_skill ON feedback(skill_id);
"""
)

# v4: the event insert triggers idle while index_control.bulk = 1 (Store.add_events),
# exactly as the note triggers have been since v2/v3. Same values as before (the
# trigram one computed with the ASCII pre-check).
_V4_EVENTS_BULK = f"""
DROP TRIGGER events_fts_ai;
CREATE TRIGGER events_fts_ai AFTER INSERT ON events WHEN {NOT_BULK} BEGIN
    INSERT INTO events_fts(rowid, tool_name, arguments, result)
    VALUES (new.id, new.tool_name, substr(new.arguments, 1, {EVENT_INDEX_CHARS}),
            substr(new.result, 1, {EVENT_INDEX_CHARS}));
END;
DROP TRIGGER events_tri_ai;
CREATE TRIGGER events_tri_ai AFTER INSERT ON events WHEN {NOT_BULK} BEGIN
    INSERT INTO trigram_fts(rowid, text) VALUES (new.id * 4 + {TRI_EVENT}, {TRIGRAM_TEXT_FAST["events"].format(r="new")});
END;
"""

_NOTE_CUT = "substr({r}.text, 1, %d)" % NOTE_INDEX_CHARS
_NOTE_HEAD_INSERT = (
    f"INSERT INTO note_heads(id, head) SELECT new.id, {_NOTE_CUT.format(r='new')}"
    f" WHERE length(new.text) > {NOTE_INDEX_CHARS};"
)

# v5: every word index is rebuilt with the tokenizer that keeps symbols (WORD_TOKENIZER);
# the note index holds the first NOTE_INDEX_CHARS characters of a note's text (the
# table keeps it whole), read through the view ``notes_fts_src``. For a longer note
# those characters are also kept in ``note_heads``, so neither the index nor a snippet
# ever reads the whole text (taking the start of a 50 MB value reads all of it, ~0.1 s).
# The notes table is rebuilt with its text last, so reading a note's other columns (its
# time, for every ranked row) never walks the overflow pages of a long text. Notes
# get a ``content_hash`` (sha256 of kind, title and text: `memory import` skips
# notes already present); rows from before v5 get it when an import first needs it
# (``Store.add_notes(..., skip_present=True)``).
_V5_NOTES_CUT = f"""
DROP TABLE notes_fts;
CREATE TABLE notes_v5 (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT 'note',
    title TEXT,
    created_at REAL NOT NULL,
    source TEXT,
    content_hash TEXT,
    text TEXT NOT NULL
);
INSERT INTO notes_v5(id, kind, title, created_at, source, text)
    SELECT id, kind, title, created_at, source, text FROM notes ORDER BY id;
DROP TABLE notes;
ALTER TABLE notes_v5 RENAME TO notes;
CREATE INDEX notes_created ON notes(created_at);
CREATE INDEX notes_hash ON notes(content_hash);
CREATE TABLE note_heads (id INTEGER PRIMARY KEY, head TEXT NOT NULL);
{NOTE_HEADS_FILL_SQL.format(where="")}
CREATE VIEW notes_fts_src AS
    SELECT n.id, n.title, coalesce(h.head, n.text) AS text FROM notes n LEFT JOIN note_heads h ON h.id = n.id;
CREATE VIRTUAL TABLE notes_fts USING fts5(
    title, text,
    content='notes_fts_src', content_rowid='id', tokenize="{WORD_TOKENIZER_SQL}");
DROP TABLE skills_fts;
CREATE VIRTUAL TABLE skills_fts USING fts5(
    name, description, tags, body,
    content='skills', content_rowid='id', tokenize="{WORD_TOKENIZER_SQL}");
INSERT INTO skills_fts(skills_fts) VALUES ('rebuild');
DROP TABLE episodes_fts;
CREATE VIRTUAL TABLE episodes_fts USING fts5(
    task, answer,
    content='episodes', content_rowid='rid', tokenize="{WORD_TOKENIZER_SQL}");
INSERT INTO episodes_fts(episodes_fts) VALUES ('rebuild');
DROP TABLE events_fts;
CREATE VIRTUAL TABLE events_fts USING fts5(
    tool_name, arguments, result,
    content='events_fts_src', content_rowid='id', tokenize="{WORD_TOKENIZER_SQL}");
INSERT INTO events_fts(events_fts) VALUES ('rebuild');
CREATE TRIGGER notes_fts_ai AFTER INSERT ON notes WHEN {NOT_BULK} BEGIN
    {_NOTE_HEAD_INSERT}
    INSERT INTO notes_fts(rowid, title, text) VALUES (new.id, new.title, {_NOTE_CUT.format(r="new")});
END;
CREATE TRIGGER notes_fts_ad AFTER DELETE ON notes BEGIN
    INSERT INTO notes_fts(notes_fts, rowid, title, text) VALUES ('delete', old.id, old.title, {_NOTE_CUT.format(r="old")});
    DELETE FROM note_heads WHERE id = old.id;
END;
CREATE TRIGGER notes_fts_au AFTER UPDATE OF title, text ON notes BEGIN
    INSERT INTO notes_fts(notes_fts, rowid, title, text) VALUES ('delete', old.id, old.title, {_NOTE_CUT.format(r="old")});
    DELETE FROM note_heads WHERE id = old.id;
    {_NOTE_HEAD_INSERT}
    INSERT INTO notes_fts(rowid, title, text) VALUES (new.id, new.title, {_NOTE_CUT.format(r="new")});
END;
INSERT INTO notes_fts(notes_fts) VALUES ('rebuild');
{_trigram_triggers("notes", "id", TRI_NOTE, "title, text", TRIGRAM_TEXT_FAST["notes"])}
"""

# v6: an episode belongs to a session (a conversation: one episode per user message).
_V6_SESSIONS = """
ALTER TABLE episodes ADD COLUMN session_id TEXT;
CREATE INDEX episodes_session ON episodes(session_id, started_at);
"""

# v7: ratings and corrections (issue 16) in the v3 ``feedback`` table, which nothing
# wrote before: ``kind`` "rating" (``rating`` 1-5: good is 5, bad is 1; ``value`` as
# given: "good", "bad", "1".."5"; ``comment`` the note) or "correction" (``rejected``
# the original, ``chosen`` what should have been). ``turn``: the model turn (the
# step of its turn_finished event); NULL is the whole episode / its final answer.
# ``event_seq``: a tool step marked wrong (the seq of its tool_call event). A rating
# of the same episode and turn replaces the earlier one (core/feedback). The view
# ``episode_ratings`` gives each rated episode one rating: its whole-episode rating,
# else its lowest turn rating.
_V7_FEEDBACK = """
ALTER TABLE feedback ADD COLUMN kind TEXT NOT NULL DEFAULT 'rating';
ALTER TABLE feedback ADD COLUMN turn INTEGER;
ALTER TABLE feedback ADD COLUMN event_seq INTEGER;
ALTER TABLE feedback ADD COLUMN value TEXT;
ALTER TABLE feedback ADD COLUMN rejected TEXT;
ALTER TABLE feedback ADD COLUMN chosen TEXT;
CREATE INDEX feedback_episode ON feedback(episode_id, kind);
CREATE VIEW episode_ratings AS
    SELECT episode_id, coalesce(max(CASE WHEN turn IS NULL THEN rating END), min(rating)) AS rating
    FROM feedback WHERE kind = 'rating' AND episode_id IS NOT NULL AND rating IS NOT NULL GROUP BY episode_id;
"""

# v8: episodes mirrored from a Hermes Agent home's
# state.db (core/hermes/mirror.py). ``source`` is "hermes" for them (NULL for the workbench's
# own), ``platform`` Hermes's session source (cli, telegram, ...), ``extra`` a JSON object
# (cache and reasoning tokens, end reason, the sessions of a compression chain).
# ``hermes_sessions`` keeps what was mirrored of each Hermes session (its row's signature and
# the conversation it belongs to); ``hermes_marks`` the high-water marks of the last look.
_V8_HERMES_MIRROR = """
ALTER TABLE episodes ADD COLUMN source TEXT;
ALTER TABLE episodes ADD COLUMN platform TEXT;
ALTER TABLE episodes ADD COLUMN title TEXT;
ALTER TABLE episodes ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
ALTER TABLE episodes ADD COLUMN message_count INTEGER;
ALTER TABLE episodes ADD COLUMN tool_call_count INTEGER;
ALTER TABLE episodes ADD COLUMN extra TEXT;
CREATE INDEX episodes_source ON episodes(source, started_at);
CREATE TABLE hermes_sessions (
    session_id TEXT PRIMARY KEY,
    conversation TEXT NOT NULL,
    signature TEXT NOT NULL
);
CREATE TABLE hermes_marks (key TEXT PRIMARY KEY, value TEXT);
"""

# v9: ``skills.folder_stamp``, the stamp (names, sizes, mtimes) of a skill folder's files
# besides SKILL.md when they were last scanned: a full sync sees a support file change
# (core/skills/library.py). NULL until the next sync scans the folder.
_V9_FOLDER_STAMP = """
ALTER TABLE skills ADD COLUMN folder_stamp TEXT;
"""

MIGRATIONS: list[str] = [_V1_TABLES, _V2_WORD_INDEXES, _V3_TRIGRAM_AND_FEEDBACK, _V4_EVENTS_BULK, _V5_NOTES_CUT,
    _V6_SESSIONS, _V7_FEEDBACK, _V8_HERMES_MIRROR, _V9_FOLDER_STAMP]
SCHEMA_VERSION = len(MIGRATIONS)

WORD_FTS_TABLES = ("skills_fts", "episodes_fts", "events_fts", "notes_fts")
ALL_FTS_TABLES = (*WORD_FTS_TABLES, "trigram_fts")
