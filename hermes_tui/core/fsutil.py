"""Atomic file writes: temp file in the same folder, fsync, rename, fsync the folder.

A failed write (a full disk, a read-only folder) leaves the old file untouched,
removes its temp file and raises a :class:`HermesError` with a one-line reason.
"""

from __future__ import annotations

import errno
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from hermes_tui.errors import HermesError


def os_error_reason(exc: OSError) -> str:
    """Why an OSError happened, in lower case: 'permission denied', 'no space left on device'."""
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    return (exc.strerror or str(exc) or type(exc).__name__).lower()


def describe_os_error(exc: OSError, path: Path | str | None = None) -> str:
    """A one-line description of an OSError, e.g. 'no space left on device: /x/y'
    (:func:`os_error_reason` alone where the message names the path already)."""
    reason = os_error_reason(exc)
    where = path if path is not None else exc.filename
    return f"{reason}: {where}" if where else reason


def atomic_write(path: Path | str, data: str | bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` atomically (its folder is created when missing).

    ``str`` is written as UTF-8 with the newlines given (no translation).
    """
    path = Path(path)
    try:
        payload = data.encode("utf-8") if isinstance(data, str) else data
    except UnicodeEncodeError as exc:  # a lone surrogate, e.g. "\ud800" from a JSON escape
        bad = f"U+{ord(data[exc.start]):04X}"
        raise HermesError(f"cannot write {path}: the text holds {bad} at offset {exc.start}, which UTF-8 cannot encode") from None
    with atomic_stream(path, mode=mode, parents=True) as fh:
        fh.write(payload)


def fsync_dir(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


@contextmanager
def atomic_stream(path: Path | str, *, mode: int | None = None, parents: bool = False) -> Iterator[BinaryIO]:
    """``with atomic_stream(path) as fh: fh.write(...)``: a file written in pieces that
    appears at ``path`` only whole (temp file in the same folder, fsync, rename); an
    error or an exception in the block removes the temp file and leaves ``path`` as it was.
    ``mode``: the file's permissions (else those of the file it replaces, or 0o644);
    ``parents``: create the folder first."""
    path = Path(path)
    try:
        if parents:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise HermesError(f"cannot write {path}: {describe_os_error(exc, path.parent)}") from exc
    try:
        try:
            with os.fdopen(fd, "wb") as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            if mode is None:
                mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
            os.chmod(tmp_name, mode)
            os.replace(tmp_name, path)
        except BaseException:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
            raise
    except OSError as exc:
        raise HermesError(f"cannot write {path}: {describe_os_error(exc, path)}") from exc
    fsync_dir(path.parent)
