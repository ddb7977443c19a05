"""Errors that name the file, line and field of bad input."""

from __future__ import annotations


class RecordError(ValueError):
    """A record that cannot be read: says which file, line and field, and why."""

    def __init__(self, problem: str, field: str = "", path: str | None = None,
                 line: int | None = None) -> None:
        self.problem, self.field, self.path, self.line = problem, field, path, line
        super().__init__(self._text())

    def at(self, path: str | None, line: int | None) -> RecordError:
        """Return a copy located at ``path:line``."""
        return RecordError(self.problem, self.field, path, line)

    def _text(self) -> str:
        loc = ""
        if self.path is not None:
            loc = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        fld = f"field '{self.field}': " if self.field else ""
        return f"{loc}{fld}{self.problem}"
