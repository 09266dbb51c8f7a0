"""Shared values for the AI ledger tests: model specs, hashes, timing constants."""

DAY = 24 * 3600
MAX_AGE = 30 * DAY
ZERO32 = b"\x00" * 32
NO_REASON = ZERO32
REPORT = "0x" + "4e70" * 16  # a validation report's hash: ModelRegistry refuses approvals without one

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


# ---------------------------------------------------------------- the daemon's test scorer

MODEL_HASH = h32(0x5C0E)  # the test scorer's "model file" hash


def make_scorer(model_dir=None, subject_column="subject"):
    """A deterministic scorer (the daemon's narrow interface): score_bps is the row's `x` column,
    input_hash hashes the row, explanation_hash hashes the reason `x`."""
    import hashlib

    import pandas as pd

    def score(features):
        xs = features["x"].astype(int)
        return pd.DataFrame({
            "subject": features[subject_column],
            "score_bps": xs,
            "input_hash": ["0x" + hashlib.sha256(f"{s}:{x}".encode()).hexdigest()
                           for s, x in zip(features[subject_column], xs)],
            "explanation_hash": ["0x" + hashlib.sha256(f"x:{x}".encode()).hexdigest() for x in xs],
        })

    score.model_hash = MODEL_HASH
    return score


def posted_events(w3, oracle, start_block):
    """ScorePosted logs since `start_block`: (subject -> count, number of distinct transactions)."""
    from collections import Counter

    from web3 import Web3

    topic = Web3.keccak(text="ScorePosted(address,uint256,address,uint16,bytes32,bytes32,uint64,uint64)")
    logs = w3.eth.get_logs({"fromBlock": start_block, "toBlock": "latest", "address": oracle.address,
                            "topics": [topic]})
    subjects = Counter(Web3.to_checksum_address(log["topics"][1][-20:]) for log in logs)
    return subjects, len({log["transactionHash"] for log in logs})


def subject_address(i):
    """The i-th scored subject's address (checksummed)."""
    from eth_utils import to_checksum_address

    return to_checksum_address("0x" + (0x5000 + i).to_bytes(20, "big").hex())


def write_features(path, scores):
    """A features CSV with one row per subject: subject_address(i), x = scores[i]."""
    lines = ["subject,x"] + [f"{subject_address(i)},{x}" for i, x in enumerate(scores)]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_model_dir(path, auc=0.79):
    """A minimal model directory as `greenfi model train` writes it: model.txt, model_card.json, SHA256SUMS."""
    import hashlib
    import json

    path.mkdir(parents=True, exist_ok=True)
    (path / "model.txt").write_text("tree\nversion=v4\n")
    card = {"format": "greenfi-tabular-classifier/1", "data": {"file": "x.csv", "rows": 10, "sha256": "cd" * 32},
            "schema": {"features": [{"name": "x", "dtype": "float64", "categories": []}]},
            "training": {"seed": 42, "folds": 5}, "metrics": {"auc": auc, "ks": 0.45, "brier": 0.17, "accuracy": 0.76}}
    (path / "model_card.json").write_text(json.dumps(card))
    sums = [f"{hashlib.sha256((path / n).read_bytes()).hexdigest()}  {n}" for n in ("model.txt", "model_card.json")]
    (path / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    return path
