"""Gas of the AI decision ledger: registering and approving a model version, and posting scores.

    brownie run scripts/bench_ai.py --network dev-risk

Deploys a fresh ParticipantRegistry, ModelRegistry and RiskOracle, then prints one JSON line per
operation: {"name", "value" (gas used), "unit", "anchor", "target" (the budget), "check" (OK or OVER)},
and a last line whether all are within budget. A batch of 256 first-time scores is the daemon's worst case (every stored
slot goes from zero to non-zero); `ai.post_scores_256_update` re-scores the same subjects.
"""

from brownie import ModelRegistry, ParticipantRegistry, RiskOracle, accounts, chain

from greenfi.bench import gas_line

DAY = 24 * 3600
BATCH = 256

# name -> (budget in gas, anchor text)
BUDGETS = {
    "ai.register_model": (250_000, "<= 250,000 gas: 8 fresh storage writes and the ModelRegistered event"),
    "ai.approve_model": (60_000, "<= 60,000 gas: one status write and a registry check"),
    "ai.post_scores_256": (20_000_000, "<= 20,000,000 gas: 256 first-time scores fit a 30M-gas block with room"),
    "ai.post_score_per_item": (80_000, "<= 80,000 gas per first-time score: 3 fresh slots (66,300) + event + calldata"),
    "ai.post_scores_256_update": (8_000_000, "<= 8,000,000 gas: 256 re-scores rewrite warm slots"),
}


def h32(n):
    return "0x" + n.to_bytes(32, "big").hex()


def main():
    admin, regulator, operator, auditor = accounts[0], accounts[1], accounts[2], accounts[3]
    registry = ParticipantRegistry.deploy(admin, regulator, 0, {"from": admin})
    expiry = chain.time() + 365 * DAY
    registry.register(operator, 6, b"DE", expiry, {"from": regulator})  # Kind.OracleOperator
    registry.register(auditor, 8, b"CN", expiry, {"from": regulator})  # Kind.Auditor
    models = ModelRegistry.deploy(registry, admin, {"from": admin})
    models.grantRole(models.MODEL_OPERATOR_ROLE(), operator, {"from": admin})
    oracle = RiskOracle.deploy(registry, models, admin, 30 * DAY, {"from": admin})
    oracle.grantRole(oracle.OPERATOR_ROLE(), operator, {"from": admin})

    ok = True
    spec = (h32(1), h32(2), h32(3), h32(4), h32(5), (7900, 4500, 1700, 7600))
    tx = models.registerModel(spec, "ipfs://bafy-model-card", {"from": operator})
    ok &= gas_line(BUDGETS, "ai.register_model", tx.gas_used)["check"] == "OK"
    tx = models.approve(1, h32(6), {"from": auditor})  # the validation report hash
    ok &= gas_line(BUDGETS, "ai.approve_model", tx.gas_used)["check"] == "OK"

    subjects = ["0x" + (0x1000 + i).to_bytes(20, "big").hex() for i in range(BATCH)]
    scores = [(i * 37) % 10_001 for i in range(BATCH)]
    inputs = [h32(10_000 + i) for i in range(BATCH)]
    reasons = [h32(20_000 + i) for i in range(BATCH)]
    now = chain[-1].timestamp
    tx = oracle.postScores(1, now, now + 7 * DAY, subjects, scores, inputs, reasons, {"from": operator})
    ok &= gas_line(BUDGETS, "ai.post_scores_256", tx.gas_used)["check"] == "OK"
    ok &= gas_line(BUDGETS, "ai.post_score_per_item", tx.gas_used // BATCH)["check"] == "OK"
    chain.sleep(60)
    chain.mine()
    now = chain[-1].timestamp
    tx = oracle.postScores(1, now, now + 7 * DAY, subjects, [s // 2 for s in scores], inputs[::-1], reasons,
                           {"from": operator})
    ok &= gas_line(BUDGETS, "ai.post_scores_256_update", tx.gas_used)["check"] == "OK"
    print("all within budget" if ok else "OVER budget")
