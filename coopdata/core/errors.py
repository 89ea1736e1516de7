"""The one error type a user sees for bad data: file, line, column, value and rule."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DataError(Exception):
    file: str
    rule: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    hint: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column!r}"
        text = f"{where}: {self.rule}"
        if self.value is not None:
            shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
            text += f" (value: {shown!r})"
        if self.hint:
            text += f". {self.hint}"
        return text

    def __str__(self) -> str:
        return self.message


class ParameterError(ValueError):
    """A notebook parameter is invalid: the message says which, the value and what is allowed."""
