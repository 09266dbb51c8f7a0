"""Sensor intake: every rejection path, with the readings around a bad one left undisturbed."""

import dataclasses

import pytest
from tests.oracles.support import DOMAIN, T0, directory, make_devices

from oracles.sensor.devices import StaticDirectory
from oracles.sensor.intake import Intake, IntakePolicy, Rejection
from oracles.sensor.store import Store

NOW = T0 + 10_000 * 300


@pytest.fixture
def devices():
    return make_devices(3)


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "sensor.db")
    yield s
    s.close()


def intake_for(store, devices, **kwargs):
    return Intake(store, kwargs.pop("directory", directory(devices)), DOMAIN, clock=lambda: NOW, **kwargs)


def reasons(outcomes):
    return [o.reason for o in outcomes]


def test_readings_of_several_devices_are_accepted_and_stored(store, devices):
    intake = intake_for(store, devices)
    items = [d.reading(seq) for seq in range(1, 4) for d in devices]
    outcomes = intake.submit(items)
    assert all(o.accepted for o in outcomes)
    assert store.reading_count() == 9
    assert store.energy_by_device() == {d.info.device_id: 1200 for d in devices}


@pytest.mark.parametrize(
    "make_item, reason",
    [
        (lambda d, o: {**d.reading(1), "energyWh": -5}, Rejection.MALFORMED),
        (lambda d, o: {k: v for k, v in d.reading(1).items() if k != "signature"}, Rejection.MALFORMED),
        (lambda d, o: {**d.reading(1), "extra": 1}, Rejection.MALFORMED),
        (lambda d, o: "not an object", Rejection.MALFORMED),
        (lambda d, o: d.reading(1, key=o.key), "wrong_signer"),
        (lambda d, o: {**d.reading(1), "energyWh": 401}, "wrong_signer"),
        (lambda d, o: d.reading(1, length=0), "bad_period"),
        (lambda d, o: d.reading(1, energy_wh=10_000), Rejection.OVER_CAPACITY),
        (lambda d, o: d.reading(1, start=NOW + 3600), Rejection.FUTURE_PERIOD),
        (lambda d, o: {**d.reading(1), "deviceId": "0x" + "ee" * 32}, Rejection.UNKNOWN_DEVICE),
    ],
    ids=["negative-energy", "missing-signature", "unknown-key", "not-object", "forged", "tampered",
         "empty-period", "over-capacity", "future", "unknown-device"],
)
def test_bad_reading_is_rejected_without_disturbing_neighbours(store, devices, make_item, reason):
    good, other = devices[0], devices[1]
    outcomes = intake_for(store, devices).submit([good.reading(1), make_item(other, good), good.reading(2)])
    assert reasons(outcomes) == [None, reason, None]
    assert store.reading_count() == 2
    assert store.rejection_counts() == {str(reason): 1}


def test_capacity_tolerance_edge(store, devices):
    # 7,100 W for 300 s is 591.67 Wh; +5 % tolerance allows 621.25 Wh.
    outcomes = intake_for(store, devices).submit([devices[0].reading(1, 621), devices[0].reading(2, 622)])
    assert reasons(outcomes) == [None, Rejection.OVER_CAPACITY]


def test_replayed_and_out_of_order_readings(store, devices):
    device = devices[0]
    intake = intake_for(store, devices)
    assert intake.submit([device.reading(5)])[0].accepted
    outcomes = intake.submit([device.reading(5), device.reading(4), device.reading(6, start=T0 + 5 * 300 + 60)])
    assert reasons(outcomes) == [Rejection.REPLAYED, Rejection.REPLAYED, Rejection.OUT_OF_ORDER]
    assert intake.submit([device.reading(6)])[0].accepted


def test_duplicates_inside_one_request(store, devices):
    item = devices[0].reading(1)
    assert reasons(intake_for(store, devices).submit([item, item])) == [None, Rejection.REPLAYED]
    assert store.reading_count() == 1


def test_inactive_and_revoked_devices(store, devices):
    """Standing over the reading's whole period (oracles.sensor.standing): never activated, a past
    suspension the period meets (even though the device was resumed since), revoked before its end."""
    inactive = dataclasses.replace(devices[0].info, active=False, activated_at=0)
    revoked = dataclasses.replace(devices[1].info, revoked_at=T0 + 2 * 300 + 100)
    resumed = dataclasses.replace(devices[2].info, suspensions=((T0 + 300 + 10, T0 + 2 * 300 + 10),))
    registry = StaticDirectory([inactive, revoked, resumed])
    intake = intake_for(store, devices, directory=registry)
    outcomes = intake.submit([devices[0].reading(1), devices[1].reading(1), devices[1].reading(2),
                              devices[2].reading(1), devices[2].reading(3)])
    assert reasons(outcomes) == [Rejection.INACTIVE_DEVICE, None, Rejection.REVOKED_DEVICE,
                                 Rejection.INACTIVE_DEVICE, None]


def test_anomaly_screen_flags_and_records_reason(store, devices):
    def screen(batch):
        return ["residual 3.2 kW exceeds 1.1 kW" if r.energy_wh > 500 else None for r, _ in batch]

    intake = intake_for(store, devices, screen=screen)
    outcomes = intake.submit([devices[0].reading(1, 550), devices[0].reading(2, 300)])
    # flagged, never dropped: both accepted and stored, the flagged one held for the verifier
    assert reasons(outcomes) == [None, None]
    assert [o.flag for o in outcomes] == ["residual 3.2 kW exceeds 1.1 kW", None]
    assert outcomes[0].to_json()["flagged"] is True
    assert store.reading_count() == 2 and store.rejection_counts() == {}
    assert store.reading_count(batched=False) == 1  # only the unflagged one is pending for a batch
    [held] = store.held("flagged")
    assert (held.signed.reading.sequence, held.detail) == (1, "residual 3.2 kW exceeds 1.1 kW")


def test_state_survives_a_restart(tmp_path, devices):
    first = Store(tmp_path / "s.db")
    intake_for(first, devices).submit([devices[0].reading(1), devices[0].reading(2)])
    first.close()
    reopened = Store(tmp_path / "s.db")
    outcomes = intake_for(reopened, devices).submit([devices[0].reading(2), devices[0].reading(3)])
    assert reasons(outcomes) == [Rejection.REPLAYED, None]
    assert reopened.reading_count() == 3


def test_policy_is_configurable(store, devices):
    strict = intake_for(store, devices, policy=IntakePolicy(tolerance_bps=0))
    assert reasons(strict.submit([devices[0].reading(1, 592)])) == [Rejection.OVER_CAPACITY]
