"""ESG chain fixtures: the real ProjectRegistry, DeviceRegistry, MRVAnchor and CarbonCredits (approved
reports come from the carbon area's mock monitoring reports), two developers with active projects and
devices, and an oracle operator that anchors batches."""

import pytest
from brownie import (CarbonCredits, DeviceRegistry, MockMonitoringReportsForCarbon, MRVAnchor, ProjectRegistry,
                     accounts, chain)
from esg_helpers import DAY, HOUR, h, make_device, pending_time
from helpers import kyc_expiry

from greenfi.participants import Kind, jurisdiction

VER = 0  # IProjectRegistry.CreditClass.VerifiedEmissionReduction
CAPACITY_W = 10_000
BUFFER_BPS = 1_000


@pytest.fixture(scope="session")
def second_developer():
    return accounts[13]


@pytest.fixture(scope="module")
def esg_registry(registry, regulator, second_developer):
    registry.register(second_developer, Kind.PROJECT_DEVELOPER, jurisdiction("CN"), kyc_expiry(), {"from": regulator})
    return registry


@pytest.fixture(scope="module")
def projects(esg_registry, admin, regulator):
    return ProjectRegistry.deploy(esg_registry, admin, regulator, {"from": admin})


def _activate(projects, developer, verifier, regulator, label):
    pid = projects.submitProject(h("VM0042"), h(label), VER, b"CN", h("31.2N,121.5E"), {"from": developer}).return_value
    projects.validate(pid, h("validation"), {"from": verifier})
    projects.activate(pid, h("decision"), {"from": regulator})
    return pid


@pytest.fixture(scope="module")
def project_ids(projects, developer, second_developer, verifier, regulator):
    """Two projects of `developer` and one of `second_developer`."""
    return (_activate(projects, developer, verifier, regulator, "solar-1"),
            _activate(projects, developer, verifier, regulator, "solar-2"),
            _activate(projects, second_developer, verifier, regulator, "wind-1"))


@pytest.fixture(scope="module")
def devices(esg_registry, projects, admin):
    return DeviceRegistry.deploy(esg_registry, projects, {"from": admin})


@pytest.fixture(scope="module")
def anchor(esg_registry, devices, admin, regulator, oracle_operator):
    a = MRVAnchor.deploy(esg_registry, devices, admin, regulator, {"from": admin})
    a.addOperator(oracle_operator, {"from": regulator})
    return a


@pytest.fixture(scope="module")
def meters(devices, project_ids, developer, second_developer, verifier):
    """One active meter per project; returns (meters, t0), t0 a whole hour after activation, days before now."""
    owners = (developer, developer, second_developer)
    made = [make_device(n, pid) for n, pid in enumerate(project_ids)]
    now = pending_time()
    for meter, owner in zip(made, owners):
        devices.registerDevice(meter.device_id, meter.project, meter.address, 0, CAPACITY_W, now - 30 * DAY,
                               {"from": owner})
        devices.activate(meter.device_id, {"from": verifier})
    t0 = (pending_time() // HOUR + 1) * HOUR
    chain.sleep(3 * DAY)
    chain.mine()
    return made, t0


@pytest.fixture(scope="module")
def monitoring(admin):
    return MockMonitoringReportsForCarbon.deploy({"from": admin})


@pytest.fixture(scope="module")
def credits(esg_registry, projects, monitoring, admin, regulator):
    return CarbonCredits.deploy(esg_registry, projects, monitoring, admin, regulator, BUFFER_BPS, {"from": admin})
