"""MQTT intake against a real broker (mosquitto, Debian package): devices publish signed readings,
the daemon runs them through the same Intake as HTTP, and every rejection is counted, stored and
answered on the reply topic; readings published while the daemon is away are delivered later."""

import json
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from tests.oracles.support import DOMAIN, T0, directory, make_devices

from greenfi.errors import ConfigError
from oracles.sensor.daemon import DaemonSettings, SensorDaemon
from oracles.sensor.mqtt import MqttSettings, broker_address

NOW = T0 + 10_000 * 300


@pytest.fixture
def devices():
    return make_devices(3)


@pytest.fixture
def make_daemon(tmp_path, devices, broker):
    made = []

    def make(reply_topic="greenfi/rejections"):
        settings = DaemonSettings(tmp_path / "sensor.db", mqtt=MqttSettings(broker, reply_topic=reply_topic))
        daemon = SensorDaemon(settings, directory(devices), DOMAIN, clock=lambda: NOW)
        daemon.mqtt.start()
        assert daemon.mqtt.connected.wait(10), "the daemon did not connect to the broker"
        made.append(daemon)
        return daemon

    yield make
    for daemon in made:
        daemon.mqtt.stop()
        daemon.store.close()


class Device:
    """A device's MQTT client: publishes readings (QoS 1) and collects replies on its reply topic."""

    def __init__(self, url, name="device"):
        host, port, _, _ = broker_address(url)
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=name)
        self.replies = []
        self.subscribed = threading.Event()
        self.client.on_message = lambda c, u, m: self.replies.append((m.topic, json.loads(m.payload)))
        self.client.on_subscribe = lambda *a: self.subscribed.set()
        self.client.connect(host, port)
        self.client.loop_start()
        self.client.subscribe("greenfi/rejections/#", qos=1)
        assert self.subscribed.wait(10)

    def publish(self, payload, topic="greenfi/readings/dev"):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.client.publish(topic, body, qos=1).wait_for_publish(10)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def wait_for(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_readings_published_by_devices_are_checked_and_stored(make_daemon, broker, devices):
    daemon = make_daemon()
    device = Device(broker)
    try:
        for seq in (1, 2, 3):
            for d in devices:
                device.publish(d.reading(seq), f"greenfi/readings/{d.info.device_id.hex()}")
        device.publish([devices[0].reading(4), devices[1].reading(4)])  # an array, as over HTTP
        wait_for(lambda: daemon.store.reading_count() == 11)
        assert daemon.metrics.value("readings_accepted") == 11
        assert daemon.metrics.value("mqtt_messages") == 10
        assert device.replies == []
    finally:
        device.close()


def test_bad_readings_are_rejected_with_a_reason_and_do_not_disturb_the_rest(make_daemon, broker, devices):
    daemon = make_daemon()
    device = Device(broker)
    d0, d1, _ = devices
    try:
        device.publish(d0.reading(1))
        device.publish(d0.reading(1))  # replayed
        device.publish(d1.reading(1, key=d0.key))  # forged: signed by another key
        device.publish(d1.reading(2, energy_wh=10**6))  # physically impossible for 7.1 kW over 5 min
        device.publish(b"{not json")
        device.publish(b"[1, 2")
        device.publish(b"x" * (1 << 20 | 1))  # oversized
        device.publish(d1.reading(3))  # still accepted after all that
        wait_for(lambda: len(device.replies) == 6 and daemon.store.reading_count() == 2)
        by_reason = {body["error"]: (topic, body) for topic, body in device.replies}
        assert set(by_reason) == {"replayed", "wrong_signer", "over_capacity", "malformed"}
        topic, body = by_reason["replayed"]
        assert topic == "greenfi/rejections/0x" + d0.info.device_id.hex() and body["sequence"] == 1
        assert by_reason["malformed"][0] == "greenfi/rejections/unknown"
        assert daemon.metrics.value("readings_rejected", reason="malformed") == 3
        for reason in ("replayed", "wrong_signer", "over_capacity"):
            assert daemon.metrics.value("readings_rejected", reason=reason) == 1
        with daemon.store.lock:
            stored = sorted(r for (r,) in daemon.store._db.execute("SELECT reason FROM rejections"))
        assert stored == ["over_capacity", "replayed", "wrong_signer"]
    finally:
        device.close()


def test_readings_published_while_the_daemon_is_away_are_delivered_on_return(make_daemon, broker, devices):
    first = make_daemon()
    device = Device(broker)
    try:
        device.publish(devices[0].reading(1))
        wait_for(lambda: first.store.reading_count() == 1)
        first.mqtt.stop()
        first.store.close()
        for seq in (2, 3):
            device.publish(devices[0].reading(seq))  # queued by the broker for the daemon's session
        second = make_daemon()
        wait_for(lambda: second.store.reading_count() == 3)
        assert second.metrics.value("readings_accepted") == 2
    finally:
        device.close()


def test_a_bad_broker_url_is_refused():
    for url in ("http://host:1883", "mqtt://", "mqtt://host:notaport"):
        with pytest.raises(ConfigError):
            broker_address(url)
    assert broker_address("mqtt://u:p%40ss@broker:8883") == ("broker", 8883, "u", "p@ss")
