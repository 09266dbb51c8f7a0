"""ESG chain fixtures: the real ProjectRegistry, DeviceRegistry, MRVAnchor and CarbonCredits (approved
reports come from the carbon area's mock monitoring reports), two developers with active projects and
devices, and an oracle operator that anchors batches."""

import pytest
from brownie import MockMonitoringReportsForCarbon, accounts
from tests.support.deploy import (activate_project, deploy_anchor, deploy_credits, deploy_devices, deploy_projects,
                            next_hour_then_days_pass, register, register_active_devices)
from tests.esg.support import DAY, make_device, pending_time

from greenfi.domain.participants import Kind

VER = 0  # IProjectRegistry.CreditClass.VerifiedEmissionReduction
CAPACITY_W = 10_000
BUFFER_BPS = 1_000


@pytest.fixture(scope="session")
def second_developer():
    return accounts[13]


@pytest.fixture(scope="module")
def esg_registry(registry, regulator, second_developer):
    register(registry, regulator, second_developer, Kind.PROJECT_DEVELOPER)
    return registry


@pytest.fixture(scope="module")
def projects(esg_registry, admin, regulator):
    return deploy_projects(esg_registry, admin, regulator)


@pytest.fixture(scope="module")
def project_ids(projects, developer, second_developer, verifier, regulator):
    """Two projects of `developer` and one of `second_developer`."""
    return tuple(activate_project(projects, owner, verifier, regulator, VER, label)
                 for owner, label in ((developer, "solar-1"), (developer, "solar-2"), (second_developer, "wind-1")))


@pytest.fixture(scope="module")
def devices(esg_registry, projects, admin):
    return deploy_devices(esg_registry, projects, admin)


@pytest.fixture(scope="module")
def anchor(esg_registry, devices, admin, regulator, oracle_operator):
    return deploy_anchor(esg_registry, devices, admin, regulator, oracle_operator)


@pytest.fixture(scope="module")
def meters(devices, project_ids, developer, second_developer, verifier):
    """One active meter per project; returns (meters, t0), t0 a whole hour after activation, days before now."""
    made = [make_device(n, pid) for n, pid in enumerate(project_ids)]
    commissioned = pending_time() - 30 * DAY
    register_active_devices(devices, verifier, [(m.device_id, m.project, m.address, 0, CAPACITY_W, commissioned, owner)
                                                for m, owner in zip(made, (developer, developer, second_developer))])
    return made, next_hour_then_days_pass()


@pytest.fixture(scope="module")
def monitoring(admin):
    return MockMonitoringReportsForCarbon.deploy({"from": admin})


@pytest.fixture(scope="module")
def credits(esg_registry, projects, monitoring, admin, regulator):
    return deploy_credits(esg_registry, projects, monitoring, admin, regulator, BUFFER_BPS)
