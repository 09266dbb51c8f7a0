"""Deploy code that several areas' conftests share (carbon, MRV, ESG): registering extra
participants, the project registry with active projects, credits, the device registry, the anchor
and a set of active devices. Plain functions; the fixtures stay in each area's conftest."""

from brownie import CarbonCredits, DeviceRegistry, MRVAnchor, ProjectRegistry, chain, web3
from tests.support.chain import kyc_expiry

from greenfi.domain.participants import jurisdiction

HOUR = 3600
DAY = 24 * HOUR


def register(registry, regulator, account, kind, country="CN"):
    """Register `account` as `kind` (greenfi.domain.participants.Kind), KYC valid for a year."""
    registry.register(account, kind, jurisdiction(country), kyc_expiry(), {"from": regulator})


def deploy_projects(registry, admin, regulator):
    return ProjectRegistry.deploy(registry, admin, regulator, {"from": admin})


def activate_project(projects, developer, verifier, regulator, credit_class, version="VM0042 v2.1", country=b"CN"):
    """Submit a project of `developer` (methodology VM0042, `version` hashed), validate and activate it;
    returns its id."""
    pid = projects.submitProject(web3.keccak(text="VM0042"), web3.keccak(text=version), credit_class, country,
                                 web3.keccak(text="31.2N,121.5E"), {"from": developer}).return_value
    projects.validate(pid, web3.keccak(text="validation"), {"from": verifier})
    projects.activate(pid, web3.keccak(text="decision"), {"from": regulator})
    return pid


def deploy_credits(registry, projects, reports, admin, regulator, buffer_bps):
    return CarbonCredits.deploy(registry, projects, reports, admin, regulator, buffer_bps, {"from": admin})


def deploy_devices(registry, projects, admin):
    return DeviceRegistry.deploy(registry, projects, {"from": admin})


def deploy_anchor(registry, devices, admin, regulator, operator):
    """An MRVAnchor with `operator` as its one oracle operator."""
    anchor = MRVAnchor.deploy(registry, devices, admin, regulator, 1, {"from": admin})
    anchor.addOperator(operator, {"from": regulator})
    return anchor


def register_active_devices(devices, verifier, entries):
    """Register each device with its owner and have `verifier` activate it. `entries`: tuples of
    (device id, project id, key address, device kind, capacity W, commissioned at, owner)."""
    for device_id, project, key, kind, capacity_w, commissioned, owner in entries:
        devices.registerDevice(device_id, project, key, kind, capacity_w, commissioned, {"from": owner})
        devices.activate(device_id, {"from": verifier})


def next_hour_then_days_pass(days=3):
    """The first whole hour after the next block's time (so after every activation so far); then
    `days` pass on chain, so readings from that hour lie in the past."""
    t0 = (web3.eth.get_block("pending")["timestamp"] // HOUR + 1) * HOUR
    chain.sleep(days * DAY)
    chain.mine()
    return t0
