"""A deterministic generator of realistic workbench text for benchmarks.

Words are drawn from a Zipfian distribution (exponent ~1.07) over a vocabulary that
starts with the most common English words ("the", "to", "error" are in most
documents), then technical words, generated code identifiers, file paths and a few
CJK words, so a benchmark meets both very common and very rare terms.
"""

from __future__ import annotations

import itertools
import random
from typing import Iterator

COMMON = (
    "the of and to a in is it you that he was for on are with as I his they be at one have this from "
    "or had by not word but what some we can out other were all there when up use your how said an each "
    "she which do their time if will way about many then them write would like so these her long make "
    "thing see him two has look more day could go come did number sound no most people my over know "
    "water than call first who may down side been now find any new work part take get place made live "
    "where after back little only round man year came show every good me give our under name very through "
    "just form sentence great think say help low line differ turn cause much mean before move right boy "
    "old too same tell does set three want air well also play small end put home read hand port large "
    "spell add even land here must big high such follow act why ask men change went light kind off need"
).split()
TECH = (
    "error file test run build server client request response timeout config install package module "
    "function class method value return import export database query index table column row schema "
    "migration commit branch merge deploy docker container image kubernetes pod service port network "
    "socket thread process memory cache latency token model prompt skill agent tool call result output "
    "input stream buffer parse json yaml toml markdown string integer float list dict tuple exception "
    "traceback stack frame debug logging warning info trace metric alert dashboard cluster node replica "
    "shard backup restore snapshot volume mount path directory permission denied failed success retry "
    "async await future promise callback handler event queue worker scheduler cron job pipeline ci lint "
    "format typecheck pytest fixture assert mock coverage benchmark profile optimize refactor rename "
    "delete create update select insert upsert transaction rollback savepoint vacuum analyze explain "
    "sqlite postgres redis kafka nginx apache http https tls certificate ssh key secret env variable "
    "python rust golang typescript javascript node npm pip cargo venv virtualenv poetry conda textual "
    "litellm openai anthropic embedding vector search ranking bm25 fts5 trigram tokenizer unicode utf8"
).split()
CJK = "数据库 错误 文件 测试 服务器 配置 搜索 索引 日本語 検索 エラー 설정 검색 오류 模型 技能 记忆 任务".split()
_PARTS = "get set load save parse build make read write open close find list check run init user data file path conf http sql task skill event note cache".split()


def _identifiers(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        a, b = rng.sample(_PARTS, 2)
        style = rng.random()
        if style < 0.4:
            out.append(f"{a}_{b}")
        elif style < 0.7:
            out.append(f"{a}{b.capitalize()}")
        elif style < 0.85:
            out.append(f"{a}_{b}_{rng.choice(_PARTS)}")
        else:
            out.append(f"src/{a}/{b}.py")
    return out


def _rare(rng: random.Random, n: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(5, 10))) for _ in range(n)]


class TextGen:
    """``TextGen(seed).sentence(n)`` / ``.doc(lo, hi)``: the same text for the same seed."""

    def __init__(self, seed: int = 42, vocab_size: int = 12000, exponent: float = 1.07):
        self.rng = random.Random(seed)
        # Interleave: three common English words, then one technical word.
        mixed = [w for i, c in enumerate(COMMON) for w in ((c, TECH[i // 3]) if i % 3 == 2 and i // 3 < len(TECH) else (c,))]
        vocab = list(dict.fromkeys(mixed + TECH))
        vocab += _identifiers(self.rng, 1500)
        vocab += CJK
        vocab += _rare(self.rng, max(0, vocab_size - len(vocab)))
        # Shuffle the tail lightly so identifiers and CJK are spread over mid ranks.
        head, tail = vocab[:300], vocab[300:]
        self.rng.shuffle(tail)
        self.vocab = head + tail
        weights = [1.0 / (rank**exponent) for rank in range(1, len(self.vocab) + 1)]
        self.cum = list(itertools.accumulate(weights))

    def words(self, n: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cum, k=n)

    def doc(self, lo: int = 15, hi: int = 80) -> str:
        words = self.words(self.rng.randint(lo, hi))
        out: list[str] = []
        for i, word in enumerate(words):
            out.append(word)
            if i % 11 == 10:
                out[-1] += self.rng.choice(".,:;")
        return " ".join(out)

    def title(self) -> str:
        return " ".join(self.words(self.rng.randint(2, 6)))

    def notes(self, n: int, start: float = 1.7e9) -> Iterator[dict]:
        for i in range(n):
            yield {"title": self.title(), "text": self.doc(), "created_at": start + i * 60}
