"""Gas benchmark of the carbon instruments: `brownie run scripts/bench_carbon.py --network NAME`.

Deploys a fresh suite (with the MRV mock as the report source), runs each operation once in its
typical state and prints one JSON line per operation with the anchor figure it has to beat.
"""

import json

from brownie import (CarbonCredits, CarbonMarket, MockMonitoringReportsForCarbon, ParticipantRegistry,
                     ProjectRegistry, SettlementToken, accounts, chain, web3)

from greenfi.bench import gas_line
from greenfi.domain.participants import Kind

UNIT = 10**6
TONNE = 10**6
DAY = 24 * 3600
START = 1_735_689_600

# name -> (anchor text, target gas or None)
TARGETS = {
    "carbon.issue": ("Toucan tokenize ~590k / Hyperledger issue 249-419k", 200_000),
    "carbon.issue_first": ("Toucan tokenize ~590k / Hyperledger issue 249-419k (first batch of a project)", 200_000),
    "carbon.transfer": ("Toucan transfer 68-85k", 60_000),
    "carbon.transfer_new_holder": ("Toucan transfer 68-85k (recipient's first units of the batch)", None),
    "carbon.retire": ("Toucan retire with certificate 478-512k", 150_000),
    "market.list": ("no anchor", None),
    "market.fill": ("no anchor (Toucan transfer 68-85k for the delivery leg alone)", 120_000),
    "market.fill_first_sale": ("no anchor (the seller's first proceeds: a fresh pull-balance slot)", None),
    "carbon.buy_and_retire": ("Toucan retire with certificate 478-512k (here plus payment)", None),
    "carbon.issue_carried": ("no anchor (a sub-tonne report: its period used, its grams carried)", None),
    "market.cancel_escrowed": ("no anchor (regulator: cancel part of a listing's escrow)", None),
    "market.force_delist": ("no anchor (regulator: close a listing, units back to the seller)", None),
}


def report(project_id, start, end, verifier, tonnes, label, grams=0):
    return (project_id, start, end, 0, tonnes * TONNE + grams, web3.keccak(text=label), verifier)


def claim(beneficiary):
    return (beneficiary, web3.keccak(text="ACME Ltd"), 1, b"CN", START, START + 365 * DAY)


def main():
    admin, regulator, verifier, developer, buyer, buyer2, holder, treasury = (accounts[i] for i in (0, 1, 2, 4, 5, 6, 8, 11))
    quiet = {"from": admin, "silent": True}
    registry = ParticipantRegistry.deploy(admin, regulator, 0, quiet)
    expiry = chain.time() + 365 * DAY
    for account, kind in [(verifier, Kind.VERIFIER), (developer, Kind.PROJECT_DEVELOPER), (buyer, Kind.ENTERPRISE),
                          (buyer2, Kind.ENTERPRISE), (holder, Kind.INVESTOR), (treasury, Kind.BANK)]:
        registry.register(account, kind, b"CN", expiry, {"from": regulator, "silent": True})
    token = SettlementToken.deploy("Tokenized Deposit CNY", "tdCNY", registry, admin, treasury, quiet)
    projects = ProjectRegistry.deploy(registry, admin, regulator, quiet)
    reports = MockMonitoringReportsForCarbon.deploy(quiet)
    credits = CarbonCredits.deploy(registry, projects, reports, admin, regulator, 1_000, quiet)
    market = CarbonMarket.deploy(registry, credits, token, admin, treasury, 100, quiet)
    credits.grantRole(credits.MARKET_ROLE(), market, quiet)

    def new_project():
        tx = projects.submitProject(web3.keccak(text="VM0042"), web3.keccak(text="v2"), 0, b"CN",
                                    web3.keccak(text="site"), {"from": developer, "silent": True})
        pid = tx.return_value
        projects.validate(pid, web3.keccak(text="validation"), {"from": verifier, "silent": True})
        projects.activate(pid, web3.keccak(text="decision"), {"from": regulator, "silent": True})
        return pid

    results = []
    pid = new_project()
    reports.setReport(1, report(pid, START, START + 90 * DAY, verifier, 10_000, "r1"), True, quiet)
    reports.setReport(2, report(pid, START + 90 * DAY, START + 180 * DAY, verifier, 10_000, "r2"), True, quiet)
    first = credits.issue(1, {"from": developer, "silent": True})
    results.append(gas_line(TARGETS, "carbon.issue_first", first.gas_used))
    tx = credits.issue(2, {"from": developer, "silent": True})
    results.append(gas_line(TARGETS, "carbon.issue", tx.gas_used))
    batch_id = tx.return_value

    tx = credits.safeTransferFrom(developer, holder, batch_id, 100, b"", {"from": developer, "silent": True})
    results.append(gas_line(TARGETS, "carbon.transfer_new_holder", tx.gas_used))
    tx = credits.safeTransferFrom(developer, holder, batch_id, 100, b"", {"from": developer, "silent": True})
    results.append(gas_line(TARGETS, "carbon.transfer", tx.gas_used))

    tx = credits.retire(batch_id, 10, claim(holder), {"from": holder, "silent": True})
    results.append(gas_line(TARGETS, "carbon.retire", tx.gas_used))

    for b in (buyer, buyer2):
        token.mint(b, 1_000_000 * UNIT, {"from": treasury, "silent": True})
        token.approve(market, 2**256 - 1, {"from": b, "silent": True})
    credits.setApprovalForAll(market, True, {"from": developer, "silent": True})
    tx = market.list(batch_id, 1_000, 20 * UNIT, chain.time() + 30 * DAY, {"from": developer, "silent": True})
    results.append(gas_line(TARGETS, "market.list", tx.gas_used))
    listing = tx.return_value
    tx = market.fill(listing, 10, {"from": buyer2, "silent": True})  # the seller's proceeds account exists from now on
    results.append(gas_line(TARGETS, "market.fill_first_sale", tx.gas_used))
    tx = market.fill(listing, 10, {"from": buyer, "silent": True})
    results.append(gas_line(TARGETS, "market.fill", tx.gas_used))
    tx = market.buyAndRetire(listing, 10, claim(buyer), {"from": buyer, "silent": True})
    results.append(gas_line(TARGETS, "carbon.buy_and_retire", tx.gas_used))
    tx = market.cancelEscrowed(listing, 10, web3.keccak(text="fraud"), {"from": regulator, "silent": True})
    results.append(gas_line(TARGETS, "market.cancel_escrowed", tx.gas_used))
    tx = market.forceDelist(listing, web3.keccak(text="court order"), {"from": regulator, "silent": True})
    results.append(gas_line(TARGETS, "market.force_delist", tx.gas_used))

    reports.setReport(3, report(pid, START + 180 * DAY, START + 270 * DAY, verifier, 0, "r3", grams=400_000), True, quiet)
    tx = credits.issue(3, {"from": developer, "silent": True})
    results.append(gas_line(TARGETS, "carbon.issue_carried", tx.gas_used))

    over = [r["name"] for r in results if r.get("check") == "OVER"]
    print(json.dumps({"summary": "OVER" if over else "OK", "over": over}))
