"""Shared values for the AI ledger tests: model specs, hashes, timing constants."""

DAY = 24 * 3600
MAX_AGE = 30 * DAY
ZERO32 = b"\x00" * 32
NO_REASON = ZERO32

# Status and HashField of IModelRegistry
NONE, REGISTERED, APPROVED, SUSPENDED, RETIRED = range(5)
MODEL, TRAINING_DATA, FEATURE_SCHEMA, PARAMETERS, CARD = range(5)
METRICS = (7900, 4500, 1700, 7600)  # AUC, KS, Brier, accuracy in bps


def spec(seed=1, metrics=METRICS, hashes=None):
    """A ModelSpec tuple with distinct non-zero hashes derived from `seed` (or the given `hashes`)."""
    hashes = hashes or [h32(seed * 16 + field + 1) for field in range(5)]
    return (*hashes, tuple(metrics))


def h32(n):
    """A bytes32 value from an integer, as a 0x hex string."""
    return "0x" + n.to_bytes(32, "big").hex()
