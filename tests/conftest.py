"""Shared fixtures: accounts named after their role in the network, and the deployed shared layer.

Every test starts from the same chain state (fn_isolation); deployments are module-scoped.
"""

import pytest
from brownie import ParticipantRegistry, SettlementToken, accounts, chain, config
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from greenfi.participants import Kind, jurisdiction

ONE_YEAR = 365 * 24 * 3600
UNIT = 10**6  # SettlementToken decimals


def custom_error(name, *args):
    """The revert message Brownie reports for custom error `name` with `args`.

    Brownie decodes error arguments plainly: addresses in lower case, fixed bytes as Python bytes.
    """
    return f"{name}: {', '.join(_as_decoded(a) for a in args)}"


def event(tx, name, index=0):
    """The arguments of the `index`-th `name` event of `tx`, as plain Python values."""
    return {k: _plain(v) for k, v in tx.events[name][index].items()}


def _plain(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def _as_decoded(arg):
    arg = getattr(arg, "address", arg)
    if isinstance(arg, str) and arg.startswith("0x"):
        raw = bytes.fromhex(arg[2:])
        return arg.lower() if len(raw) == 20 else str(raw)
    if isinstance(arg, (bytes, bytearray)):
        return str(bytes(arg))
    if isinstance(arg, bool):
        return str(arg)
    if isinstance(arg, int):
        return str(int(arg))
    return str(arg)


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    pass


def run_stateful(machine, **context):
    """Run a hypothesis RuleBasedStateMachine, each example from the same chain state.

    `context` becomes class attributes of the machine (contracts, accounts). Example and step
    counts come from brownie-config.yaml's `hypothesis` section.
    (Brownie 1.22's own `state_machine` fixture cannot subclass its compiled base class.)
    """
    chain.snapshot()  # the state at test start, which fn_isolation also restores afterwards

    def teardown(self):
        chain.revert()

    isolated = type(machine.__name__, (machine,), {**context, "teardown": teardown})
    run_state_machine_as_test(
        isolated,
        settings=settings(
            max_examples=config["hypothesis"]["max_examples"],
            stateful_step_count=config["hypothesis"]["stateful_step_count"],
            deadline=None,
        ),
    )


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


def kyc_expiry(years=1):
    return chain.time() + years * ONE_YEAR


@pytest.fixture(scope="module")
def empty_registry(admin, regulator):
    return ParticipantRegistry.deploy(admin, regulator, {"from": admin})


@pytest.fixture(scope="module")
def registry(empty_registry, regulator, cast):
    """The registry with every role of `cast` registered, KYC valid for a year."""
    for account, kind, code in cast:
        empty_registry.register(account, kind, jurisdiction(code), kyc_expiry(), {"from": regulator})
    return empty_registry


@pytest.fixture(scope="module")
def settlement_token(registry, admin, bank):
    return SettlementToken.deploy("Tokenized Deposit CNY", "tdCNY", registry, admin, bank, {"from": admin})
