"""Loan fixtures: the real AI ledger (ModelRegistry with an approved version, RiskOracle with the borrower's
score), a real ProjectRegistry with the borrower's active project, mocked monitoring reports, the
ImpactAttribution, the GreenLoan implementation and factory, and a facility maker."""

import pytest
from brownie import (GreenLoan, GreenLoanFactory, ImpactAttribution, MockMonitoringReportsForBonds, ModelRegistry,
                     ProjectRegistry, RiskOracle)
from tests.support.chain import UNIT
from tests.loan.support import MAX_AGE, MINIMUM_CLAIM, MODEL, REPORT, SCORE, as_tuple, b32, default_terms, h32, now

from greenfi.domain.loans import DAY


@pytest.fixture(scope="session")
def borrower(developer):
    return developer


@pytest.fixture(scope="session")
def lender(bank):
    return bank


@pytest.fixture(scope="module")
def models(registry, admin, oracle_operator, auditor):
    contract = ModelRegistry.deploy(registry, admin, {"from": admin})
    contract.grantRole(contract.MODEL_OPERATOR_ROLE(), oracle_operator, {"from": admin})
    for version in (1, 2):
        contract.registerModel((*[h32(version * 16 + f + 1) for f in range(5)], (7900, 4500, 1700, 7600)),
                               f"ipfs://card-{version}", {"from": oracle_operator})
    contract.approve(MODEL, REPORT, {"from": auditor})
    return contract


@pytest.fixture(scope="module")
def risk(registry, models, admin, oracle_operator, borrower):
    oracle = RiskOracle.deploy(registry, models, admin, MAX_AGE, {"from": admin})
    oracle.grantRole(oracle.OPERATOR_ROLE(), oracle_operator, {"from": admin})
    return oracle


@pytest.fixture(scope="module")
def post_score(risk, oracle_operator, borrower):
    """post_score(score_bps, version=MODEL, timestamp=now) -> posts the borrower's score."""

    def post(score_bps=SCORE, version=MODEL, timestamp=None, expiry_days=60):
        ts = now() if timestamp is None else timestamp
        return risk.postScores(version, ts, ts + expiry_days * DAY, [borrower], [score_bps],
                               [h32(0x1A + score_bps)], [h32(0xE0 + score_bps)], {"from": oracle_operator})

    return post


@pytest.fixture(scope="module")
def projects(registry, admin, regulator, borrower, verifier):
    contract = ProjectRegistry.deploy(registry, admin, regulator, {"from": admin})
    pid = contract.submitProject(b32("ACM0002"), b32("v21"), 1, b"CN", b32("solar-1"), {"from": borrower}).return_value
    contract.validate(pid, b32("validation"), {"from": verifier})
    contract.activate(pid, b32("decision"), {"from": regulator})
    return contract


@pytest.fixture(scope="module")
def project_id(projects):
    return 1


@pytest.fixture(scope="module")
def reports(admin):
    return MockMonitoringReportsForBonds.deploy({"from": admin})


@pytest.fixture(scope="module")
def attribution(reports, admin):
    return ImpactAttribution.deploy(reports, admin, MINIMUM_CLAIM, 0, {"from": admin})


@pytest.fixture(scope="module")
def loan_factory(registry, settlement_token, projects, attribution, risk, admin, bank, borrower, lender, post_score):
    impl = GreenLoan.deploy(registry, settlement_token, projects, attribution, risk, {"from": admin})
    factory = GreenLoanFactory.deploy(registry, impl, {"from": admin})
    attribution.grantRole(attribution.REGISTRAR_ROLE(), factory, {"from": admin})
    for payer in (lender, borrower):
        settlement_token.mint(payer, 10_000_000 * UNIT, {"from": bank})
    post_score()
    return factory


@pytest.fixture(scope="module")
def make_loan(loan_factory, settlement_token, borrower, lender, project_id):
    """make_loan(start=None, **term overrides) -> a Proposed GreenLoan whose parties approved the token."""

    def make(start=None, **overrides):
        terms = default_terms(project_id, now() + 1 if start is None else start, **overrides)
        tx = loan_factory.createLoan(as_tuple(terms), lender, {"from": borrower})
        loan = GreenLoan.at(tx.return_value[1])
        for payer in (lender, borrower):
            settlement_token.approve(loan, 2**256 - 1, {"from": payer})
        return loan

    return make


@pytest.fixture
def loan(make_loan):
    return make_loan()


@pytest.fixture
def approved(loan, lender):
    loan.approve({"from": lender})
    return loan
