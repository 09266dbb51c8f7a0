"""Which scores to post: the pure decision rule, separate from chain I/O so tests call it directly."""

from __future__ import annotations

from dataclasses import dataclass

from oracles.risk.scorer import ScoredRow


@dataclass(frozen=True)
class LastPosted:
    """The subject's score as last confirmed on chain."""

    score_bps: int
    model_version: int
    timestamp: int


def should_post(row: ScoredRow, last: LastPosted | None, model_version: int, now: int,
                threshold_bps: int, heartbeat: int) -> bool:
    """Post when the subject has no score yet, the model version changed, the score moved by more than
    `threshold_bps`, or the last score is `heartbeat` seconds old; never with a timestamp that is not
    newer than the last one (RiskOracle keeps timestamps strictly increasing per subject)."""
    if last is None:
        return True
    if now <= last.timestamp:
        return False
    return (
        last.model_version != model_version
        or abs(row.score_bps - last.score_bps) > threshold_bps
        or now - last.timestamp >= heartbeat
    )


def batches(rows: list[ScoredRow], size: int) -> list[list[ScoredRow]]:
    return [rows[i:i + size] for i in range(0, len(rows), size)]
