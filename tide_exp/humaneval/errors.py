"""Errors the humaneval tool shows to the user: where the problem is and how to fix it."""

from __future__ import annotations

from pathlib import Path

from tide_exp.errors import ConfigError, DataError


class SurveyInputError(DataError):
    """An input file (generations, ratings, key, gold scores, pairs) is missing or malformed.

    The message names the file, the line and column when known, what is wrong and the fix.
    """

    def __init__(
        self,
        path: str | Path,
        problem: str,
        fix: str,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        where = str(path)
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {problem}. Fix: {fix}")
        self.path, self.line, self.column = str(path), line, column


class SurveyConfigError(ConfigError):
    """A humaneval option (pairs, example ids, QC rules) cannot be satisfied."""
