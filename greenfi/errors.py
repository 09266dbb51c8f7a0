"""The one exception hierarchy of the project: every error raised on purpose by greenfi, oracles or
models derives from GreenfiError, so the CLI prints it as one `error:` line (exit 1) and callers can
catch the family. This module imports nothing; it is the bottom layer (docs/architecture.md).

Subclasses that describe one subsystem live with it: TransactionReverted (greenfi.chain.transactions),
ReadingFormatError and MerkleError (oracles), ModelError (models), the risk daemon's errors."""


class GreenfiError(Exception):
    """Root of every error greenfi raises on purpose; its message is meant for the user."""


class ToolchainError(GreenfiError):
    """A compiler or local-chain tool is missing or the wrong version."""


class ConfigError(GreenfiError):
    """A network, account or setting is unknown, missing or malformed."""


class DeploymentError(GreenfiError):
    """A deployment could not be planned, sent or recorded."""


class InvalidValue(GreenfiError):
    """A value a user typed is malformed (an amount, a date, an id). Pure parsers raise it; the CLI
    reports it as click's usage error for the option or argument `param_hint` names (exit code 2)."""

    def __init__(self, message: str, param_hint: str | None = None):
        super().__init__(message)
        self.param_hint = param_hint
