"""Workbench settings: ``config.toml`` in the home, with environment overrides.

Read with tomllib; written atomically. Unknown keys are kept when saving, so a
newer version's settings survive an older one. ``Config.load(home)`` raises a
one-line HermesError for a broken file (not TOML, not UTF-8, a value of the wrong
type or out of range); ``Config.load(home, problems=[])`` instead keeps going with the
defaults for what is broken and lists the problems, for callers that warn. Environment overrides (they win
over the file, options win over both):

    HERMES_MODEL, HERMES_API_BASE, HERMES_API_KEY
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from typing import Any

from hermes_tui.core.fsutil import atomic_write, os_error_reason
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
class SandboxConfig:
    mode: str = "workspace-write"  # "workspace-write" | "read-only" | "off" (see core/sandbox)
    network: bool = False  # commands may open TCP connections


@dataclass
class LearningConfig:
    enabled: bool = False  # self-learning is off until the user turns it on
    min_successes: int = 3  # a pattern that succeeded this often becomes a skill candidate
    min_tool_calls: int = 5  # ... or one successful episode with this many tool calls
    max_candidates_per_day: int = 5  # new candidates a day (merges into pending ones do not count)
    auto_approve: bool = False  # unattended use: approve the loop's own candidates at once
    stale_days: int = 60  # a skill unused this long is stale
    review_days: int = 90  # review date: this long after a skill was last verified by a successful use


@dataclass
class UIConfig:
    theme: str = "hermes-dark"


# Numbers that have a floor: the smallest value allowed, and whether it is allowed itself.
_FLOORS: dict[str, tuple[float, bool]] = {
    "model.timeout": (0, False),
    "model.max_retries": (0, True),
    "model.temperature": (0, True),
    "model.max_tokens": (1, True),
    "prompt.skills_budget_tokens": (0, True),
    "prompt.relevant_skills": (0, True),
    "agent.max_steps": (1, True),
    "agent.tool_timeout": (0, False),
    "agent.tool_output_chars": (1, True),
    "agent.approval_timeout": (0, False),
    "learning.min_successes": (1, True),
    "learning.min_tool_calls": (1, True),
    "learning.max_candidates_per_day": (0, True),
    "learning.stale_days": (1, True),
    "learning.review_days": (1, True),
}
# Settings that take one of a few words.
_CHOICES: dict[str, tuple[str, ...]] = {"sandbox.mode": ("workspace-write", "read-only", "off")}
# Settings whose default is None: the type a value must have.
_OPTIONAL_TYPES: dict[str, type] = {"model.temperature": float, "model.max_tokens": int}

_SECTIONS = {
    "model": ModelConfig,
    "prompt": PromptConfig,
    "agent": AgentConfig,
    "search": SearchConfig,
    "approvals": ApprovalConfig,
    "sandbox": SandboxConfig,
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
    sandbox: SandboxConfig = field(default_factory=SandboxConfig)
    learning: LearningConfig = field(default_factory=LearningConfig)
    ui: UIConfig = field(default_factory=UIConfig)
    extra: dict[str, Any] = field(default_factory=dict)  # keys we do not know, kept as-is

    # -- loading ----------------------------------------------------------------------
    @classmethod
    def load(cls, home: Home, env: dict[str, str] | None = None, *, problems: list[str] | None = None) -> "Config":
        """config.toml with the environment overrides. A broken file raises HermesError;
        when ``problems`` is a list, each problem is appended to it instead and the
        defaults stand in for what is broken (the whole file when it cannot be read)."""
        env = os.environ if env is None else env
        data: dict[str, Any] = {}
        if home.config_path.exists():
            try:
                data = _read_toml(home.config_path)
            except HermesError as exc:
                if problems is None:
                    raise
                problems.append(exc.message)
        config = cls.from_dict(data, problems=problems)
        config.apply_env(env)
        return config

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, problems: list[str] | None = None) -> "Config":
        """Settings from parsed TOML. A bad value raises HermesError, or with a
        ``problems`` list is recorded there and its default kept."""
        config = cls()
        for key, value in data.items():
            section_cls = _SECTIONS.get(key)
            if section_cls is None or not isinstance(value, dict):
                config.extra[key] = value
                continue
            section = getattr(config, key)
            known = {f.name: f for f in fields(section_cls)}
            for name, item in value.items():
                if name not in known:
                    config.extra.setdefault(key, {})[name] = item
                    continue
                try:
                    setattr(section, name, _checked(item, getattr(section, name), f"{key}.{name}"))
                except HermesError as exc:
                    if problems is None:
                        raise
                    problems.append(exc.message)
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


def _read_toml(path: Any) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except UnicodeDecodeError as exc:
        raise HermesError(f"cannot read {path}: it is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise HermesError(f"cannot read {path}: {os_error_reason(exc)}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise HermesError(f"{path} is not valid TOML: {exc}") from exc


def _checked(value: Any, default: Any, where: str) -> Any:
    """``value`` in the type of ``default``, within its floor; HermesError otherwise."""
    kind = _OPTIONAL_TYPES.get(where)
    value = _coerce(value, kind() if default is None and kind else default, where)
    choices = _CHOICES.get(where)
    if choices is not None and value not in choices:
        raise HermesError(f"config.toml: {where} must be one of {', '.join(choices)}, got {value!r}")
    floor = _FLOORS.get(where)
    if floor is not None and value is not None:
        least, allowed = floor
        if value < least or (value == least and not allowed):
            bound = f"at least {least}" if allowed else f"greater than {least}"
            raise HermesError(f"config.toml: {where} must be {bound}, got {value!r}")
    return value


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
