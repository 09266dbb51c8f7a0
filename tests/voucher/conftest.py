"""Fixtures for CreditVoucher: a supply chain of enterprises, a second bank, mocked risk oracle and
project registry, and a funded obligor and bank."""

import pytest
from brownie import CreditVoucher, MockProjectRegistry, MockRiskOracle, accounts
from tests.support.chain import UNIT, kyc_expiry
from tests.voucher.support import now

from greenfi.domain.participants import Kind, jurisdiction

DAY = 24 * 3600
GREEN_PROJECT = 42
OBLIGOR_SCORE = 150  # bps probability of default
MODEL_VERSION = 3


@pytest.fixture(scope="session")
def tier2():
    return accounts[11]


@pytest.fixture(scope="session")
def tier3():
    return accounts[12]


@pytest.fixture(scope="session")
def tier3b():
    return accounts[13]


@pytest.fixture(scope="session")
def bank2():
    return accounts[14]


@pytest.fixture(scope="module")
def chain_registry(registry, regulator, tier2, tier3, tier3b, bank2):
    """The root registry plus the lower tiers (enterprises) and a second bank."""
    for account, kind in [(tier2, Kind.ENTERPRISE), (tier3, Kind.ENTERPRISE), (tier3b, Kind.ENTERPRISE), (bank2, Kind.BANK)]:
        registry.register(account, kind, jurisdiction("CN"), kyc_expiry(), {"from": regulator})
    return registry


@pytest.fixture(scope="module")
def risk_oracle(admin, enterprise):
    oracle = MockRiskOracle.deploy({"from": admin})
    oracle.setScore(enterprise, OBLIGOR_SCORE, MODEL_VERSION, {"from": admin})
    return oracle


@pytest.fixture(scope="module")
def projects(admin):
    registry = MockProjectRegistry.deploy({"from": admin})
    registry.setStatus(GREEN_PROJECT, 3, {"from": admin})  # ProjectStatus.Active
    return registry


@pytest.fixture(scope="module")
def voucher(chain_registry, settlement_token, risk_oracle, projects, admin, regulator, enterprise, bank, bank2):
    contract = CreditVoucher.deploy(chain_registry, settlement_token, risk_oracle, projects, admin, regulator, {"from": admin})
    for payer in (enterprise, bank, bank2):
        settlement_token.mint(payer, 10_000_000 * UNIT, {"from": bank})
        settlement_token.approve(contract, 2**256 - 1, {"from": payer})
    return contract


@pytest.fixture
def docs():
    """A fresh triple of trade-document hashes per call."""
    counter = iter(range(1, 10**6))

    def make():
        n = next(counter)
        return [bytes([kind]) + n.to_bytes(31, "big") for kind in (1, 2, 3)]

    return make


@pytest.fixture
def issue(voucher, enterprise, supplier, docs):
    """Issue a voucher from the enterprise; returns its root id."""

    def make(amount=1_000_000 * UNIT, holder=None, days=90, project=0, obligor=None):
        tx = voucher.issue(holder or supplier, amount, now() + days * DAY, *docs(), project,
                           {"from": obligor or enterprise})
        return tx.return_value

    return make
