"""Shared fixtures: accounts named after their role in the network, and the deployed shared layer.

Every test starts from the same chain state (fn_isolation); deployments are module-scoped.
"""

from tests.support import fast_isolation
import pytest
from brownie import ParticipantRegistry, SettlementToken, accounts
from tests.support.chain import kyc_expiry, resync_node_clock
from tests.support.schedule import SlowFirstScheduling, slow_first

from greenfi.domain.participants import Kind, jurisdiction


@pytest.fixture
def clock_guard():
    """After the snapshot revert, put the node's clock back in step with Brownie's.

    Reverting a snapshot restores state but not anvil's time offset, so a test that moved time
    would leave later tests (in any folder) with a node clock far ahead of `chain.time()`.
    """
    yield
    resync_node_clock()


fast_isolation.skip_internal_call_guard()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """The slow modules first (tests/support/schedule.py), before Brownie maps the modules."""
    slow_first(items)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """Under `brownie test -n N`: Brownie's per-module scheduling in that order, a shared folder as one unit."""
    return SlowFirstScheduling(config, log)


@pytest.fixture(scope="module", autouse=True)
def module_garbage(module_isolation):
    """Collect a module's garbage once, in module_isolation's closing reset (see fast_isolation)."""
    yield
    fast_isolation.thaw()


@pytest.fixture(autouse=True)
def isolation(module_garbage, clock_guard, fn_isolation):
    """Every test starts from the same chain state and clock (clock_guard tears down last).

    The revert after each test collects garbage; freezing what the module set up first keeps that
    collection to the objects this test made.
    """
    fast_isolation.freeze_survivors()


@pytest.fixture(scope="session")
def admin():
    return accounts[0]


@pytest.fixture(scope="session")
def regulator():
    return accounts[1]


@pytest.fixture(scope="session")
def verifier():
    return accounts[2]


@pytest.fixture(scope="session")
def oracle_operator():
    return accounts[3]


@pytest.fixture(scope="session")
def developer():
    return accounts[4]


@pytest.fixture(scope="session")
def enterprise():
    return accounts[5]


@pytest.fixture(scope="session")
def supplier():
    return accounts[6]


@pytest.fixture(scope="session")
def bank():
    return accounts[7]


@pytest.fixture(scope="session")
def investor():
    return accounts[8]


@pytest.fixture(scope="session")
def auditor():
    return accounts[9]


@pytest.fixture(scope="session")
def outsider():
    """An account that is never registered."""
    return accounts[10]


@pytest.fixture(scope="session")
def cast(regulator, verifier, oracle_operator, developer, enterprise, supplier, bank, investor, auditor):
    """Every registered role with its kind and jurisdiction."""
    return [
        (regulator, Kind.REGULATOR, "CN"),
        (verifier, Kind.VERIFIER, "CN"),
        (oracle_operator, Kind.ORACLE_OPERATOR, "DE"),
        (developer, Kind.PROJECT_DEVELOPER, "CN"),
        (enterprise, Kind.ENTERPRISE, "CN"),
        (supplier, Kind.ENTERPRISE, "CN"),
        (bank, Kind.BANK, "CN"),
        (investor, Kind.INVESTOR, "DE"),
        (auditor, Kind.AUDITOR, "CN"),
    ]


@pytest.fixture(scope="module")
def empty_registry(admin, regulator):
    return ParticipantRegistry.deploy(admin, regulator, 0, {"from": admin})


@pytest.fixture(scope="module")
def registry(empty_registry, regulator, cast):
    """The registry with every role of `cast` registered, KYC valid for a year."""
    for account, kind, code in cast:
        empty_registry.register(account, kind, jurisdiction(code), kyc_expiry(), {"from": regulator})
    return empty_registry


@pytest.fixture(scope="module")
def settlement_token(registry, admin, bank):
    return SettlementToken.deploy("Tokenized Deposit CNY", "tdCNY", registry, admin, bank, {"from": admin})
