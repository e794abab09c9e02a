"""One diagnostic type for the whole compiler, and the user-facing error type.

Lint findings, frontend problems (syntax errors, unreadable files), pass warnings and ingest problems are all
``Diagnostic``s, rendered ruff-style: ``path:line:col: CODE message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    col: int
    code: str  # SLM101 (lint rule), E001 (bad input), W... (pass warnings)
    message: str
    severity: Severity = Severity.WARNING
    name: str = ""  # kebab-case rule name
    end_line: int = 0
    end_col: int = 0
    fix: str | None = None  # fix title ("help: ...")
    site: str | None = None  # IR site id the finding is about
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def concise(self) -> str:
        if not self.line:  # not about a source line (a task, a trace file, the plan)
            return f"{self.path}: {self.code} {self.message}" if self.path else f"{self.code} {self.message}"
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"


class SlmcError(Exception):
    """An error the user can fix: printed as one clear message (no traceback), exit code 2.

    ``path``/``line`` name where the problem is; ``hint`` says what to do.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text
