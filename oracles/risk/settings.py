"""Typed settings of the risk oracle daemon, from CLI options over `GREENFI_RISK_*` environment variables.

Validated at start-up: a bad value raises ConfigError naming the setting and what it expects.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from greenfi.errors import ConfigError

ENV_PREFIX = "GREENFI_RISK_"
DAY = 24 * 3600
MAX_BATCH = 256  # RiskOracle.MAX_BATCH


@dataclass(frozen=True)
class RiskSettings:
    features: Path  # CSV of feature rows, one per subject
    model_dir: Path  # the model directory the scorer loads
    subject_column: str = "subject"  # the column holding each row's subject address
    model_version: int | None = None  # ModelRegistry version; None = look it up by the scorer's model hash
    threshold_bps: int = 100  # post when a score moved by more than this since the last posted one
    heartbeat: int = DAY  # ... or when the last posted score is at least this old (seconds)
    validity: int = 7 * DAY  # expiry = timestamp + validity
    batch_size: int = MAX_BATCH  # scores per transaction
    interval: float = 300.0  # seconds between cycles in loop mode
    confirmations: int = 1  # blocks a batch's transaction needs before it counts as confirmed
    confirm_timeout: float = 120.0  # seconds --once waits for confirmations
    max_failures: int = 5  # consecutive failed cycles before the circuit breaker stops the daemon
    max_block_age: int = 0  # refuse to post when the latest block is older than this (seconds); 0 = off
    host: str = "127.0.0.1"
    port: int = 9464  # HTTP /health and /metrics; 0 = any free port
    outbox: Path = field(default_factory=lambda: Path("risk-outbox.sqlite"))

    def __post_init__(self) -> None:
        if not self.subject_column:
            raise ConfigError("subject_column must not be empty")
        if self.model_version is not None and self.model_version < 1:
            raise ConfigError(f"model_version must be a registered version id (>= 1), got {self.model_version}")
        if not 0 <= self.threshold_bps <= 10_000:
            raise ConfigError(f"threshold_bps must lie in 0..10000, got {self.threshold_bps}")
        if self.heartbeat < 1 or self.validity < 1:
            raise ConfigError("heartbeat and validity must be at least 1 second")
        if self.heartbeat >= self.validity:
            raise ConfigError(
                f"heartbeat ({self.heartbeat} s) must be shorter than validity ({self.validity} s), "
                "or unchanged scores would expire before they are re-posted"
            )
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise ConfigError(f"batch_size must lie in 1..{MAX_BATCH}, got {self.batch_size}")
        if self.interval <= 0 or self.confirm_timeout <= 0:
            raise ConfigError("interval and confirm_timeout must be positive")
        if self.confirmations < 1:
            raise ConfigError(f"confirmations must be at least 1, got {self.confirmations}")
        if self.max_block_age < 0:
            raise ConfigError(f"max_block_age must be 0 (off) or positive, got {self.max_block_age}")
        if self.max_failures < 1:
            raise ConfigError(f"max_failures must be at least 1, got {self.max_failures}")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must lie in 0..65535, got {self.port}")


def from_env(environ: dict[str, str] | None = None, **overrides) -> RiskSettings:
    """Settings from `GREENFI_RISK_<NAME>` variables, with `overrides` (CLI options; None = unset) on top."""
    environ = os.environ if environ is None else environ
    values = {}
    for f in fields(RiskSettings):
        if overrides.get(f.name) is not None:
            values[f.name] = overrides[f.name]
            continue
        raw = environ.get(ENV_PREFIX + f.name.upper())
        if raw is not None and raw.strip() != "":
            values[f.name] = _parse(f.name, str(f.type), raw.strip())
    for required in ("features", "model_dir"):
        if required not in values:
            raise ConfigError(f"missing setting {required}: pass it as an option or set {ENV_PREFIX}{required.upper()}")
    values["features"] = Path(values["features"])
    values["model_dir"] = Path(values["model_dir"])
    if "outbox" in values:
        values["outbox"] = Path(values["outbox"])
    return RiskSettings(**values)


def _parse(name: str, type_name: str, raw: str):
    try:
        if "int" in type_name:
            return int(raw)
        if "float" in type_name:
            return float(raw)
    except ValueError:
        raise ConfigError(f"{ENV_PREFIX}{name.upper()} must be a number, got {raw!r}") from None
    return raw
