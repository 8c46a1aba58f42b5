"""Installing and sharing skills: a skill from outside into the pending queue, a skill out as a zip.

``install_skill(source, queue, library)`` takes one skill from SOURCE:

* a local folder (copied as it is; a bare git repository is cloned instead);
* a ``.zip``, ``.tar.gz`` / ``.tgz`` / ``.tar`` file, or an ``http(s)://`` URL to one;
* a git repository: an ``https://`` URL not ending in an archive suffix, ``git+URL``,
  ``ssh://``, ``git://``, ``file://``, ``user@host:path``, or a local bare repository.

A subfolder is chosen with ``SOURCE#PATH`` (``repo.git#skills/docker``) or ``subdir=``.
A source holding several skills and no choice is refused with their paths listed.

Everything lands in a private temporary folder first, checked as it comes: no path
leaves it (``..``, absolute names), no links of any kind, no devices, at most
:attr:`Limits.max_files` files and :attr:`Limits.max_total` bytes, no archive that
expands more than :attr:`Limits.max_ratio` times (zip bombs), no encrypted member.
Downloads are http(s) only, bounded in size and time; git runs ``clone --depth 1``
with hooks, templates, the user's and the system's git config and prompts off, in
its own process group, killed at the time limit. Nothing from the source is run.

The chosen skill (its SKILL.md must parse and validate; ``name=`` renames it) goes
to :meth:`PendingQueue.submit` as one ``install`` change, author "hub": a person
approves it like any other change. Hidden files, ``__pycache__`` and
``node_modules`` are left out (the library does not list them either) and reported.

``export_skill(library, name, out)`` writes a skill folder as a zip that
``install_skill`` takes back (``<name>/SKILL.md`` and its support files).
"""

from __future__ import annotations

import io
import os
import re
import signal
import stat
import subprocess
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterator
from urllib.parse import urlsplit

from hermes_tui.core.fsutil import atomic_write, os_error_reason
from hermes_tui.core.skills.parse import (
    CANONICAL_NAME,
    SKIPPED_DIRS,
    BinarySkillFile,
    decode_skill_bytes,
    is_skill_filename,
    parse_skill_text,
)
from hermes_tui.errors import HermesError, UsageError

ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """What a source may hold. Every limit refuses the whole source, never cuts it."""

    max_archive: int = 20 * 1024 * 1024  # bytes of an archive file or a download
    max_total: int = 50 * 1024 * 1024  # bytes of all files, uncompressed
    max_files: int = 1000
    max_ratio: int = 100  # uncompressed / compressed, above RATIO_FLOOR bytes
    ratio_floor: int = 1024 * 1024  # below this, any ratio (a little text compresses well)
    timeout: float = 60.0  # seconds for a download or a clone


LIMITS = Limits()


@dataclass
class Prepared:
    """One skill read from a source, checked, ready for the gate."""

    name: str
    category: str | None
    content: str  # SKILL.md
    files: list[str]  # support files, relative posix paths
    folder: Path  # where they are now (a temporary folder)
    kind: str  # folder | zip | tar | git (+ "-url" when downloaded)
    subdir: str  # the skill's folder inside the source ("" for its root)
    skipped: list[str] = field(default_factory=list)  # hidden files and tool caches left out


@dataclass
class Installed:
    pending_id: str
    prepared: Prepared
    source: str
    scan: dict[str, Any] | None = None  # the scanner's report of the folder as it will land

    def to_dict(self) -> dict[str, Any]:
        p = self.prepared
        return {
            "pending_id": self.pending_id,
            "name": p.name,
            "category": p.category,
            "skill_id": f"{p.category}/{p.name}" if p.category else p.name,
            "source": self.source,
            "kind": p.kind,
            "subdir": p.subdir,
            "files": p.files,
            "skipped": p.skipped,
            "scan": self.scan,
        }


# -- install ---------------------------------------------------------------------------


def install_skill(
    source: str,
    queue: Any,
    library: Any,
    *,
    name: str | None = None,
    category: str | None = None,
    subdir: str | None = None,
    limits: Limits = LIMITS,
) -> Installed:
    """Read one skill from ``source`` into ``queue`` (a PendingQueue) as an install by "hub"."""
    from hermes_tui.core.gate import SkillChange

    kind, location, fragment = classify_source(source)
    if subdir is not None and fragment is not None and subdir.strip("/") != fragment.strip("/"):
        raise UsageError(f"two subfolders given: #{fragment} and --subdir {subdir}")
    chosen = subdir if subdir is not None else fragment
    inner = ""
    if kind == "folder" and chosen and chosen.strip("/"):  # only the chosen part is read
        from hermes_tui.core.skills.library import safe_join

        inner = "/".join(member_parts(chosen.strip("/")))
        location, chosen = str(safe_join(Path(location), inner)), None
        if not Path(location).is_dir():
            raise HermesError(f"no folder {inner} in {source}")
    with tempfile.TemporaryDirectory(prefix="hermes-install-") as tmp:
        root = stage(kind, location, Path(tmp), limits)
        prepared = prepare(root, chosen, kind=kind, name=name, category=category)
        prepared.subdir = inner or prepared.subdir
        _refuse_collision(prepared, queue, library)
        change = SkillChange(
            op="install",
            skill=prepared.name,
            category=prepared.category,
            content=prepared.content,
            files=prepared.files,
            reason=f"installed from {source}" + (f" ({prepared.subdir})" if prepared.subdir else ""),
            author="hub",
        )
        item = queue.submit(change, files_from=prepared.folder)
    return Installed(pending_id=item.id, prepared=prepared, source=source, scan=item.scan)


def classify_source(source: str) -> tuple[str, str, str | None]:
    """``(kind, location, subfolder or None)``; kind is folder, zip, tar, git, zip-url or tar-url."""
    raw = source.strip()
    if not raw:
        raise UsageError("give a SOURCE: a folder, a .zip or .tar.gz file or URL, or a git repository")
    if os.path.lexists(raw):
        return _local_kind(raw), raw, None
    location, fragment = raw, None
    if "#" in raw:
        location, fragment = raw.rsplit("#", 1)
        fragment = fragment or None
    if location.startswith("git+"):
        return "git", location[4:], fragment
    scheme = urlsplit(location).scheme.lower()
    if scheme in ("http", "https"):
        archive = _archive_kind(urlsplit(location).path)
        return (f"{archive}-url", location, fragment) if archive else ("git", location, fragment)
    if scheme in ("ssh", "git", "file") or re.match(r"^[\w.-]+@[\w.-]+:", location):
        return "git", location, fragment
    if len(scheme) > 1:
        raise HermesError(f"unsupported source {source!r}: only http(s), git and local files are read")
    if os.path.lexists(location):
        return _local_kind(location), location, fragment
    raise HermesError(f"no such file or folder: {location}")


def _local_kind(path: str) -> str:
    p = Path(path)
    if p.is_symlink():
        raise HermesError(f"{path} is a symbolic link; give the folder or file itself")
    if p.is_dir():
        bare = (p / "HEAD").is_file() and (p / "objects").is_dir() and (p / "refs").is_dir()
        return "git" if bare else "folder"
    kind = _archive_kind(p.name)
    if kind is None or not p.is_file():
        raise HermesError(f"{path} is not a folder, a .zip or a .tar.gz file")
    return kind


def _archive_kind(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".zip"):
        return "zip"
    if lower.endswith((".tar.gz", ".tgz", ".tar")):
        return "tar"
    return None


def stage(kind: str, location: str, tmp: Path, limits: Limits = LIMITS) -> Path:
    """The source as a checked tree of regular files under ``tmp``; its root."""
    if kind == "folder":
        check_tree(Path(location), limits)
        return Path(location)
    if kind == "git":
        repo = tmp / "repo"
        git_clone(location, repo, limits)
        check_tree(repo, limits)
        return repo
    archive = Path(location)
    if kind.endswith("-url"):
        archive = tmp / ("download.zip" if kind == "zip-url" else "download.tar")
        download(location, archive, limits)
        kind = kind[: -len("-url")]
    size = archive.stat().st_size
    if size > limits.max_archive:
        raise HermesError(f"{location} is too large: {size:,} bytes (the limit is {limits.max_archive:,})")
    target = tmp / "files"
    target.mkdir()
    (extract_zip if kind == "zip" else extract_tar)(archive, target, limits)
    return target


# -- checks ----------------------------------------------------------------------------


class _Budget:
    """Counts files and bytes against the limits as a source is read."""

    def __init__(self, limits: Limits, what: str, compressed: int | None = None) -> None:
        self.limits, self.what, self.compressed = limits, what, compressed
        self.files = self.bytes = 0

    def add_file(self) -> None:
        self.files += 1
        if self.files > self.limits.max_files:
            raise HermesError(f"{self.what} holds more than {self.limits.max_files} files; refused")

    def add_bytes(self, count: int) -> None:
        self.bytes += count
        if self.bytes > self.limits.max_total:
            raise HermesError(f"{self.what} holds more than {self.limits.max_total:,} bytes uncompressed; refused")
        if self.compressed is not None and self.bytes > self.limits.ratio_floor:
            if self.bytes > self.limits.max_ratio * max(self.compressed, 1):
                raise HermesError(
                    f"{self.what} expands more than {self.limits.max_ratio} times (a zip bomb?); refused"
                )


def member_parts(name: str) -> tuple[str, ...]:
    """The parts of an archive member's name; HermesError for one that would leave the folder."""
    raw = name.replace("\\", "/")
    if "\x00" in raw or raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
        raise HermesError(f"refused: the archive holds an absolute path {name!r}")
    parts = tuple(p for p in PurePosixPath(raw).parts if p not in ("", "."))
    if ".." in parts:
        raise HermesError(f"refused: the archive holds a path that leaves its folder {name!r}")
    return parts


def check_tree(root: Path, limits: Limits = LIMITS) -> None:
    """Refuse a folder holding links, devices or too much; ``.git`` folders are not read."""
    budget = _Budget(limits, str(root))
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in [*dirnames, *filenames]:
            path = Path(dirpath, name)
            info = os.lstat(path)
            rel = path.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                raise HermesError(f"refused: {rel} is a symbolic link (links are not installed)")
            if stat.S_ISDIR(info.st_mode):
                continue
            if not stat.S_ISREG(info.st_mode):
                raise HermesError(f"refused: {rel} is not a regular file (a device, pipe or socket)")
            budget.add_file()
            budget.add_bytes(info.st_size)


def _copy_limited(reader: Any, target: Path, budget: _Budget) -> None:
    with open(target, "xb") as out:
        while chunk := reader.read(CHUNK):
            budget.add_bytes(len(chunk))
            out.write(chunk)


def _place(root: Path, name: str, seen: set[tuple[str, ...]]) -> Path | None:
    """Where member ``name`` goes under ``root`` (None for the root itself)."""
    parts = member_parts(name)
    if not parts:
        return None
    if parts in seen:
        raise HermesError(f"refused: the archive holds {'/'.join(parts)} twice")
    seen.add(parts)
    return root.joinpath(*parts)


def extract_zip(archive: Path, root: Path, limits: Limits = LIMITS) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise HermesError(f"{archive.name} is not a readable zip file: {exc}") from exc
    with zf:
        infos = zf.infolist()
        budget = _Budget(limits, archive.name, compressed=archive.stat().st_size)
        if len(infos) > limits.max_files:
            raise HermesError(f"{archive.name} holds more than {limits.max_files} files; refused")
        if sum(i.file_size for i in infos) > limits.max_total:
            raise HermesError(f"{archive.name} holds more than {limits.max_total:,} bytes uncompressed; refused")
        try:
            _extract_members(zf, infos, root, budget)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error) as exc:
            raise HermesError(f"cannot read {archive.name}: {exc}") from exc


def _extract_members(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], root: Path, budget: _Budget) -> None:
    seen: set[tuple[str, ...]] = set()
    for info in infos:
        mode = info.external_attr >> 16
        if info.flag_bits & 0x1:
            raise HermesError(f"refused: {info.filename} is encrypted (password-protected archives are not installed)")
        if stat.S_ISLNK(mode):
            raise HermesError(f"refused: {info.filename} is a symbolic link (links are not installed)")
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):  # 0: no type recorded
            raise HermesError(f"refused: {info.filename} is not a regular file (a device, pipe or socket)")
        target = _place(root, info.filename, seen)
        if target is None:
            continue
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        budget.add_file()
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as reader:
            _copy_limited(reader, target, budget)


def extract_tar(archive: Path, root: Path, limits: Limits = LIMITS) -> None:
    try:
        tf = tarfile.open(archive, "r:*")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise HermesError(f"{archive.name} is not a readable tar file: {exc}") from exc
    budget = _Budget(limits, archive.name, compressed=archive.stat().st_size)
    seen: set[tuple[str, ...]] = set()
    try:
        with tf:
            for member in tf:
                if member.issym() or member.islnk():
                    raise HermesError(f"refused: {member.name} is a link (links are not installed)")
                if not (member.isreg() or member.isdir()):
                    raise HermesError(f"refused: {member.name} is not a regular file (a device, pipe or socket)")
                target = _place(root, member.name, seen)
                if target is None:
                    continue
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                budget.add_file()
                if member.size > limits.max_total:
                    budget.add_bytes(member.size)  # refused before reading it
                target.parent.mkdir(parents=True, exist_ok=True)
                reader = tf.extractfile(member)
                if reader is not None:
                    _copy_limited(reader, target, budget)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise HermesError(f"cannot read {archive.name}: {exc}") from exc


# -- fetching --------------------------------------------------------------------------


def download(url: str, target: Path, limits: Limits = LIMITS) -> None:
    """GET ``url`` (http or https, also after redirects) into ``target``, within the limits."""
    import urllib.error
    import urllib.request

    class _HttpOnly(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
            if urlsplit(newurl).scheme.lower() not in ("http", "https"):
                raise HermesError(f"refused: {url} redirects to {newurl} (only http and https are followed)")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.build_opener(_HttpOnly)
    request = urllib.request.Request(url, headers={"User-Agent": "hermes-tui"})
    try:
        with opener.open(request, timeout=limits.timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limits.max_archive:
                raise HermesError(f"{url} is too large: {int(length):,} bytes (the limit is {limits.max_archive:,})")
            received = 0
            with open(target, "xb") as out:
                while chunk := response.read(CHUNK):
                    received += len(chunk)
                    if received > limits.max_archive:
                        raise HermesError(f"{url} is larger than {limits.max_archive:,} bytes; refused")
                    out.write(chunk)
    except HermesError:
        raise
    except urllib.error.HTTPError as exc:
        raise HermesError(f"cannot download {url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise HermesError(f"cannot download {url}: {exc.reason}") from exc
    except (OSError, ValueError) as exc:  # timeouts, resets, bad URLs
        raise HermesError(f"cannot download {url}: {exc or type(exc).__name__}") from exc


def git_clone(url: str, target: Path, limits: Limits = LIMITS) -> None:
    """``git clone --depth 1`` with nothing from the repository or the user's config run."""
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_LFS_SKIP_SMUDGE": "1",
        "GIT_SSH_COMMAND": "ssh -o BatchMode=yes",
    }
    cmd = [
        "git", "-c", "core.hooksPath=/dev/null", "-c", "protocol.ext.allow=never", "-c", "core.symlinks=false",
        "clone", "--depth", "1", "--quiet", "--no-recurse-submodules", "--template=", "--", url, str(target),
    ]  # fmt: skip
    if os.path.isdir(url):  # a local path: --depth needs the file:// transport
        cmd[-2] = Path(url).resolve().as_uri()
    try:
        proc = subprocess.Popen(
            cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, text=True, errors="replace",
        )  # fmt: skip
    except OSError as exc:
        raise HermesError(f"cannot run git: {os_error_reason(exc)}") from exc
    try:
        _out, err = proc.communicate(timeout=limits.timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise HermesError(f"git clone of {url} took longer than {limits.timeout:g} s; stopped") from None
    if proc.returncode != 0:
        lines = [line.strip() for line in err.splitlines() if line.strip() and not line.startswith("warning:")]
        raise HermesError(f"git clone of {url} failed: {lines[-1] if lines else f'exit {proc.returncode}'}")


# -- choosing the skill ----------------------------------------------------------------


def skill_folders(root: Path) -> list[str]:
    """Relative paths of the folders under ``root`` holding a SKILL.md (posix; "" for root)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        if any(is_skill_filename(n) for n in filenames):
            rel = Path(dirpath).relative_to(root).as_posix()
            found.append("" if rel == "." else rel)
    return sorted(found)


def prepare(
    root: Path, subdir: str | None, *, kind: str, name: str | None = None, category: str | None = None
) -> Prepared:
    """The one skill of a staged tree: its folder chosen, SKILL.md read, renamed and validated."""
    from hermes_tui.core.skills.library import safe_join

    if subdir and subdir.strip("/"):
        rel = "/".join(member_parts(subdir.strip("/")))
        folder = safe_join(root, rel)
        if not folder.is_dir() or not any(is_skill_filename(p.name) for p in folder.iterdir()):
            raise HermesError(f"no SKILL.md in {rel} of the source")
    else:
        found = skill_folders(root)
        if "" in found:
            found = [""]
        if not found:
            raise HermesError("no SKILL.md found in the source")
        if len(found) > 1:
            shown = ", ".join(found[:8]) + (f" and {len(found) - 8} more" if len(found) > 8 else "")
            raise HermesError(f"the source holds {len(found)} skills ({shown}); choose one with SOURCE#PATH or --subdir PATH")
        rel = found[0]
        folder = root / rel if rel else root
    skill_file = _skill_file(folder)
    files, skipped = _support_files(folder, skill_file)
    content = rename_skill(_read_skill_text(skill_file), name) if name else _read_skill_text(skill_file)
    skill_name = _checked_skill(content, folder.name, name)
    if category is not None:
        category = _checked_category(category)
    return Prepared(skill_name, category, content, files, folder, kind, rel, skipped)


def _skill_file(folder: Path) -> Path:
    from hermes_tui.core.skills.parse import find_skill_file

    path = find_skill_file(folder)
    if path is None:
        raise HermesError(f"no SKILL.md in {folder.name}")
    return path


def _support_files(folder: Path, skill_file: Path) -> tuple[list[str], list[str]]:
    """(files to install, files left out): hidden ones, tool caches, other SKILL.md spellings."""
    files: list[str] = []
    skipped: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        rel_dir = Path(dirpath).relative_to(folder)
        for d in sorted(dirnames):
            if d.startswith(".") or d in SKIPPED_DIRS:
                skipped.append((rel_dir / d).as_posix() + "/")
        dirnames[:] = sorted(d for d in dirnames if not (d.startswith(".") or d in SKIPPED_DIRS))
        for name in sorted(filenames):
            rel = (rel_dir / name).as_posix()
            if not rel_dir.parts and name == skill_file.name:
                continue
            if name.startswith(".") or (not rel_dir.parts and is_skill_filename(name)):
                skipped.append(rel)
            else:
                files.append(rel)
    return sorted(files), sorted(skipped)


def _read_skill_text(path: Path) -> str:
    try:
        text, _warnings = decode_skill_bytes(path.read_bytes())
    except BinarySkillFile:
        raise HermesError(f"{path.name} is not text (it holds NUL bytes); refused") from None
    if "\ufffd" in text:
        raise HermesError(f"{path.name} is not valid UTF-8; refused")
    return text


_NAME_LINE = re.compile(r"^name[ \t]*:.*$", re.MULTILINE)


def rename_skill(text: str, name: str) -> str:
    """``text`` with its frontmatter ``name:`` set to ``name`` (added when missing)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or lines[start].strip() != "---":
        raise HermesError("the SKILL.md has no frontmatter (it must start with ---)")
    close = next((i for i in range(start + 1, len(lines)) if lines[i].strip() == "---"), None)
    if close is None:
        raise HermesError("the SKILL.md frontmatter is never closed with ---")
    for i in range(start + 1, close):
        if _NAME_LINE.match(lines[i]):
            lines[i] = f"name: {name}"
            break
    else:
        lines.insert(start + 1, f"name: {name}")
    return newline.join(lines)


def _checked_skill(content: str, folder_name: str, requested: str | None) -> str:
    """The skill's name; HermesError when its SKILL.md does not validate where it will land."""
    from hermes_tui.core.skills.validate import errors, is_valid_name, validate_skill

    if requested is not None and not is_valid_name(requested):
        raise UsageError(f"invalid --name {requested!r}: use 1-64 lowercase letters, digits and single hyphens")
    probe = parse_skill_text(content, path=Path("/") / folder_name / CANONICAL_NAME)
    name = requested or str(probe.frontmatter.get("name") or "").strip() or folder_name
    if not is_valid_name(name):
        raise HermesError(f"the skill's name {name!r} is not valid (1-64 lowercase letters, digits and single hyphens); give --name")
    skill = parse_skill_text(content, path=Path("/") / name / CANONICAL_NAME)
    problems = errors(validate_skill(skill))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise HermesError(f"the SKILL.md does not validate: {problems[0]}{more}")
    return name


def _checked_category(category: str) -> str | None:
    parts = [p for p in category.replace("\\", "/").split("/") if p]
    for part in parts:
        if part.startswith(".") or not re.match(r"^[A-Za-z0-9._-]+$", part):
            raise UsageError(f"invalid --category {category!r}")
    return "/".join(parts) or None


def _refuse_collision(prepared: Prepared, queue: Any, library: Any) -> None:
    existing = library.find(prepared.name)
    if existing is not None:
        raise HermesError(f"a skill named {prepared.name!r} already exists ({existing}); install it under another name with --name")
    for row in queue.pending_skills():
        if row["name"] == prepared.name:
            raise HermesError(
                f"a pending change already creates {prepared.name!r} (pending {row['pending_id']}); "
                "approve or reject it, or install under another name with --name"
            )


# -- export ----------------------------------------------------------------------------


def export_skill(library: Any, name: str, out: Path, *, force: bool = False, limits: Limits = LIMITS) -> dict[str, Any]:
    """Write the skill ``name`` as a zip (``<name>/SKILL.md`` + support files), atomically."""
    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise UsageError(f"--out must name a .zip file, got {str(out)!r}")
    if out.exists() and not force:
        raise HermesError(f"{out} exists; give --force to replace it")
    if out.is_dir():
        raise HermesError(f"{out} is a folder")
    row = library.row(name)
    folder = Path(row["path"]).parent
    skill_file = _skill_file(folder)
    check_tree(folder, limits)
    files, skipped = _support_files(folder, skill_file)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, path in _export_entries(folder, skill_file, files):
            info = zipfile.ZipInfo(f"{folder.name}/{rel}", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    data = buffer.getvalue()
    atomic_write(out, data)
    return {"skill_id": row["skill_id"], "out": str(out), "files": [CANONICAL_NAME, *files], "skipped": skipped, "bytes": len(data)}


def _export_entries(folder: Path, skill_file: Path, files: list[str]) -> Iterator[tuple[str, Path]]:
    yield CANONICAL_NAME, skill_file
    for rel in files:
        yield rel, folder / rel
