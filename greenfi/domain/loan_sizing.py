"""Sizing a green loan from a project's verified generation: its approved monitoring reports read from
MRVReports, the yield estimate (models.energy_yield), and the ledger entry that records it in the
RiskOracle (docs/loans.md, "Sizing from generation").

A yield estimate is posted with `postScores` under the project's *estimate subject*, an address derived
from the project id that nobody holds (so it never mixes with a borrower's credit score): model version =
the registered yield model, scoreBps = the P90 haircut 1 - P90/P50 (higher is riskier), inputHash = SHA-256
of the input document (the reports read), explanationHash = SHA-256 of the estimate document (P50, P90,
terms, debt).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import keccak, to_checksum_address
from web3.contract import Contract

from greenfi.chain.contracts import fields
from greenfi.domain.mrv import REPORT_STATUSES
from models.energy_yield import (DebtTerms, Period, YieldEstimate, canonical, estimate, estimate_document,
                                 input_document, reference, sha256_hex, size_debt)

COUNTED_STATUSES = ("approved", "consumed")  # IMRVReports.ReportStatus members that count as verified
SUBJECT_TAG = b"greenfi:yield-estimate:"


def estimate_subject(project_id: int) -> str:
    """The RiskOracle subject a project's yield estimates are posted under: the last 20 bytes of
    keccak256("greenfi:yield-estimate:" ‖ uint256 projectId)."""
    return to_checksum_address(keccak(SUBJECT_TAG + project_id.to_bytes(32, "big"))[12:])


def approved_reports(reports: Contract, project_id: int, from_block: int = 0) -> list[tuple[int, Period]]:
    """The project's approved (or consumed) reports as (report id, verified period), in id order."""
    found = []
    for log in reports.events.ReportOpened.get_logs(from_block=from_block,
                                                     argument_filters={"projectId": project_id}):
        report_id = log["args"]["reportId"]
        record = fields(reports.functions.report(report_id))
        if REPORT_STATUSES[record["status"]] in COUNTED_STATUSES:
            found.append((report_id, Period(record["periodStart"], record["periodEnd"], record["netGenerationWh"])))
    return sorted(found, key=lambda r: r[0])


@dataclass(frozen=True)
class Sizing:
    project_id: int
    reports: list[tuple[int, Period]]
    result: YieldEstimate
    terms: DebtTerms
    debt: int
    input_document: dict
    estimate_document: dict

    @property
    def input_hash(self) -> str:
        return sha256_hex(canonical(self.input_document))

    @property
    def explanation_hash(self) -> str:
        return sha256_hex(canonical(self.estimate_document))


def size(project_id: int, reports: list[tuple[int, Period]], terms: DebtTerms) -> Sizing:
    """The estimate and the debt for a project whose approved reports are `reports`."""
    result = estimate([period for _, period in reports], reference())
    debt = size_debt(result.p90_wh, terms)
    inputs = input_document(project_id, reports)
    return Sizing(project_id, reports, result, terms, debt, inputs,
                  estimate_document(result, terms, debt, sha256_hex(canonical(inputs))))
