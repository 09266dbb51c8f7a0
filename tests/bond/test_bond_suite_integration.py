"""A bond series on the real suite contracts, no mocks: the real ParticipantRegistry, SettlementToken,
ProjectRegistry, MRVReports (behind a real MRVAnchor and DeviceRegistry) and a RiskOracle fed by an approved
ModelRegistry version. The RiskOracle gates the issue; ProjectRegistry decides which projects may be financed;
MRVReports answers the KPI (no verified report yet: the data is missing and the coupon steps up)."""

import brownie
import pytest
from tests.bond.support import DENOMINATION, ISSUED, MISSING, as_tuple, b32, default_terms, past
from brownie import (DeviceRegistry, chain, GreenBond, GreenBondFactory, ImpactAttribution, ModelRegistry, MRVAnchor,
                     MRVReports, RiskOracle)
from tests.bond.support import MINIMUM_CLAIM
from tests.support.chain import custom_error, event, now

MAX_AGE = 30 * 24 * 3600
METRICS = (7900, 4500, 1700, 7600)


def h32(n):
    return "0x" + n.to_bytes(32, "big").hex()


@pytest.fixture(scope="module")
def suite(bond_registry, settlement_token, projects, admin, regulator, oracle_operator, auditor):
    devices = DeviceRegistry.deploy(bond_registry, projects, {"from": admin})
    anchor = MRVAnchor.deploy(bond_registry, devices, admin, regulator, 1, {"from": admin})
    reports = MRVReports.deploy(bond_registry, projects, anchor, admin, regulator, {"from": admin})
    models = ModelRegistry.deploy(bond_registry, admin, {"from": admin})
    models.grantRole(models.MODEL_OPERATOR_ROLE(), oracle_operator, {"from": admin})
    models.registerModel((*(h32(16 + f) for f in range(5)), METRICS), "ipfs://card-1", {"from": oracle_operator})
    models.approve(1, b"\x4e" * 32, {"from": auditor})  # a validation report hash
    oracle = RiskOracle.deploy(bond_registry, models, admin, MAX_AGE, {"from": admin})
    oracle.grantRole(oracle.OPERATOR_ROLE(), oracle_operator, {"from": admin})
    attribution = ImpactAttribution.deploy(reports, admin, MINIMUM_CLAIM, 0, {"from": admin})
    impl = GreenBond.deploy(bond_registry, settlement_token, projects, attribution, oracle, {"from": admin})
    factory = GreenBondFactory.deploy(bond_registry, impl, {"from": admin})
    attribution.grantRole(attribution.REGISTRAR_ROLE(), factory, {"from": admin})
    return {"reports": reports, "oracle": oracle, "factory": factory}


def post_score(oracle, operator, subject, score_bps):
    chain.sleep(1)
    chain.mine()  # each score strictly newer than the last
    t = now()
    oracle.postScores(1, t, t + MAX_AGE, [subject], [score_bps], [h32(1)], [h32(2)], {"from": operator})


@pytest.fixture
def real_bond(suite, settlement_token, issuer, investors, bank, factory):
    t = default_terms(now(), isin=b32("XS0000REAL01"))
    bond = GreenBond.at(suite["factory"].createBond(as_tuple(t), "Real Green", "RG", {"from": issuer}).return_value)
    for payer in (issuer, *investors):  # `factory` (the mocked one) has minted them their tokens
        settlement_token.approve(bond, 2**256 - 1, {"from": payer})
    return bond


def test_the_real_risk_oracle_gates_the_issue_and_its_score_is_recorded(real_bond, suite, issuer, investor,
                                                                      oracle_operator):
    real_bond.subscribe(200, {"from": investor})
    past(real_bond.terms()[5])
    with brownie.reverts(custom_error("RiskScoreUnavailable", issuer)):  # no score posted yet
        real_bond.settle({"from": issuer})
    post_score(suite["oracle"], oracle_operator, issuer, 501)  # the terms' limit is 500 bps
    with brownie.reverts(custom_error("RiskScoreAboveLimit", 501, 500)):
        real_bond.settle({"from": issuer})
    post_score(suite["oracle"], oracle_operator, issuer, 420)
    tx = real_bond.settle({"from": issuer})
    assert event(tx, "BondIssued")["riskScoreBps"] == 420
    assert real_bond.status() == ISSUED and tuple(real_bond.riskScoreUsed()) == (420, 1)


def test_real_project_registry_eligibility_and_release_with_real_mrv_reports(real_bond, suite, projects, issuer,
                                                                           investor, verifier, developer,
                                                                           oracle_operator, regulator, outsider):
    real_bond.subscribe(300, {"from": investor})
    past(real_bond.terms()[5])
    post_score(suite["oracle"], oracle_operator, issuer, 300)
    real_bond.settle({"from": issuer})
    with brownie.reverts(custom_error("ProjectNotActive", 99)):
        real_bond.allocate(99, 1_000, 0, real_bond.terms()[6], {"from": issuer})
    real_bond.allocate(1, 100 * DENOMINATION, 0, real_bond.terms()[6], {"from": issuer})  # released on attestation
    # needs 1 MWh verified by MRVReports after this allocation
    real_bond.allocate(2, 50 * DENOMINATION, 1_000_000, real_bond.terms()[6], {"from": issuer})
    with brownie.reverts(custom_error("MilestoneConditionNotMet", 1)):
        real_bond.releaseMilestone(1, {"from": outsider})  # MRVReports has verified nothing for project 2
    real_bond.attestMilestone(0, b32("commissioned"), {"from": verifier})
    tx = real_bond.releaseMilestone(0, {"from": outsider})
    assert event(tx, "ProceedsReleased")["developer"] == str(developer)
    projects.suspend(2, b32("fraud"), {"from": regulator})
    real_bond.reallocate(1, b32("suspended"), {"from": issuer})
    assert real_bond.unallocated() == 200 * DENOMINATION
    real_bond.fundCoupon(1, {"from": issuer})
    past(real_bond.paymentDate(1))
    tx = real_bond.observeKpi(1, {"from": outsider})
    assert event(tx, "KpiObserved")["outcome"] == MISSING and real_bond.couponRate(2) == 525
