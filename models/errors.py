"""Exceptions raised by the models package.

Every failure the caller can act on derives from `ModelError`, so the CLI can print it as one line;
`ModelError` is a GreenfiError, the one root of the project's exceptions (greenfi.errors).
"""

from greenfi.errors import GreenfiError


class ModelError(GreenfiError):
    """Root of all models-package errors."""


class ModelInputError(ModelError):
    """The input data or an argument is unusable; the message names the column, row or value at fault."""
