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
