"""Exceptions raised by the models package.

Every failure the caller can act on derives from `ModelError`, so the CLI can print it as one line.
"""


class ModelError(Exception):
    """Root of all models-package errors."""


class ModelInputError(ModelError):
    """The input data or an argument is unusable; the message names the column, row or value at fault."""
