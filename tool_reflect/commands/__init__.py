"""Subcommands of ``tool-reflect``, one module each, and the argument checks they share."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
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
