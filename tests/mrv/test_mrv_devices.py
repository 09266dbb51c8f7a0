"""DeviceRegistry: registration by the project's developer, activation and suspension by a
verifier, revocation, the standing of a device over a period, and every refusal."""

import brownie
import pytest
from brownie import chain
from tests.support.chain import custom_error, event, mining_paused
from tests.mrv.support import chain_now, CAPACITY_W, DAY, ENERGY_METER, OTHER_PROJECT, PROJECT, PV_INVERTER, make_device

from greenfi.domain.participants import Reason

NONE, REGISTERED, ACTIVE, SUSPENDED, REVOKED = range(5)
OK, UNKNOWN, INACTIVE, STANDING_REVOKED = range(4)
REASON = b"\x42" * 32


@pytest.fixture
def device():
    return make_device(100)


def register(devices, d, account, project=PROJECT, **overrides):
    args = dict(deviceId=d.device_id, projectId=project, signer=d.address, kind=PV_INVERTER, capacityW=CAPACITY_W,
                commissionedAt=chain_now() - DAY)
    args.update(overrides)
    return devices.registerDevice(*args.values(), {"from": account})


def status(devices, d):
    return devices.device(d.device_id)[2]


def suspensions(devices, d):
    return [tuple(s) for s in devices.suspensions(d.device_id)]


# ---------------------------------------------------------------- registration


def test_developer_registers_a_device(devices, developer, device):
    commissioned = chain_now() - DAY
    tx = register(devices, device, developer, kind=ENERGY_METER, commissionedAt=commissioned)
    record = devices.device(device.device_id)
    assert tuple(record) == (device.address, ENERGY_METER, REGISTERED, commissioned, PROJECT, CAPACITY_W, 0, 0)
    assert suspensions(devices, device) == []
    assert devices.signerOf(device.device_id) == device.address
    assert event(tx, "DeviceRegistered") == {
        "deviceId": device.hex_id, "projectId": PROJECT, "signer": device.address, "kind": ENERGY_METER,
        "capacityW": CAPACITY_W, "commissionedAt": commissioned,
    }


@pytest.mark.parametrize(
    "overrides, error",
    [
        (dict(deviceId=b"\x00" * 32), ("ZeroDeviceId",)),
        (dict(signer=brownie.ZERO_ADDRESS), ("ZeroSigner",)),
        (dict(capacityW=0), ("ZeroCapacity",)),
        (dict(commissionedAt=0), ("InvalidCommissioningDate", 0)),
    ],
    ids=["zero-id", "zero-signer", "zero-capacity", "zero-commissioning"],
)
def test_register_rejects_bad_input(devices, developer, device, overrides, error):
    with brownie.reverts(custom_error(*error)):
        register(devices, device, developer, **overrides)
    assert status(devices, device) == NONE


def test_register_rejects_a_future_commissioning_date(devices, developer, device):
    future = chain_now() + DAY
    with brownie.reverts(custom_error("InvalidCommissioningDate", future)):
        register(devices, device, developer, commissionedAt=future)
    assert status(devices, device) == NONE


def test_register_twice_reverts(devices, developer, device):
    register(devices, device, developer)
    with brownie.reverts(custom_error("DeviceExists", device.device_id)):
        register(devices, device, developer, capacityW=1)
    assert devices.device(device.device_id)[5] == CAPACITY_W


@pytest.mark.parametrize("project", [OTHER_PROJECT, 77], ids=["someone-elses", "unknown"])
def test_only_the_projects_developer_registers(devices, developer, device, project):
    with brownie.reverts(custom_error("NotProjectDeveloper", project, developer)):
        register(devices, device, developer, project=project)
    assert status(devices, device) == NONE


def test_register_requires_an_eligible_developer(devices, mrv_registry, projects, regulator, developer, enterprise,
                                                 device, admin):
    mrv_registry.freeze(developer, b"\x01" * 32, {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", developer, Reason.FROZEN)):
        register(devices, device, developer)
    projects.setProject(5, enterprise, 3, {"from": admin})  # an enterprise named as a project's developer
    with brownie.reverts(custom_error("ComplianceRefused", enterprise, Reason.WRONG_KIND)):
        register(devices, device, enterprise, project=5)
    assert status(devices, device) == NONE


def test_register_stops_while_the_network_is_paused(devices, mrv_registry, regulator, developer, device):
    mrv_registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        register(devices, device, developer)
    assert status(devices, device) == NONE


# ---------------------------------------------------------------- activation, suspension, revocation


def test_full_lifecycle(devices, developer, verifier, device):
    register(devices, device, developer)
    tx = devices.activate(device.device_id, {"from": verifier})
    activated = tx.timestamp
    assert event(tx, "DeviceActivated") == {"deviceId": device.hex_id, "verifier": verifier}
    assert status(devices, device) == ACTIVE and devices.device(device.device_id)[6] == activated

    chain.sleep(DAY)
    tx = devices.suspend(device.device_id, REASON, {"from": verifier})
    suspended = tx.timestamp
    assert event(tx, "DeviceSuspended")["reasonHash"] == "0x" + REASON.hex()
    assert status(devices, device) == SUSPENDED

    chain.sleep(DAY)
    tx = devices.activate(device.device_id, {"from": verifier})
    resumed = tx.timestamp
    record = devices.device(device.device_id)
    assert (record[2], record[6]) == (ACTIVE, activated)
    assert suspensions(devices, device) == [(suspended, resumed)]

    tx = devices.revoke(device.device_id, REASON, {"from": developer})
    assert event(tx, "DeviceRevoked") == {"deviceId": device.hex_id, "by": developer, "reasonHash": "0x" + REASON.hex()}
    record = devices.device(device.device_id)
    assert (record[2], record[7]) == (REVOKED, tx.timestamp)


def test_a_verifier_may_revoke_even_a_registered_device(devices, developer, verifier, device):
    register(devices, device, developer)
    devices.revoke(device.device_id, REASON, {"from": verifier})
    assert status(devices, device) == REVOKED


def test_only_verifiers_activate_and_suspend(devices, developer, verifier, outsider, device):
    register(devices, device, developer)
    with brownie.reverts(custom_error("ComplianceRefused", developer, Reason.WRONG_KIND)):
        devices.activate(device.device_id, {"from": developer})
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        devices.activate(device.device_id, {"from": outsider})
    assert status(devices, device) == REGISTERED
    devices.activate(device.device_id, {"from": verifier})
    with brownie.reverts(custom_error("ComplianceRefused", developer, Reason.WRONG_KIND)):
        devices.suspend(device.device_id, REASON, {"from": developer})
    assert status(devices, device) == ACTIVE


def test_revoke_by_others_is_refused(devices, developer, other_developer, outsider, device):
    register(devices, device, developer)
    # Another project's developer is neither this project's developer nor a verifier.
    with brownie.reverts(custom_error("ComplianceRefused", other_developer, Reason.WRONG_KIND)):
        devices.revoke(device.device_id, REASON, {"from": other_developer})
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        devices.revoke(device.device_id, REASON, {"from": outsider})
    assert status(devices, device) == REGISTERED


def test_transitions_from_the_wrong_status_revert(devices, developer, verifier, device):
    register(devices, device, developer)
    with brownie.reverts(custom_error("InvalidDeviceStatus", device.device_id, REGISTERED)):
        devices.suspend(device.device_id, REASON, {"from": verifier})
    devices.activate(device.device_id, {"from": verifier})
    with brownie.reverts(custom_error("InvalidDeviceStatus", device.device_id, ACTIVE)):
        devices.activate(device.device_id, {"from": verifier})
    devices.revoke(device.device_id, REASON, {"from": verifier})
    for call in (lambda: devices.activate(device.device_id, {"from": verifier}),
                 lambda: devices.suspend(device.device_id, REASON, {"from": verifier}),
                 lambda: devices.revoke(device.device_id, REASON, {"from": developer})):
        with brownie.reverts(custom_error("InvalidDeviceStatus", device.device_id, REVOKED)):
            call()
    assert status(devices, device) == REVOKED


@pytest.mark.parametrize("action", ["activate", "suspend", "revoke"])
def test_unknown_devices_revert(devices, verifier, device, action):
    args = (device.device_id,) if action == "activate" else (device.device_id, REASON)
    with brownie.reverts(custom_error("UnknownDevice", device.device_id)):
        getattr(devices, action)(*args, {"from": verifier})


def test_lifecycle_stops_while_the_network_is_paused(devices, mrv_registry, regulator, developer, verifier, device):
    register(devices, device, developer)
    mrv_registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        devices.activate(device.device_id, {"from": verifier})
    with brownie.reverts(custom_error("NetworkPaused")):
        devices.revoke(device.device_id, REASON, {"from": verifier})
    assert status(devices, device) == REGISTERED


# ---------------------------------------------------------------- standing over a period


def standing(devices, d, start, end):
    return devices.standingDuring(d.device_id, start, end)[0]


def test_standing_follows_the_lifecycle(devices, developer, verifier, device):
    assert standing(devices, device, 1, 2) == UNKNOWN
    register(devices, device, developer)
    now = chain_now()
    assert standing(devices, device, now, now + 10) == INACTIVE  # never activated
    activated = devices.activate(device.device_id, {"from": verifier}).timestamp
    assert standing(devices, device, activated - 10, activated + 10) == INACTIVE  # started before activation
    assert standing(devices, device, activated, activated + 10) == OK
    assert tuple(devices.standingDuring(device.device_id, activated, activated + 10))[1:] == (
        device.address, PROJECT, CAPACITY_W)

    chain.sleep(1000)
    suspended = devices.suspend(device.device_id, REASON, {"from": verifier}).timestamp
    assert standing(devices, device, suspended - 100, suspended) == OK  # ends when the suspension starts
    assert standing(devices, device, suspended - 100, suspended + 1) == INACTIVE
    chain.sleep(1000)
    resumed = devices.activate(device.device_id, {"from": verifier}).timestamp
    assert standing(devices, device, suspended + 1, resumed - 1) == INACTIVE  # inside the suspension
    assert standing(devices, device, resumed, resumed + 10) == OK

    chain.sleep(1000)
    revoked = devices.revoke(device.device_id, REASON, {"from": developer}).timestamp
    assert standing(devices, device, resumed, revoked) == OK
    assert standing(devices, device, revoked - 10, revoked + 1) == STANDING_REVOKED


def test_a_later_suspension_does_not_launder_an_earlier_one(devices, developer, verifier, device):
    """Every suspension is kept: a period meeting the first stays inactive after a second one ends."""
    register(devices, device, developer)
    devices.activate(device.device_id, {"from": verifier})
    history = []
    for _ in range(3):
        chain.sleep(1000)
        start = devices.suspend(device.device_id, REASON, {"from": verifier}).timestamp
        chain.sleep(1000)
        history.append((start, devices.activate(device.device_id, {"from": verifier}).timestamp))
    assert suspensions(devices, device) == history
    for start, end in history:
        assert standing(devices, device, start - 10, start + 10) == INACTIVE
        assert standing(devices, device, end - 10, end) == INACTIVE
        assert standing(devices, device, end, end + 10) == OK
        assert standing(devices, device, start - 10, start) == OK


def test_a_suspension_resumed_in_its_own_second_covers_no_time(devices, developer, verifier, device):
    """Suspended and re-activated in one block: the suspension covers no time and is not kept."""
    register(devices, device, developer)
    devices.activate(device.device_id, {"from": verifier})
    chain.sleep(100)
    w3 = brownie.network.web3
    with mining_paused():
        hashes = [w3.eth.send_transaction({"from": verifier.address, "to": devices.address, "gas": 200_000,
                                           "data": data})
                  for data in (devices.suspend.encode_input(device.device_id, REASON),
                               devices.activate.encode_input(device.device_id))]
        w3.provider.make_request("evm_mine", [])
    receipts = [w3.eth.get_transaction_receipt(h) for h in hashes]
    assert [r["status"] for r in receipts] == [1, 1] and receipts[0]["blockNumber"] == receipts[1]["blockNumber"]
    assert suspensions(devices, device) == [] and status(devices, device) == ACTIVE
    t = w3.eth.get_block(receipts[0]["blockNumber"])["timestamp"]
    assert standing(devices, device, t - 10, t + 10) == OK


def test_suspensions_are_capped(devices, developer, verifier, device):
    register(devices, device, developer)
    devices.activate(device.device_id, {"from": verifier})
    cap = devices.MAX_SUSPENSIONS()
    for _ in range(cap):
        chain.sleep(2)
        devices.suspend(device.device_id, REASON, {"from": verifier})
        chain.sleep(2)
        devices.activate(device.device_id, {"from": verifier})
    with brownie.reverts(custom_error("TooManySuspensions", device.device_id, cap)):
        devices.suspend(device.device_id, REASON, {"from": verifier})
    assert len(devices.suspensions(device.device_id)) == cap and status(devices, device) == ACTIVE
    devices.revoke(device.device_id, REASON, {"from": verifier})  # what a verifier does instead
