"""Errors a user can act on: each carries one sentence naming the thing and the fix."""

from __future__ import annotations


class TideError(Exception):
    """Base class: the message is shown to the user as is, without a traceback."""


class ModelUnavailableError(TideError):
    """A model cannot be loaded here (not cached offline, gated, or missing files)."""


class DataError(TideError):
    """A data file is missing or malformed."""


class ConfigError(TideError):
    """A configuration value is invalid."""
