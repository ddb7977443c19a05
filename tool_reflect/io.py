"""JSON Lines reading and atomic writing, with errors that name file, line and field."""

from __future__ import annotations

import ctypes
import errno
import gzip
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

from tool_reflect import json_values
from tool_reflect.errors import RecordError
from tool_reflect.records import RepairItem

T = TypeVar("T")
_UMASK = os.umask(0)
os.umask(_UMASK)


def read_records(path: str | os.PathLike[str], convert: Callable[..., T], *,
                 skip_invalid: bool = False, errors: list[RecordError] | None = None,
                 with_line: bool = False) -> list[T]:
    """Read a JSONL file, converting each value (``convert(value)``, or
    ``convert(value, line_number)`` with ``with_line``); stop at the first bad line unless
    ``skip_invalid``, in which case bad lines are collected into ``errors``. A file that
    cannot be read at all (a folder, not gzip, ...) is a :class:`RecordError` naming it."""
    out: list[T] = []
    for lineno, line in _lines(path):
        if not line.strip():
            continue
        try:
            value = _parse(line)
            out.append(convert(value, lineno) if with_line else convert(value))
        except RecordError as exc:
            located = exc.at(str(path), lineno)
            if not skip_invalid:
                raise located from None
            if errors is not None:
                errors.append(located)
    return out


def first_record(path: str | os.PathLike[str]) -> Any:
    """The first non-blank line's JSON value (``None`` for an empty file)."""
    for lineno, line in _lines(path):
        if line.strip():
            try:
                return _parse(line)
            except RecordError as exc:
                raise exc.at(str(path), lineno) from None
    return None


_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # what surrogateescape makes of undecodable bytes


def _parse(line: str) -> Any:
    """One line's JSON value; RecordError for bytes that are not UTF-8 or for bad JSON."""
    if _NOT_UTF8.search(line):
        raise RecordError("not valid UTF-8 text")
    try:
        return json_values.loads(line)
    except RecursionError:
        raise RecordError(f"JSON nested too deeply (over {sys.getrecursionlimit()} levels)") from None
    except json.JSONDecodeError as exc:
        raise RecordError(f"invalid JSON: {exc.msg} (column {exc.colno})") from None


def _lines(path: str | os.PathLike[str]) -> Iterator[tuple[int, str]]:
    """Numbered text lines of a plain or ``.gz`` file. Undecodable bytes are kept as lone
    surrogates for :func:`_parse` to report, so the line number is known; errors that
    concern the whole file become a RecordError naming it."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="surrogateescape") as fh:
            yield from enumerate(fh, 1)
    except IsADirectoryError:
        raise RecordError("is a folder, not a file", path=str(path)) from None
    except PermissionError:
        raise RecordError("cannot be read (permission denied)", path=str(path)) from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise RecordError(f"not a valid gzip file ({exc})", path=str(path)) from None


def read_items(path: str | os.PathLike[str], *, skip_invalid: bool = False,
               errors: list[RecordError] | None = None) -> list[RepairItem]:
    """Read canonical repair items from JSONL."""
    return read_records(path, RepairItem.from_dict, skip_invalid=skip_invalid, errors=errors)


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` and move it into place only on success.
    A target that cannot be written (a folder, an unwritable place) raises an OSError
    naming the target, not the temporary file."""
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _cannot_write(exc, target) from None
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual permissions
    try:
        enc = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=enc) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cannot_write(exc: OSError, target: str | os.PathLike[str]) -> OSError:
    """``exc`` (raised while preparing to write ``target``) re-said about ``target``."""
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return NotADirectoryError(errno.ENOTDIR, "a part of the path is a file, not a folder",
                                  str(target))
    return OSError(exc.errno, exc.strerror, str(target))


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[Any]) -> int:
    """Atomically write JSON values one per line (UTF-8, no ASCII escaping); return the count."""
    n = 0
    with atomic_open(path) as fh:
        for row in rows:
            fh.write(json_text(row) + "\n")
            n += 1
    return n


def json_text(value: Any, **kwargs: Any) -> str:
    """JSON text that can always be written as UTF-8: non-ASCII characters stay literal,
    except in values holding lone surrogates (undecodable input), which are ``\\u``-escaped."""
    text = json_values.dumps(value, ensure_ascii=False, **kwargs)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json_values.dumps(value, ensure_ascii=True, **kwargs)
    return text


def write_items(path: str | os.PathLike[str], items: Iterable[RepairItem]) -> int:
    """Atomically write canonical repair items as JSONL."""
    return write_jsonl(path, (it.to_dict() for it in items))


def write_json(path: str | os.PathLike[str], value: Any) -> None:
    """Atomically write one JSON document (indented)."""
    with atomic_open(path) as fh:
        fh.write(json_text(value, indent=2) + "\n")


def pause_point(stage: str) -> None:
    """Test hook: with ``TOOL_REFLECT_TEST_PAUSE_AT=<stage>`` say so on stderr and wait to be
    killed, so that tests can kill real runs at a chosen moment."""
    if os.environ.get("TOOL_REFLECT_TEST_PAUSE_AT") == stage:
        print(f"tool-reflect: paused at {stage}", file=sys.stderr, flush=True)
        time.sleep(300)


@contextmanager
def atomic_folder(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a hidden temporary folder beside ``path``; on success swap it in whole, so that
    whenever the process dies ``path`` holds its earlier content or the new one. The earlier
    folder is removed after the swap; what killed runs left beside ``path`` is cleaned up
    first (a folder moved aside is put back if ``path`` is missing)."""
    target = Path(os.path.realpath(path))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(target)
        tmp = Path(tempfile.mkdtemp(prefix=_side_prefix(target, "tmp"), dir=target.parent))
    except OSError as exc:
        raise _cannot_write(exc, path) from None
    try:
        os.chmod(tmp, 0o777 & ~_UMASK)  # mkdtemp makes 0700
        yield tmp
        _fsync_dir(tmp)
        pause_point("commit")
        with _signals_deferred():
            _swap_in(tmp, target)
        _fsync_dir(target.parent)
        pause_point("swapped")
    finally:
        with _signals_deferred():
            shutil.rmtree(tmp, ignore_errors=True)


def remove_stale(target: Path) -> None:
    """Clean up after killed runs of :func:`atomic_folder` on ``target``: put back a folder
    moved aside when ``target`` is missing; remove hidden temporary folders."""
    if not target.parent.is_dir():
        return
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(tmp|old)-(\d+)-")
    stale = []
    for entry in target.parent.iterdir():
        m = pattern.match(entry.name)
        if m and not _pid_alive(int(m.group(2))):
            stale.append((m.group(1), entry))
    for tag, entry in sorted(stale):  # "old" first
        if tag == "old" and not target.exists():
            os.rename(entry, target)
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _side_prefix(target: Path, tag: str) -> str:
    return f".{target.name}.{tag}-{os.getpid()}-"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swap_in(tmp: Path, target: Path) -> None:
    """Put ``tmp`` at ``target``; afterwards ``tmp`` holds the earlier folder, if any."""
    try:
        os.rename(tmp, target)  # no earlier folder, or an empty one
        return
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
    if _exchange(tmp, target):
        return
    old = target.parent / f"{_side_prefix(target, 'old')}{os.urandom(4).hex()}"
    os.rename(target, old)  # a SIGKILL here is undone by remove_stale
    os.rename(tmp, target)
    os.rename(old, tmp)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fsync_dir(path: Path) -> None:
    if os.name == "posix":
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGTERM, SIGINT and SIGHUP until the block ends (where the platform can)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
