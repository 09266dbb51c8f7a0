"""MRV fixtures: a mock project registry, the device registry, the anchor and the reports, a fleet
of active simulated devices, and extra participants (a second developer, co-signing operators)."""

import pytest
from brownie import MockProjectRegistry, MRVReports, accounts
from tests.support.deploy import deploy_anchor, deploy_devices, next_hour_then_days_pass, register, register_active_devices
from tests.mrv.support import chain_now, CAPACITY_W, DAY, FACTOR, OTHER_PROJECT, PROJECT, PV_INVERTER, keccak256, make_device

from greenfi.domain.participants import Kind

ACTIVE = 3  # IProjectRegistry.ProjectStatus.Active
OPERATOR_KEYS = [keccak256(b"greenfi-test-operator-%d" % i) for i in range(3)]


@pytest.fixture(scope="session")
def other_developer():
    return accounts[11]


@pytest.fixture(scope="session")
def issuer():
    """Stands in for the carbon credits contract (ISSUER_ROLE on MRVReports)."""
    return accounts[12]


@pytest.fixture(scope="module")
def cosigners():
    """Oracle operators whose keys the tests hold, to sign EIP-712 attestations; funded so that
    they can also submit (development networks charge gas at the node's price)."""
    signers = [accounts.add(key) for key in OPERATOR_KEYS]
    for signer in signers:
        accounts[0].transfer(signer, "10 ether")
    return signers


@pytest.fixture(scope="module")
def mrv_registry(registry, regulator, other_developer, cosigners):
    register(registry, regulator, other_developer, Kind.PROJECT_DEVELOPER)
    for account in cosigners:
        register(registry, regulator, account, Kind.ORACLE_OPERATOR, "DE")
    return registry


@pytest.fixture(scope="module")
def projects(admin, developer, other_developer):
    p = MockProjectRegistry.deploy({"from": admin})
    p.setProject(PROJECT, developer, ACTIVE, {"from": admin})
    p.setProject(OTHER_PROJECT, other_developer, ACTIVE, {"from": admin})
    return p


@pytest.fixture(scope="module")
def devices(mrv_registry, projects, admin):
    return deploy_devices(mrv_registry, projects, admin)


@pytest.fixture(scope="module")
def anchor(mrv_registry, devices, admin, regulator, oracle_operator):
    return deploy_anchor(mrv_registry, devices, admin, regulator, oracle_operator)


@pytest.fixture(scope="module")
def reports(mrv_registry, projects, anchor, admin, regulator, issuer):
    r = MRVReports.deploy(mrv_registry, projects, anchor, admin, regulator, {"from": admin})
    r.grantRole(r.ISSUER_ROLE(), issuer, {"from": admin})
    r.setEmissionFactor(PROJECT, FACTOR, keccak256(b"grid factor 2026"), {"from": regulator})
    return r


@pytest.fixture(scope="module")
def fleet(devices, verifier, developer, other_developer):
    """Three active devices of PROJECT and one of OTHER_PROJECT; returns (devices, foreign, t0) where
    t0 is a whole hour after every activation and at least a day before now."""
    own = [make_device(i) for i in range(3)]
    foreign = make_device(9, project=OTHER_PROJECT)
    now = chain_now()
    register_active_devices(devices, verifier, [
        *((d.device_id, PROJECT, d.address, PV_INVERTER, CAPACITY_W, now - 30 * DAY, developer) for d in own),
        (foreign.device_id, OTHER_PROJECT, foreign.address, PV_INVERTER, CAPACITY_W, now - DAY, other_developer),
    ])
    return own, foreign, next_hour_then_days_pass()

