"""Errors the humaneval tool shows to the user: where the problem is and how to fix it."""

from __future__ import annotations

from tide_exp.errors import ConfigError, FileError


class SurveyInputError(FileError):
    """An input file (generations, ratings, key, gold scores, pairs) is missing or malformed.

    The message names the file, the line and column when known, what is wrong and the fix.
    """


class SurveyConfigError(ConfigError):
    """A humaneval option (pairs, example ids, QC rules) cannot be satisfied."""
