"""Subcommands of ``tool-reflect``, one module each, and the argument checks they share."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def require_records(records: Sequence[Any], path: str | os.PathLike[str],
                    skipped: int = 0) -> None:
    """Raise a RecordError naming ``path`` when nothing could be read from it."""
    from tool_reflect.errors import RecordError

    if not records:
        why = f"no valid records ({skipped} skipped as invalid)" if skipped else "no records"
        raise RecordError(why, path=str(path))


def check_output_folder(out: Path, allowed: Iterable[str], command: str) -> None:
    """Refuse an output folder that is a file, or that holds files other than ``allowed``
    (``command`` replaces the folder whole, so they would be lost)."""
    from tool_reflect.errors import RecordError

    if out.exists() and not out.is_dir():
        raise RecordError("--out: exists and is not a folder", path=str(out))
    if out.is_dir():
        other = sorted(p.name for p in out.iterdir() if p.name not in set(allowed))
        if other:
            raise RecordError(f"--out: the folder holds other files ({', '.join(other[:3])}); "
                              f"{command} replaces the folder whole: give a new or a {command} "
                              "folder", path=str(out))
