"""Bond fixtures: a real ProjectRegistry with two active projects, mocked monitoring reports and risk
oracle, the ImpactAttribution, the GreenBond implementation and factory, funded investors and issuer, and a
series maker."""

import pytest
from tests.bond.support import ISSUER_SCORE, MINIMUM_CLAIM, MODEL_VERSION, as_tuple, b32, default_terms, now
from brownie import (GreenBond, GreenBondFactory, ImpactAttribution, MockMonitoringReportsForBonds, MockRiskOracle,
                     ProjectRegistry, accounts)
from tests.support.chain import UNIT, kyc_expiry

from greenfi.domain.participants import Kind, jurisdiction

@pytest.fixture(scope="session")
def investor2():
    return accounts[15]


@pytest.fixture(scope="session")
def investor3():
    return accounts[16]


@pytest.fixture(scope="session")
def issuer(enterprise):
    return enterprise


@pytest.fixture(scope="session")
def investors(investor, investor2, investor3):
    return [investor, investor2, investor3]


@pytest.fixture(scope="module")
def bond_registry(registry, regulator, investor2, investor3):
    for account in (investor2, investor3):
        registry.register(account, Kind.INVESTOR, jurisdiction("CN"), kyc_expiry(), {"from": regulator})
    return registry


def _activate(projects, developer, verifier, regulator, name):
    pid = projects.submitProject(b32("ACM0002"), b32("v21"), 1, b"CN", b32(name), {"from": developer}).return_value
    projects.validate(pid, b32("validation"), {"from": verifier})
    projects.activate(pid, b32("decision"), {"from": regulator})
    return pid


@pytest.fixture(scope="module")
def projects(bond_registry, admin, regulator, developer, verifier):
    registry = ProjectRegistry.deploy(bond_registry, admin, regulator, {"from": admin})
    _activate(registry, developer, verifier, regulator, "solar-1")
    _activate(registry, developer, verifier, regulator, "wind-2")
    return registry


@pytest.fixture(scope="module")
def reports(admin):
    return MockMonitoringReportsForBonds.deploy({"from": admin})


@pytest.fixture(scope="module")
def risk(admin, issuer):
    oracle = MockRiskOracle.deploy({"from": admin})
    oracle.setScore(issuer, ISSUER_SCORE, MODEL_VERSION, {"from": admin})
    return oracle


@pytest.fixture(scope="module")
def attribution(reports, admin):
    return ImpactAttribution.deploy(reports, admin, MINIMUM_CLAIM, 0, {"from": admin})


@pytest.fixture(scope="module")
def factory_on(bond_registry, projects, attribution, risk, admin):
    """factory_on(token) -> a GreenBondFactory whose series settle in `token`, registered with the attribution."""

    def make(token):
        impl = GreenBond.deploy(bond_registry, token, projects, attribution, risk, {"from": admin})
        f = GreenBondFactory.deploy(bond_registry, impl, {"from": admin})
        attribution.grantRole(attribution.REGISTRAR_ROLE(), f, {"from": admin})
        return f

    return make


@pytest.fixture(scope="module")
def factory(factory_on, settlement_token, bank, issuer, investors):
    f = factory_on(settlement_token)
    for payer in (issuer, *investors):
        settlement_token.mint(payer, 100_000_000 * UNIT, {"from": bank})
    return f


@pytest.fixture(scope="module")
def make_bond(factory, settlement_token, issuer, investors):
    """make_bond(**term overrides, tenor=seconds) -> a GreenBond series created by the issuer, approved by everyone."""

    def make(**overrides):
        t = default_terms(now(), **overrides)
        tx = factory.createBond(as_tuple(t), "Green Bond 2029", "GB29", {"from": issuer})
        bond = GreenBond.at(tx.return_value)
        for payer in (issuer, *investors):
            settlement_token.approve(bond, 2**256 - 1, {"from": payer})
        return bond

    return make


@pytest.fixture
def bond(make_bond):
    return make_bond()


@pytest.fixture
def renew_kyc(bond_registry, regulator, cast, investor2, investor3):
    """renew_kyc() -> every registered account's KYC valid for another year from the chain's now."""

    def renew():
        for account in [a for a, _, _ in cast] + [investor2, investor3]:
            bond_registry.renewKyc(account, kyc_expiry(), {"from": regulator})

    return renew
