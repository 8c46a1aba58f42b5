"""Workbench settings: ``config.toml`` in the home, with environment overrides.

Read with tomllib; written atomically. Unknown keys are kept when saving, so a
newer version's settings survive an older one. Environment overrides (they win
over the file, options win over both):

    HERMES_MODEL, HERMES_API_BASE, HERMES_API_KEY
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from typing import Any

from hermes_tui.core.fsutil import atomic_write
from hermes_tui.core.home import Home
from hermes_tui.errors import HermesError


@dataclass
class ModelConfig:
    name: str = ""  # a litellm model string: "openai/gpt-4o-mini", "anthropic/...", "ollama/..."
    api_base: str = ""
    api_key: str = ""  # prefer the provider's own environment variable
    timeout: float = 120.0  # seconds for one request
    max_retries: int = 4  # on rate limits and 5xx
    temperature: float | None = None
    max_tokens: int | None = None


@dataclass
class PromptConfig:
    skills_budget_tokens: int = 1500  # the skills index in the system prompt
    relevant_skills: int = 8  # skills shown with their description


@dataclass
class SearchConfig:
    embedding_model: str = ""  # a litellm embedding model; "" = no semantic re-rank of routing
    embedding_api_base: str = ""  # its OpenAI-compatible endpoint ("" = the provider's default)
    embedding_api_key: str = ""  # better: the provider's own variable
    embedding_timeout: float = 10.0  # seconds for one request; on failure routing keeps its order


@dataclass
class AgentConfig:
    max_steps: int = 30
    tool_timeout: float = 120.0  # seconds, terminal tool
    tool_output_chars: int = 20000  # a tool result is cut past this, with a marker
    approval_timeout: float = 300.0  # no answer in time means deny


@dataclass
class ApprovalConfig:
    always: list[str] = field(default_factory=list)  # approval-rule ids the user allowed for good
    skill_gate: bool = True  # agent skill writes go to workbench/pending/


@dataclass
class LearningConfig:
    enabled: bool = False  # self-learning is off until the user turns it on


@dataclass
class UIConfig:
    theme: str = "hermes-dark"


_SECTIONS = {
    "model": ModelConfig,
    "prompt": PromptConfig,
    "agent": AgentConfig,
    "search": SearchConfig,
    "approvals": ApprovalConfig,
    "learning": LearningConfig,
    "ui": UIConfig,
}


@dataclass
class Config:
    model: ModelConfig = field(default_factory=ModelConfig)
    prompt: PromptConfig = field(default_factory=PromptConfig)
    agent: AgentConfig = field(default_factory=AgentConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    approvals: ApprovalConfig = field(default_factory=ApprovalConfig)
    learning: LearningConfig = field(default_factory=LearningConfig)
    ui: UIConfig = field(default_factory=UIConfig)
    extra: dict[str, Any] = field(default_factory=dict)  # keys we do not know, kept as-is

    # -- loading ----------------------------------------------------------------------
    @classmethod
    def load(cls, home: Home, env: dict[str, str] | None = None) -> "Config":
        env = os.environ if env is None else env
        data: dict[str, Any] = {}
        if home.config_path.exists():
            try:
                data = tomllib.loads(home.config_path.read_text("utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                raise HermesError(f"cannot read {home.config_path}: {exc}") from exc
            except tomllib.TOMLDecodeError as exc:
                raise HermesError(f"{home.config_path} is not valid TOML: {exc}") from exc
        config = cls.from_dict(data)
        config.apply_env(env)
        return config

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Config":
        config = cls()
        for key, value in data.items():
            section_cls = _SECTIONS.get(key)
            if section_cls is None or not isinstance(value, dict):
                config.extra[key] = value
                continue
            section = getattr(config, key)
            known = {f.name: f for f in fields(section_cls)}
            for name, item in value.items():
                if name in known:
                    setattr(section, name, _coerce(item, getattr(section, name), f"{key}.{name}"))
                else:
                    config.extra.setdefault(key, {})[name] = item
        return config

    def apply_env(self, env: dict[str, str]) -> None:
        if env.get("HERMES_MODEL"):
            self.model.name = env["HERMES_MODEL"]
        if env.get("HERMES_API_BASE"):
            self.model.api_base = env["HERMES_API_BASE"]
        if env.get("HERMES_API_KEY"):
            self.model.api_key = env["HERMES_API_KEY"]

    # -- saving -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in _SECTIONS:
            section = getattr(self, key)
            out[key] = {f.name: getattr(section, f.name) for f in fields(section)}
            out[key].update(self.extra.get(key, {}) if isinstance(self.extra.get(key), dict) else {})
        for key, value in self.extra.items():
            if key not in _SECTIONS:
                out[key] = value
        return out

    def save(self, home: Home) -> None:
        """Write config.toml atomically (None values are left out; TOML has no null)."""
        atomic_write(home.config_path, dumps_toml(self.to_dict()))


def _coerce(value: Any, default: Any, where: str) -> Any:
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    elif isinstance(default, int) and isinstance(value, int) and not isinstance(value, bool):
        return value
    elif isinstance(default, str) and isinstance(value, str):
        return value
    elif isinstance(default, list) and isinstance(value, list):
        return value
    raise HermesError(f"config.toml: {where} should be {type(default).__name__}, got {value!r}")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = (
            value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
        )
        escaped = "".join(c if ord(c) >= 0x20 and c != "\x7f" else f"\\u{ord(c):04x}" for c in escaped)
        return f'"{escaped}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items() if v is not None) + "}"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_key(key: str) -> str:
    if key and all(c.isalnum() or c in "-_" for c in key) and key.isascii():
        return key
    return _toml_value(key)


def dumps_toml(data: dict[str, Any]) -> str:
    """A small TOML writer for settings: scalars, lists, and one level of tables."""
    lines: list[str] = []
    tables = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif value is not None:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, table in tables:
        if lines:
            lines.append("")
        lines.append(f"[{_toml_key(key)}]")
        for name, item in table.items():
            if item is not None:
                lines.append(f"{_toml_key(name)} = {_toml_value(item)}")
    return "\n".join(lines) + "\n"
