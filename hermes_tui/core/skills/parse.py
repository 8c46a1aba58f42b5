"""Lenient loading of ``SKILL.md`` files (the Agent Skills format).

Loading follows the spec's advice to clients: accept what can be understood and
say what was odd. Every oddity becomes a warning on the :class:`Skill`, written as
``"field: message"`` (one line), and :func:`load_skill` never raises: a file that
cannot be read at all gives a :class:`LoadError` with a one-line reason.

Decisions where real files are ambiguous:

* The text is decoded as UTF-8; invalid bytes are replaced (warning). A UTF-16
  byte order mark is honoured; NUL bytes otherwise mean a binary file (LoadError).
* A UTF-8 BOM, CRLF line endings and blank lines before the opening ``---`` are
  accepted with a warning. ``Skill.text`` keeps the decoded file exactly (so
  ``content_hash`` is the hash of what is on disk); ``Skill.body`` uses ``\\n``.
* Frontmatter is the YAML between an opening ``---`` line and the next ``---``
  line; later ``---`` lines are Markdown rules and stay in the body.
* Frontmatter that is never closed: the leading ``key: value`` lines (with their
  indented continuation lines) are read as frontmatter and the rest is the body.
  The same reading is tried when a closed block is not YAML but its leading
  ``key: value`` lines are (an unclosed block followed by a ``---`` rule).
* Invalid YAML is re-read with risky plain values quoted (``description: Use
  when: x``); failing that, only top-level ``key: value`` lines are read.
* No frontmatter: the name is the folder's name and the description is empty
  (the skill loads but is not ``usable``); the first paragraph is *not* guessed.
* Frontmatter over 64 KiB, or YAML whose aliases expand to more than 100,000
  nodes (an alias bomb), is ignored with a warning. YAML is read with the safe loader.
* A number, date or bool where text belongs (name, description, license,
  compatibility) is turned back into the text written in the file, with a warning.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from hermes_tui.core.fsutil import os_error_reason
from hermes_tui.core.skills.model import LoadError, Skill, content_hash
from hermes_tui.errors import one_line

CANONICAL_NAME = "SKILL.md"
MAX_FILE_BYTES = 10 * 1024 * 1024  # a SKILL.md larger than this is refused
MAX_FRONTMATTER_CHARS = 64 * 1024
MAX_YAML_NODES = 100_000  # guard against alias bombs ("billion laughs")
MAX_SUPPORT_FILES = 300
SKIPPED_DIRS = frozenset({"__pycache__", "node_modules"})
# Fields the Agent Skills specification defines; everything else goes to ``extra``.
SPEC_FIELDS = ("name", "description", "license", "compatibility", "metadata", "allowed-tools")
TEXT_FIELDS = ("name", "description", "license", "compatibility")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")

# Load warnings that only restate a check validation makes (as an error):
# (field, start of message). ``validate_skill`` leaves these out.
RESTATED_BY_VALIDATION = (
    ("name", "missing"),
    ("name", "differs from its folder"),
    ("description", "missing"),
    ("description", "empty"),
)

_YAML = YAMLHandler()
_OPEN_RE = re.compile(r"^---[ \t]*$")
# (Greedy value groups, stripped by the callers: no backtracking on long lines.)
_TOP_KEY_RE = re.compile(r"^(?P<key>[A-Za-z0-9_][\w.\-]*)[ \t]*:(?:[ \t]+(?P<value>.*))?$")
_KEY_VALUE_RE = re.compile(
    r"^(?P<lead>[ \t]*(?:-[ \t]+)?[A-Za-z0-9_][\w.\-]*[ \t]*:[ \t]+)(?P<value>\S.*)$"
)
_HEADING_RE = re.compile(r"^#{1,6}[ \t]+\S")
_BLOCK_RE = re.compile(r"^[|>][+-]?[0-9]?[+-]?$")


class BinarySkillFile(ValueError):
    """Raised by :func:`decode_skill_bytes` for data that is not text."""


# -- public API ------------------------------------------------------------------------


def is_skill_filename(name: str) -> bool:
    """True for ``SKILL.md`` and its case variants (``skill.md``, ``Skill.md`` ...)."""
    return name.lower() == "skill.md"


def pick_skill_file(names: list[str]) -> str | None:
    """The skill file among a folder's file names: ``SKILL.md`` first, else the first variant."""
    variants = sorted(n for n in names if is_skill_filename(n))
    if not variants:
        return None
    return CANONICAL_NAME if CANONICAL_NAME in variants else variants[0]


def find_skill_file(folder: Path) -> Path | None:
    """The skill file inside ``folder``, or None (also when the folder cannot be listed)."""
    try:
        names = [e.name for e in os.scandir(folder) if e.is_file()]
    except OSError:
        return None
    chosen = pick_skill_file(names)
    return folder / chosen if chosen else None


def skill_location(folder: Path, root: Path | None) -> tuple[str, str | None]:
    """``(skill_id, category)`` of a skill folder under a library root.

    ``skill_id`` is the folder relative to ``root`` (posix); ``category`` the folders
    between them (None at top level). Without a root, or outside it, the id is the
    folder's name.
    """
    if root is None:
        return folder.name, None
    try:
        rel = Path(os.path.abspath(folder)).relative_to(os.path.abspath(root))
    except ValueError:
        return folder.name, None
    if not rel.parts:
        return folder.name, None
    return "/".join(rel.parts), "/".join(rel.parts[:-1]) or None


def list_support_files(folder: Path, skill_file: Path | None = None, limit: int = MAX_SUPPORT_FILES) -> tuple[list[str], bool]:
    """Relative posix paths of the files in a skill folder other than its SKILL.md.

    Hidden files and folders, ``__pycache__`` and ``node_modules`` are skipped; links
    are not followed into folders. Returns ``(paths, cut)``; ``cut`` is True when
    there were more than ``limit`` files.
    """
    found: list[str] = []
    skip = skill_file.name if skill_file is not None else None
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS)
        rel_dir = Path(dirpath).relative_to(folder)
        for name in sorted(filenames):
            if name.startswith(".") or (not rel_dir.parts and name == skip):
                continue
            found.append((rel_dir / name).as_posix())
            if len(found) > limit:
                return sorted(found[:limit]), True
    return sorted(found), False


def decode_skill_bytes(data: bytes) -> tuple[str, list[str]]:
    """Decode a SKILL.md's bytes: ``(text, warnings)``. UTF-8, with bad bytes replaced
    (warning); UTF-16 when it starts with its byte order mark. Raises
    :class:`BinarySkillFile` for data with NUL bytes."""
    warnings: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise BinarySkillFile from None
        return text.lstrip("\ufeff"), ["file: encoded as UTF-16; read as such (the spec expects UTF-8)"]
    if b"\x00" in data:
        raise BinarySkillFile
    try:
        return data.decode("utf-8"), warnings
    except UnicodeDecodeError as exc:
        warnings.append(
            f"file: not valid UTF-8 (first bad byte at offset {exc.start}); bad bytes replaced with U+FFFD"
        )
        return data.decode("utf-8", errors="replace"), warnings


def load_skill(path: Path, root: Path | None = None) -> Skill | LoadError:
    """Load one skill from its SKILL.md (or its folder). Never raises.

    ``root`` is the library root the ``skill_id`` and ``category`` are relative to.
    """
    path = Path(path)
    if path.is_dir():
        found = find_skill_file(path)
        if found is None:
            return LoadError(path, f"no SKILL.md in folder {path}", skill_location(path, root)[0])
        path = found
    skill_id = skill_location(path.parent, root)[0]
    try:
        size = path.stat().st_size
        if not path.is_file():
            return LoadError(path, f"not a regular file: {path}", skill_id)
        if size > MAX_FILE_BYTES:
            return LoadError(path, f"file too large ({size:,} bytes; the limit is {MAX_FILE_BYTES:,}): {path}", skill_id)
        data = path.read_bytes()
    except OSError as exc:
        return LoadError(path, f"cannot read {path}: {os_error_reason(exc)}", skill_id)
    try:
        text, warnings = decode_skill_bytes(data)
    except BinarySkillFile:
        return LoadError(path, f"binary file (contains NUL bytes), not a SKILL.md: {path}", skill_id)
    try:
        skill = parse_skill_text(text, path=path, root=root)
        files, cut = list_support_files(skill.folder, path)
    except Exception as exc:  # last resort: loading must never raise
        return LoadError(path, f"cannot parse {path}: {one_line(exc)[:200]}", skill_id)
    skill.support_files = files
    if cut:
        warnings.append(f"files: more than {MAX_SUPPORT_FILES} support files; the list is cut")
    skill.warnings[:0] = warnings
    return skill


def parse_skill_text(text: str, *, path: Path, root: Path | None = None) -> Skill:
    """Parse the text of a SKILL.md at ``path`` (no disk access; ``support_files`` stays empty).

    Lenient: every oddity becomes a warning; only a bug could make it raise.
    """
    path = Path(path)
    folder = path.parent
    warnings: list[str] = []
    if path.name != CANONICAL_NAME:
        warnings.append(f"file: named {path.name!r}; the spec names it {CANONICAL_NAME!r}")
    src = text
    if src.startswith("\ufeff"):
        src = src[1:]
        warnings.append("file: starts with a UTF-8 byte order mark")
    if "\r" in src:
        warnings.append("file: CRLF line endings" if "\r\n" in src else "file: CR line endings")
        src = src.replace("\r\n", "\n").replace("\r", "\n")

    fm, fm_text, body = _read_frontmatter(src, warnings)
    skill_id, category = skill_location(folder, root)

    fields: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        fields[key] = _text_field(fm, fm_text, key, warnings)

    name = (fields["name"] or "").strip()
    if not name:
        name = folder.name
        warnings.append(f"name: missing; using the folder name {name!r}")
    elif unicodedata.normalize("NFKC", name) != unicodedata.normalize("NFKC", folder.name):
        warnings.append(f"name: differs from its folder ({name!r} in folder {folder.name!r})")
    description = (fields["description"] or "").strip()
    if not description:
        reason = "missing" if fm.get("description") is None else "empty"
        warnings.append(f"description: {reason}; the skill cannot be offered to the agent")
    for key, value in (("name", name), ("description", description)):
        hidden = sorted({f"U+{ord(c):04X}" for c in value if c in ZERO_WIDTH})
        if hidden:
            warnings.append(f"{key}: contains zero-width characters ({', '.join(hidden)})")

    metadata = fm.get("metadata")
    if metadata is None:
        metadata = {}
    elif not isinstance(metadata, dict):
        warnings.append(f"metadata: is a {yaml_type_name(metadata)}, not a map; ignored")
        metadata = {}

    allowed_tools = _allowed_tools(fm.get("allowed-tools"), warnings)
    if not body.strip():
        warnings.append("body: empty (the skill has no instructions)")

    return Skill(
        name=name,
        description=description,
        body=body,
        folder=folder,
        path=path,
        skill_id=skill_id,
        category=category,
        license=fields["license"],
        compatibility=fields["compatibility"],
        metadata=metadata,
        allowed_tools=allowed_tools,
        extra={k: v for k, v in fm.items() if k not in SPEC_FIELDS},
        frontmatter=fm,
        text=text,
        content_hash=content_hash(text),
        warnings=warnings,
    )


# -- frontmatter -----------------------------------------------------------------------


def _read_frontmatter(src: str, warnings: list[str]) -> tuple[dict[str, Any], str, str]:
    """Split ``src`` (``\\n`` newlines) into the frontmatter map, the YAML text it was
    read from, and the body."""
    lines = src.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or not _OPEN_RE.match(lines[start]):
        warnings.append("frontmatter: none (the file does not start with ---)")
        return {}, "", src.strip("\n")
    if start:
        warnings.append(f"frontmatter: {start} blank line(s) before the opening ---")
    first = start + 1  # index of the first frontmatter line
    close = next((i for i in range(first, len(lines)) if _OPEN_RE.match(lines[i])), None)

    if close is None:
        count = _leading_key_lines(lines[first:])
        warnings.append(
            "frontmatter: never closed with ---; read the leading key: value lines as frontmatter"
            " and the rest as the body"
        )
        fm_lines, body_lines = lines[first : first + count], lines[first + count :]
        data, fm_text = _parse_yaml_lines(fm_lines, first, warnings)
        return data or {}, fm_text, "\n".join(body_lines).strip("\n")

    fm_lines, body_lines = lines[first:close], lines[close + 1 :]
    local: list[str] = []
    data, fm_text = _parse_yaml_lines(fm_lines, first, local, fallback=False)
    count = _leading_key_lines(fm_lines)
    if data is None or _looks_like_body(fm_lines[count:]):
        # Perhaps an unclosed block whose "closing" line is a rule in the body.
        if 0 < count < len(fm_lines):
            head: list[str] = []
            guess, guess_text = _parse_yaml_lines(fm_lines[:count], first, head, fallback=False)
            if guess is not None and ("name" in guess or "description" in guess):
                warnings.append(
                    "frontmatter: never closed with ---; read the leading key: value lines as"
                    f" frontmatter (the --- on line {close + 1} is a rule in the body)"
                )
                warnings.extend(head)
                body = "\n".join(fm_lines[count:] + lines[close:])
                return guess, guess_text, body.strip("\n")
    if data is None:
        local = []
        data, fm_text = _parse_yaml_lines(fm_lines, first, local, fallback=True)
    warnings.extend(local)
    return data or {}, fm_text, "\n".join(body_lines).strip("\n")


def _parse_yaml_lines(
    fm_lines: list[str], offset: int, warnings: list[str], *, fallback: bool = True
) -> tuple[dict[str, Any] | None, str]:
    """Read frontmatter lines as YAML, leniently: ``(map, text read)``. The map is None
    only when ``fallback`` is False and the YAML could not be read even with risky
    values quoted."""
    fm_text = "\n".join(fm_lines)
    if len(fm_text) > MAX_FRONTMATTER_CHARS:
        warnings.append(f"frontmatter: larger than {MAX_FRONTMATTER_CHARS // 1024} KiB; ignored")
        return {}, ""
    if not fm_text.strip():
        warnings.append("frontmatter: empty")
        return {}, fm_text
    try:
        data = _safe_yaml(fm_text)
    except _YamlProblem as first_error:
        fixed, count = _quote_risky_values(fm_lines)
        data = None
        if count:
            try:
                data = _safe_yaml("\n".join(fixed))
                fm_text = "\n".join(fixed)
                warnings.append(
                    f"frontmatter: invalid YAML ({first_error.describe(offset)});"
                    f" read again with {count} value(s) quoted"
                )
            except _YamlProblem:
                data = None
        if data is None:
            if not fallback:
                return None, fm_text
            warnings.append(
                f"frontmatter: invalid YAML ({first_error.describe(offset)});"
                " only its top-level key: value lines were read"
            )
            return _scan_key_values(fm_lines), fm_text
    if data is None:
        warnings.append("frontmatter: empty")
        return {}, fm_text
    if not isinstance(data, dict):
        warnings.append(f"frontmatter: is a {yaml_type_name(data)}, not a map; ignored")
        return {}, fm_text
    result: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            warnings.append(f"frontmatter: key {key!r} is a {yaml_type_name(key)}; read as text")
            key = _raw_key(fm_text, key)
        result[key] = value
    return result, fm_text


class _YamlProblem(Exception):
    def __init__(self, problem: str, line: int | None):
        super().__init__(problem)
        self.problem = problem
        self.line = line

    def describe(self, offset: int) -> str:
        where = f" at line {self.line + offset + 1}" if self.line is not None else ""
        return f"{self.problem}{where}"


def _safe_yaml(text: str) -> Any:
    """YAML with the safe loader; alias bombs and deep nesting become a _YamlProblem."""
    try:
        data = _YAML.load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = one_line(exc.problem or exc.context or "invalid YAML")
        raise _YamlProblem(problem, mark.line if mark is not None else None) from None
    except yaml.YAMLError as exc:
        raise _YamlProblem(one_line(str(exc))[:120], None) from None
    except RecursionError:
        raise _YamlProblem("nested too deeply", None) from None
    if _count_nodes(data, MAX_YAML_NODES) > MAX_YAML_NODES:
        raise _YamlProblem(f"its aliases expand to over {MAX_YAML_NODES:,} values", None)
    return data


def _count_nodes(data: Any, limit: int) -> int:
    """Count values reachable from ``data`` (shared ones each time), stopping past ``limit``."""
    count = 0
    stack = [data]
    while stack:
        item = stack.pop()
        count += 1
        if count > limit:
            break
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set)):
            stack.extend(item)
    return count


def _leading_key_lines(lines: list[str]) -> int:
    """How many leading lines look like YAML frontmatter: top-level ``key:`` lines with
    their indented or list continuation lines; blank lines count when the next text
    line continues the block (or, before any text, is a ``key:`` line)."""
    count = 0
    seen_text = False
    while count < len(lines):
        line = lines[count]
        if _TOP_KEY_RE.match(line) or (line[:1] in (" ", "\t") and line.strip()) or line.startswith("- "):
            count += 1
            seen_text = True
            continue
        if line.strip():
            break
        nxt = count + 1
        while nxt < len(lines) and not lines[nxt].strip():
            nxt += 1
        following = lines[nxt] if nxt < len(lines) else ""
        if (seen_text and following[:1] in (" ", "\t")) or (not seen_text and _TOP_KEY_RE.match(following)):
            count = nxt  # the whole run of blank lines
            continue
        break
    return count


def _looks_like_body(lines: list[str]) -> bool:
    """True when the lines after a block's leading ``key:`` lines read as Markdown: they
    start with a heading and hold no further ``key:`` line (YAML would take the
    heading for a comment and silently drop the text)."""
    text_lines = [line for line in lines if line.strip()]
    if not text_lines or not _HEADING_RE.match(text_lines[0]):
        return False
    return not any(_TOP_KEY_RE.match(line) for line in text_lines)


def _quote_risky_values(lines: list[str]) -> tuple[list[str], int]:
    """Quote plain ``key: value`` values that YAML cannot read (``: `` inside, or a
    leading ``@``, backtick, ``%`` or ``*``). Lines in block scalars are left alone."""
    out: list[str] = []
    changed = 0
    block_indent: int | None = None
    for line in lines:
        indent = len(line) - len(line.lstrip(" \t"))
        if block_indent is not None:
            if not line.strip() or indent > block_indent:
                out.append(line)
                continue
            block_indent = None
        match = _KEY_VALUE_RE.match(line)
        if match is None:
            out.append(line)
            continue
        value = match.group("value").rstrip()
        if _BLOCK_RE.match(value):
            block_indent = indent
            out.append(line)
            continue
        risky = value[0] not in "\"'[{|>&!" and (
            ": " in value or value.endswith(":") or value[0] in "@`%*"
        )
        if risky:
            escaped = value.replace("\\", "\\\\").replace('"', '\\"')
            out.append(f'{match.group("lead")}"{escaped}"')
            changed += 1
        else:
            out.append(line)
    return out, changed


def _scan_key_values(lines: list[str]) -> dict[str, Any]:
    """Last resort for broken YAML: top-level ``key: value`` lines as text (block
    scalars joined from their indented lines)."""
    result: dict[str, Any] = {}
    key: str | None = None
    block: list[str] = []
    folded = False

    def finish() -> None:
        if key is not None and block:
            result[key] = (" " if folded else "\n").join(block).strip()

    for line in lines:
        match = _TOP_KEY_RE.match(line)
        if match:
            finish()
            key, block = match.group("key"), []
            value = (match.group("value") or "").strip()
            if _BLOCK_RE.match(value):
                folded = value.startswith(">")
            else:
                key_value = _unquote(value)
                result[key] = key_value if key_value else None
                key = None if key_value else key
                folded = True
        elif key is not None and line[:1] in (" ", "\t"):
            block.append(line.strip())
    finish()
    return result


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    comment = re.search(r"[ \t]#", value)
    return value[: comment.start()].rstrip() if comment else value


def _raw_key(fm_text: str, key: Any) -> str:
    text = str(key).lower() if isinstance(key, bool) else str(key)
    for line in fm_text.split("\n"):
        match = _TOP_KEY_RE.match(line)
        if match and _safe_scalar(match.group("key")) == key:
            return match.group("key")
    return text


def _safe_scalar(text: str) -> Any:
    try:
        return yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return text


# -- fields ----------------------------------------------------------------------------


def _text_field(fm: dict[str, Any], fm_text: str, key: str, warnings: list[str]) -> str | None:
    """A field that must be text. Numbers, dates and bools get their written text back."""
    value = fm.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float, date, datetime)):
        raw = _raw_scalar(fm_text, key)
        text = raw if raw else (value.isoformat() if isinstance(value, (date, datetime)) else str(value))
        warnings.append(f"{key}: read by YAML as a {yaml_type_name(value)}; used as the text {text!r} (quote it)")
        return text
    warnings.append(f"{key}: is a {yaml_type_name(value)}, not text; ignored")
    return None


def _raw_scalar(fm_text: str, key: str) -> str | None:
    """The value of a top-level ``key: value`` line as written."""
    for line in fm_text.split("\n"):
        match = _TOP_KEY_RE.match(line)
        if match and match.group("key") == key and (match.group("value") or "").strip():
            return _unquote(match.group("value"))
    return None


def _allowed_tools(value: Any, warnings: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return split_tools(value)
    if isinstance(value, (list, tuple)):
        tools: list[str] = []
        for item in value:
            if isinstance(item, str):
                tools.extend(split_tools(item))
            elif item is not None:
                tools.append(str(item))
        return tools
    warnings.append(f"allowed-tools: is a {yaml_type_name(value)}, not a list of tools; ignored")
    return []


def split_tools(text: str) -> list[str]:
    """Split an ``allowed-tools`` string on spaces and commas, keeping ``Bash(git add:*)`` whole."""
    tools: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        if depth == 0 and (char.isspace() or char == ","):
            if current:
                tools.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        tools.append("".join(current))
    return tools


def yaml_type_name(value: Any) -> str:
    """A short name for the YAML type of a parsed value ("map", "list", "number", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    return {dict: "map", list: "list", str: "string", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )
