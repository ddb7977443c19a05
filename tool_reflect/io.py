"""JSON Lines reading and atomic writing, with errors that name file, line and field."""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

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
    ``skip_invalid``, in which case bad lines are collected into ``errors``."""
    out: list[T] = []
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise RecordError(f"invalid JSON: {exc.msg} (column {exc.colno})") from None
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
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    return json.loads(line)
                except json.JSONDecodeError as exc:
                    raise RecordError(f"invalid JSON: {exc.msg} (column {exc.colno})",
                                      path=str(path), line=lineno) from None
    return None


def read_items(path: str | os.PathLike[str], *, skip_invalid: bool = False,
               errors: list[RecordError] | None = None) -> list[RepairItem]:
    """Read canonical repair items from JSONL."""
    return read_records(path, RepairItem.from_dict, skip_invalid=skip_invalid, errors=errors)


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` and move it into place only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
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


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[Any]) -> int:
    """Atomically write JSON values one per line (UTF-8, no ASCII escaping); return the count."""
    n = 0
    with atomic_open(path) as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def write_items(path: str | os.PathLike[str], items: Iterable[RepairItem]) -> int:
    """Atomically write canonical repair items as JSONL."""
    return write_jsonl(path, (it.to_dict() for it in items))


def write_json(path: str | os.PathLike[str], value: Any) -> None:
    """Atomically write one JSON document (indented)."""
    with atomic_open(path) as fh:
        json.dump(value, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
