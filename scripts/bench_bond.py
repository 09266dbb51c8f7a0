"""Gas benchmark of GreenBond: `brownie run scripts/bench_bond.py --network NAME`.

Deploys the shared layer, a real ProjectRegistry with one active project, mocks of the monitoring
reports and risk oracle, the ImpactAttribution, the GreenBond implementation and its factory; creates a
series, then subscribes, settles, allocates and releases a milestone, funds a coupon, moves past its record
date and transfers between two holders (both sides' record-date entitlements are credited in the transfer),
claims a coupon and redeems at maturity. Prints one
JSON line per operation with its gas, the issue's anchor figure and OK/OVER its target. Every account
touched already holds settlement tokens and bonds, as on a live network after the first trades.
"""

from brownie import (GreenBond, GreenBondFactory, ImpactAttribution, MockMonitoringReportsForBonds, MockRiskOracle,
                     ParticipantRegistry, ProjectRegistry, SettlementToken, accounts, chain)

from greenfi.bench import gas_line
from greenfi.domain.participants import Kind, jurisdiction

UNIT = 10**6
DAY = 24 * 3600
YEAR = 365 * DAY
# name -> (target gas or None, anchor text); literals, so greenfi.bench reads the targets from the source
TARGETS = {
    "bond.subscribe": (None, "ERC-3643 (T-REX) compliant transfer ~195k, forcedTransfer ~200-215k (informational)"),
    "bond.transfer": (90_000, "ERC-3643 (T-REX) compliant transfer ~195k, forcedTransfer ~200-215k"),
    "bond.claim_coupon": (80_000, "ERC-3643 (T-REX) compliant transfer ~195k, forcedTransfer ~200-215k"),
    "bond.release": (100_000, "ERC-3643 (T-REX) compliant transfer ~195k, forcedTransfer ~200-215k"),
    "bond.redeem": (None, "ERC-3643 (T-REX) compliant transfer ~195k, forcedTransfer ~200-215k (informational)"),
}


def b32(text):
    return "0x" + text.encode().ljust(32, b"\0").hex()


def main():
    admin, regulator, verifier, developer, issuer = accounts[0], accounts[1], accounts[2], accounts[4], accounts[5]
    bank, holder1, holder2 = accounts[7], accounts[8], accounts[9]
    registry = ParticipantRegistry.deploy(admin, regulator, 0, {"from": admin})
    expiry = chain[-1].timestamp + 5 * YEAR
    for account, kind in [(verifier, Kind.VERIFIER), (developer, Kind.PROJECT_DEVELOPER), (issuer, Kind.ENTERPRISE),
                          (bank, Kind.BANK), (holder1, Kind.INVESTOR), (holder2, Kind.INVESTOR)]:
        registry.register(account, kind, jurisdiction("CN"), expiry, {"from": regulator})
    token = SettlementToken.deploy("Tokenized Deposit CNY", "tdCNY", registry, admin, bank, {"from": admin})
    projects = ProjectRegistry.deploy(registry, admin, regulator, {"from": admin})
    pid = projects.submitProject(b32("ACM0002"), b32("v21"), 1, b"CN", b32("solar"), {"from": developer}).return_value
    projects.validate(pid, b32("validation"), {"from": verifier})
    projects.activate(pid, b32("decision"), {"from": regulator})
    reports = MockMonitoringReportsForBonds.deploy({"from": admin})
    risk = MockRiskOracle.deploy({"from": admin})
    attribution = ImpactAttribution.deploy(reports, admin, 1_000 * UNIT, 0, {"from": admin})
    impl = GreenBond.deploy(registry, token, projects, attribution, risk, {"from": admin})
    factory = GreenBondFactory.deploy(registry, impl, {"from": admin})
    attribution.grantRole(attribution.REGISTRAR_ROLE(), factory, {"from": admin})

    start = chain[-1].timestamp
    issue = start + 10 * DAY
    terms = (b32("XS0000BENCH1"), 1_000 * UNIT, 1_000, 100, start, issue, issue + YEAR, 500, 2, 0, 25, 0, 500, 0, 0)
    bond = GreenBond.at(factory.createBond(terms, "Bench Green", "BG", {"from": issuer}).return_value)
    for account in (issuer, developer, holder1, holder2):
        token.mint(account, 10_000_000 * UNIT, {"from": bank})
    for account in (issuer, holder1, holder2):
        token.approve(bond, 2**256 - 1, {"from": account})
    risk.setScore(issuer, 300, 1, {"from": admin})

    lines = []
    bond.subscribe(300, {"from": holder1})
    tx = bond.subscribe(200, {"from": holder2})
    lines.append(gas_line(TARGETS, "bond.subscribe", tx.gas_used))
    chain.sleep(issue - chain[-1].timestamp + 1)
    chain.mine()
    bond.settle({"from": issuer})

    bond.allocate(pid, 100_000 * UNIT, 0, issue + YEAR, {"from": issuer})
    bond.attestMilestone(0, b32("commissioned"), {"from": verifier})
    tx = bond.releaseMilestone(0, {"from": verifier})
    lines.append(gas_line(TARGETS, "bond.release", tx.gas_used))
    bond.withdrawProceeds({"from": developer})  # the developer already holds tokens (minted above)

    bond.fundCoupon(1, {"from": issuer})
    chain.sleep(bond.recordDate(1) - chain[-1].timestamp + 1)
    chain.mine()
    bond.claimCoupons({"from": holder2})  # holder2 has claimed before: a warm accrual slot
    tx = bond.transfer(holder2, 10, {"from": holder1})  # credits holder1's record-date coupon, then moves the bonds
    lines.append(gas_line(TARGETS, "bond.transfer", tx.gas_used))
    tx = bond.claimCoupons({"from": holder1})
    lines.append(gas_line(TARGETS, "bond.claim_coupon", tx.gas_used))

    bond.fundCoupon(2, {"from": issuer})
    bond.depositPrincipal({"from": issuer})
    chain.sleep(issue + YEAR - chain[-1].timestamp + 1)
    chain.mine()
    tx = bond.redeem(100, {"from": holder1})
    lines.append(gas_line(TARGETS, "bond.redeem", tx.gas_used))
    over = [line["name"] for line in lines if line.get("check") == "OVER"]
    print("OVER: " + ", ".join(over) if over else "OK: every figure within its target")
    return lines
