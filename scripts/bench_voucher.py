"""Gas benchmark of CreditVoucher: `brownie run scripts/bench_voucher.py --network NAME`.

Deploys the shared layer, mocks of the risk oracle and project registry, and CreditVoucher; then
issues, splits, transfers (and accepts), finances (offer + accept) and claims one voucher each, and
prints one JSON line per operation with its gas, the issue's anchor figure and OK/OVER its target.
Every account touched already holds settlement tokens, as on a live network where suppliers have
traded before (a first-ever token balance costs a further ~17k gas in the claim and the financing).
"""

from brownie import (
    CreditVoucher,
    MockProjectRegistry,
    MockRiskOracle,
    ParticipantRegistry,
    SettlementToken,
    accounts,
    chain,
)

from greenfi.bench import gas_line
from greenfi.domain.participants import Kind, jurisdiction

UNIT = 10**6
DAY = 24 * 3600

# name -> (target gas or None, anchor text)
TARGETS = {
    "voucher.issue": (None, "no target or anchor in the issue"),
    "voucher.split": (150_000, "ERC-3525 (Solv) split to new address ~230k"),
    "voucher.transfer": (80_000, "ERC-3525 value transfer ~63k"),
    "voucher.accept": (None, "part of voucher.transfer (acceptance by the receiver)"),
    "voucher.finance": (200_000, "offer + accept together; no anchor in the issue"),
    "voucher.claim": (70_000, "no anchor in the issue"),
}


def main():
    admin, regulator, obligor, tier1, tier2, bank = accounts[0], accounts[1], accounts[5], accounts[6], accounts[11], accounts[7]
    registry = ParticipantRegistry.deploy(admin, regulator, 0, {"from": admin})
    expiry = chain.time() + 365 * DAY
    for account, kind in [(obligor, Kind.ENTERPRISE), (tier1, Kind.ENTERPRISE), (tier2, Kind.ENTERPRISE), (bank, Kind.BANK)]:
        registry.register(account, kind, jurisdiction("CN"), expiry, {"from": regulator})
    token = SettlementToken.deploy("Tokenized Deposit CNY", "tdCNY", registry, admin, bank, {"from": admin})
    oracle = MockRiskOracle.deploy({"from": admin})
    projects = MockProjectRegistry.deploy({"from": admin})
    voucher = CreditVoucher.deploy(registry, token, oracle, projects, admin, regulator, {"from": admin})
    oracle.setScore(obligor, 150, 1, {"from": admin})
    for account in (obligor, tier1, tier2, bank):
        token.mint(account, 1_000_000 * UNIT, {"from": bank})
    token.approve(voucher, 2**256 - 1, {"from": bank})
    token.approve(voucher, 2**256 - 1, {"from": obligor})

    lines = []
    maturity = chain.time() + 90 * DAY
    docs = [bytes([i]) * 32 for i in (1, 2, 3)]
    tx = voucher.issue(tier1, 100_000 * UNIT, maturity, *docs, 0, {"from": obligor})
    root = tx.return_value
    lines.append(gas_line(TARGETS, "voucher.issue", tx.gas_used))

    tx = voucher.split(root, [60_000 * UNIT, 40_000 * UNIT], [tier2, tier1], {"from": tier1})
    first, second = voucher.childId(root, 0), voucher.childId(root, 1)
    lines.append(gas_line(TARGETS, "voucher.split", tx.gas_used, parts=2))
    voucher.accept(first, {"from": tier2})

    transfer = voucher.transfer(second, tier2, {"from": tier1})
    accept = voucher.accept(second, {"from": tier2})
    lines.append(gas_line(TARGETS, "voucher.transfer", transfer.gas_used, accept=accept.gas_used))
    lines.append(gas_line(TARGETS, "voucher.accept", accept.gas_used))

    offer = voucher.offer(first, bank, 600, {"from": tier2})
    financed = voucher.acceptOffer(first, 450, {"from": bank})
    lines.append(gas_line(TARGETS, "voucher.finance", offer.gas_used + financed.gas_used,
                        offer=offer.gas_used, accept=financed.gas_used))

    voucher.repay(root, 100_000 * UNIT, {"from": obligor})
    chain.sleep(maturity - chain.time() + 1)
    chain.mine()
    tx = voucher.claim(second, {"from": tier2})
    lines.append(gas_line(TARGETS, "voucher.claim", tx.gas_used))
    over = [line["name"] for line in lines if line.get("check") == "OVER"]
    print("OVER: " + ", ".join(over) if over else "OK: every figure within its target")
    return lines
