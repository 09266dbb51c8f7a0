"""Exceptions raised by greenfi's Python tooling: one root, so callers can catch the family."""


class GreenfiError(Exception):
    """Root of every error greenfi raises on purpose; its message is meant for the user."""


class ToolchainError(GreenfiError):
    """A compiler or local-chain tool is missing or the wrong version."""


class ConfigError(GreenfiError):
    """A network, account or setting is unknown, missing or malformed."""


class DeploymentError(GreenfiError):
    """A deployment could not be planned, sent or recorded."""
