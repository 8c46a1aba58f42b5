"""The optional semantic re-rank of routing: embeddings through litellm's ``embedding()``.

Only used when the user sets ``[search] embedding_model`` (any litellm embedding
model: ``openai/text-embedding-3-small``, ``ollama/nomic-embed-text``, an
OpenAI-compatible endpoint with ``embedding_api_base``). Without it this module is
never imported, litellm is not loaded and nothing is downloaded.

:class:`EmbeddingReranker` reorders the best :data:`routing.RERANK_TOP` matches by
``cosine(task, skill) + LEXICAL_SHARE * lexical score / best lexical score``. A
skill is embedded as its name, description and "When to use" section; its vector is
kept in SQLite (``workbench/embeddings.db``, next to the workbench database) keyed
by the model and the hash of that text, so a skill is embedded again only when it
changes. Routing is best effort: when the endpoint fails (down, slow, refuses the
key) the lexical order is kept and the reason is reported through ``warnings``.
"""

from __future__ import annotations

import hashlib
import math
from array import array
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import apsw

from hermes_tui.core.agent.routing import Match, when_to_use
from hermes_tui.errors import one_line

if TYPE_CHECKING:
    from hermes_tui.core.config import SearchConfig

__all__ = ["EmbeddingReranker", "VectorCache", "skill_text", "LEXICAL_SHARE"]

LEXICAL_SHARE = 0.3  # how much the lexical score still counts next to the cosine
SKILL_TEXT_CHARS = 2000  # the text embedded for a skill is cut here
CACHE_FILE = "embeddings.db"


def skill_text(row: Mapping[str, Any]) -> str:
    """What is embedded for a skill: its name, description and "When to use" section."""
    parts = [f"{row.get('name') or ''}: {row.get('description') or ''}", when_to_use(str(row.get("body") or ""))]
    return "\n".join(p.strip() for p in parts if p.strip())[:SKILL_TEXT_CHARS]


def _key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()


class VectorCache:
    """Vectors in a small SQLite file, keyed by (model, hash of the embedded text).

    A cache only: when the file cannot be opened or written (a read-only home, a busy
    disk) vectors are simply computed again."""

    def __init__(self, conn: apsw.Connection) -> None:
        self.conn = conn

    @classmethod
    def open(cls, path: Path | None) -> "VectorCache | None":
        if path is None:
            return None
        conn = None
        try:
            conn = apsw.Connection(str(path))
            conn.setbusytimeout(2000)
            conn.execute(
                "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, text_hash TEXT NOT NULL,"
                " vector BLOB NOT NULL, PRIMARY KEY (model, text_hash))"
            )
        except apsw.Error:
            if conn is not None:
                conn.close()
            return None
        return cls(conn)

    def get(self, model: str, hashes: Sequence[str]) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        sql = "SELECT vector FROM vectors WHERE model = ? AND text_hash = ?"
        try:
            for text_hash in hashes:
                for (blob,) in self.conn.execute(sql, (model, text_hash)):
                    found[text_hash] = array("f", blob).tolist()
        except apsw.Error:  # unreadable: computed again
            return {}
        return found

    def put(self, model: str, vectors: Mapping[str, Sequence[float]]) -> None:
        try:
            with self.conn:
                for text_hash, vector in vectors.items():
                    self.conn.execute(
                        "INSERT OR REPLACE INTO vectors (model, text_hash, vector) VALUES (?, ?, ?)",
                        (model, text_hash, array("f", vector).tobytes()),
                    )
        except apsw.Error:  # read-only or busy: the vectors are computed again next time
            pass

    def close(self) -> None:
        self.conn.close()


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class EmbeddingReranker:
    """``reranker(task, matches) -> matches`` for :func:`routing.route` (see the module doc)."""

    def __init__(self, store: Any, config: "SearchConfig", rows: Sequence[Mapping[str, Any]]) -> None:
        self.config = config
        self.rows = {str(r["skill_id"]): r for r in rows}
        folder = Path(str(getattr(store, "path", ""))).parent
        self.cache_path = folder / CACHE_FILE if folder.is_dir() else None
        self.warnings: list[str] = []

    def __call__(self, task: str, matches: list[Match]) -> list[Match]:
        if not matches:
            return matches
        try:
            vectors = self._vectors(task, [self.rows[m.skill_id] for m in matches if m.skill_id in self.rows])
        except Exception as exc:  # best effort: any failure keeps the lexical order
            self.warnings.append(f"embedding re-rank skipped ({self.config.embedding_model}): {_one_line(exc)}")
            return matches
        task_vector = vectors[0]
        best = max(m.score for m in matches) or 1.0
        rescored = [
            Match(m.skill_id, _cosine(task_vector, vectors[i + 1]) + LEXICAL_SHARE * m.score / best)
            for i, m in enumerate(matches)
        ]
        return sorted(rescored, key=lambda m: (-m.score, m.skill_id))

    def _vectors(self, task: str, rows: Sequence[Mapping[str, Any]]) -> list[list[float]]:
        """The task's vector, then one per row (cached ones from SQLite, the rest in one request)."""
        model = self.config.embedding_model
        texts = [task] + [skill_text(r) for r in rows]
        hashes = [_key(model, t) for t in texts]
        cache = VectorCache.open(self.cache_path)
        try:
            known = cache.get(model, hashes[1:]) if cache else {}
            missing = [i for i, h in enumerate(hashes) if h not in known]
            fresh = dict(zip((hashes[i] for i in missing), self._embed([texts[i] for i in missing]) if missing else []))
            if cache:
                cache.put(model, {h: v for h, v in fresh.items() if h != hashes[0]})
        finally:
            if cache:
                cache.close()
        return [known.get(h) or fresh[h] for h in hashes]

    def _embed(self, texts: list[str]) -> list[list[float]]:
        from hermes_tui.core.agent.llm import import_litellm

        litellm = import_litellm()
        kwargs: dict[str, Any] = {
            "model": self.config.embedding_model,
            "input": texts,
            "timeout": self.config.embedding_timeout,
            "num_retries": 0,
        }
        if self.config.embedding_api_base:
            kwargs["api_base"] = self.config.embedding_api_base
        if self.config.embedding_api_key:
            kwargs["api_key"] = self.config.embedding_api_key
        response = litellm.embedding(**kwargs)
        data = sorted(response.data, key=lambda d: _field(d, "index"))
        vectors = [list(_field(d, "embedding")) for d in data]
        if len(vectors) != len(texts):
            raise ValueError(f"the endpoint returned {len(vectors)} vectors for {len(texts)} texts")
        return vectors


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, Mapping) else getattr(item, name)


def _one_line(exc: BaseException) -> str:
    from hermes_tui.core.guard.redact import redact

    return (one_line(redact(str(exc))) or type(exc).__name__)[:200]
