"""Seeded-bug run of the forge invariant suites (`make mutation`): each suite must fail on a bug.

For each mutant: replace one line of a production contract (the original must occur exactly once),
run the suite that guards the law the line upholds, expect it to FAIL, restore the file. Prints a
table (and writes reports/mutation.md); exits 1 if a mutant survives, a line is not found, or the
unmutated suite does not compile. The file is restored even when the run is interrupted.

    .venv/bin/python tools/mutation.py            # every mutant
    .venv/bin/python tools/mutation.py -k serial  # mutants whose name contains "serial"
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    original: str
    mutated: str
    suite: str  # the forge test contract that must fail


MUTANTS = (
    Mutant("token: mint credits one unit more", "contracts/token/SettlementToken.sol",
           "_mint(to, amount);", "_mint(to, amount + 1);", "SettlementTokenInvariants"),
    Mutant("carbon supply: retirement not counted", "contracts/carbon/CarbonCredits.sol",
           "b.retired += uint64(amount);", "b.retired += 0;", "CarbonSupplyInvariants"),
    Mutant("carbon serials: next range starts on the last serial", "contracts/carbon/CarbonCredits.sol",
           "_nextSerial = serialEnd + 1;", "_nextSerial = serialEnd;", "CarbonSerialsInvariants"),
    Mutant("market proceeds: seller credited the fee too", "contracts/carbon/CarbonMarket.sol",
           "_credited[seller] += cost - feeAmount;", "_credited[seller] += cost;", "CarbonMarketInvariants"),
    Mutant("market escrow: a cancelled listing returns one unit less", "contracts/carbon/CarbonMarket.sol",
           'credits.safeTransferFrom(address(this), msg.sender, l.batchId, returned, "");',
           'credits.safeTransferFrom(address(this), msg.sender, l.batchId, returned - 1, "");', "CarbonMarketInvariants"),
    Mutant("voucher face: a split parent stays live", "contracts/voucher/CreditVoucher.sol",
           "n.state = State.Split;", "n.state = State.Active;", "VoucherFaceInvariants"),
    Mutant("voucher financing: a discounted node stays on offer", "contracts/voucher/CreditVoucher.sol",
           "n.holder = msg.sender;\n        n.state = State.Active;\n        _recordFinancing",
           "n.holder = msg.sender;\n        n.state = State.Offered;\n        _recordFinancing", "VoucherFaceInvariants"),
    Mutant("mrv reports: a claimed batch is not marked", "contracts/mrv/MRVReports.sol",
           "_batchReport[batchId] = reportId;", "_batchReport[batchId] = 0;", "MRVReportsInvariants"),
    Mutant("mrv reports: a consumed report stays approved", "contracts/mrv/MRVReports.sol",
           "r.status = ReportStatus.Consumed;", "r.status = ReportStatus.Approved;", "MRVReportsInvariants"),
    Mutant("mrv anchor totals: a node's false sums are no fault", "contracts/mrv/MRVAnchor.sol",
           "if (!sumsHold) return Fault.WrongTotals;", "if (false) return Fault.WrongTotals;", "MRVAnchorInvariants"),
    Mutant("mrv anchor replays: an excluded reading's energy stays counted", "contracts/mrv/MRVAnchor.sol",
           "_shift(batchId, -int256(uint256(energy)), -1);", "_shift(batchId, 0, -1);", "MRVAnchorInvariants"),
    Mutant("mrv anchor reports: a reported batch can be reported again", "contracts/mrv/MRVReports.sol",
           "if (holder != 0) revert BatchAlreadyReported(batchId, holder);",
           "if (false) revert BatchAlreadyReported(batchId, holder);", "MRVAnchorInvariants"),
    Mutant("mrv anchor refusals: a batch is finalized inside its window", "contracts/mrv/MRVAnchor.sol",
           "if (block.timestamp < b.challengeEnd) revert ChallengeWindowOpen(batchId, b.challengeEnd);",
           "if (false) revert ChallengeWindowOpen(batchId, b.challengeEnd);", "MRVAnchorInvariants"),
    Mutant("mrv anchor refusals: a suspended device is suspended again", "contracts/mrv/DeviceRegistry.sol",
           "if (d.status != DeviceStatus.Active) revert InvalidDeviceStatus(deviceId, d.status);",
           "if (false) revert InvalidDeviceStatus(deviceId, d.status);", "MRVAnchorInvariants"),
    Mutant("sum tree: a node whose children differ by two is balanced", "contracts/mrv/MerkleSum.sol",
           "(lc > rc ? lc - rc : rc - lc) <= 1;", "(lc > rc ? lc - rc : rc - lc) <= 2;", "SumTreeDifferential"),
    Mutant("bond money: a coupon claim is not zeroed", "contracts/bond/GreenBond.sol",
           "h.owed = 0;", "h.owed = 1;", "BondMoneyInvariants"),
    Mutant("bond money: a refund is not booked", "contracts/bond/GreenBond.sol",
           "_refunded += amount;", "_refunded += 0;", "BondMoneyInvariants"),
    Mutant("bond money: released proceeds are netted too", "contracts/bond/GreenBond.sol",
           "uint256 netted = _subscribed - _proceeds.released;", "uint256 netted = _subscribed;", "BondMoneyInvariants"),
    Mutant("attribution: output verified before the first claim is attributed", "contracts/finance/ImpactAttribution.sol",
           "(p.baselineWh, p.baselineGrams, p.seenWh, p.seenGrams) = (wh120, grams128, wh120, grams128);",
           "(p.baselineWh, p.baselineGrams, p.seenWh, p.seenGrams) = (wh120, grams128, 0, 0);", "BondAttributionInvariants"),
    Mutant("attribution: a dust claim is accepted", "contracts/finance/ImpactAttribution.sol",
           "if (amount < minimumClaim)", "if (amount < 1)", "BondAttributionInvariants"),
    Mutant("loan money: a repayment is not booked", "contracts/loan/GreenLoan.sol",
           "_plus(paid.principal, toPrincipal)", "_plus(paid.principal, 0)", "LoanMoneyInvariants"),
    Mutant("loan interest: no late interest on the overdue amount", "contracts/loan/GreenLoan.sol",
           "+ LoanMath.interestNumerator(overdue, s.lateBps, elapsed);", "+ 0 * overdue;", "LoanScheduleDifferential"),
    Mutant("bond coupon: actual/365 counts elapsed days, not calendar days", "contracts/bond/GreenBond.sol",
           "uint256 days_ = paymentDate(period) / 1 days - paymentDate(period - 1) / 1 days;",
           "uint256 days_ = (paymentDate(period) - paymentDate(period - 1)) / 1 days;", "BondCouponDifferential"),
    Mutant("oracle core: the leaf is hashed once, not twice", "contracts/mrv/MRVAnchor.sol",
           "return keccak256(bytes.concat(keccak256(abi.encode(signed.reading, signed.r, signed.vs))));",
           "return keccak256(abi.encode(signed.reading, signed.r, signed.vs));", "OracleCoreDifferential"),
    Mutant("registry: freezing the frozen is accepted", "contracts/registry/ParticipantRegistry.sol",
           "if (p.frozen) revert FrozenStateUnchanged(account, true);", "if (false) revert FrozenStateUnchanged(account, true);",
           "RegistryPauseInvariants"),
    Mutant("pause: a paused network refuses as a compliance refusal", "contracts/compliance/ComplianceGuard.sol",
           "if (reason == IParticipantRegistry.Reason.SystemPaused) revert NetworkPaused();",
           "if (reason == IParticipantRegistry.Reason.Ok) revert NetworkPaused();", "RegistryPauseInvariants"),
)


def run_suite(suite: str, log: Path) -> tuple[bool, float]:
    """Run one forge suite; True when it FAILED (the mutant was caught)."""
    start = time.monotonic()
    with log.open("w") as out:
        result = subprocess.run(["tools/forge", "test", "--skip", "*/foundry/unit/*", "--match-contract", suite], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, env=os.environ)
    text = log.read_text()
    compiled = "Compiler run failed" not in text and "Error: " not in text.split("Ran ")[0]
    if not compiled:
        raise SystemExit(f"the mutated source does not compile: see {log}")
    return result.returncode != 0 and "[FAIL" in text, time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only mutants whose name contains this")
    args = parser.parse_args()
    reports = ROOT / "reports" / "mutation"
    reports.mkdir(parents=True, exist_ok=True)
    rows, survived = [], 0
    for i, m in enumerate(x for x in MUTANTS if args.k in x.name):
        path = ROOT / m.path
        source = path.read_text()
        if source.count(m.original) != 1:
            print(f"{m.name}: the line to mutate is not in {m.path} exactly once", file=sys.stderr)
            return 1
        try:
            path.write_text(source.replace(m.original, m.mutated))
            caught, seconds = run_suite(m.suite, reports / f"mutant-{i}.log")
        finally:
            path.write_text(source)
        survived += not caught
        verdict = "caught" if caught else "SURVIVED"
        seeded = next(new for old, new in zip(m.original.splitlines(), m.mutated.splitlines()) if old != new).strip()
        rows.append(f"| {m.name} | `{m.path}` | `{seeded}` | {m.suite} | {verdict} ({seconds:.0f} s) |")
        print(rows[-1], flush=True)
    table = "\n".join(["| mutant | file | seeded line | suite | result |", "| --- | --- | --- | --- | --- |", *rows])
    (reports / "mutation.md").write_text(table + "\n")
    print(f"\n{len(rows) - survived} of {len(rows)} mutants caught; logs in reports/mutation/")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
