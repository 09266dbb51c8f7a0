"""MQTT intake: devices publish signed readings to a broker topic; the daemon subscribes and runs
every message through the same Intake as HTTP.

    topic     greenfi/readings/<deviceId> (subscribed as `greenfi/readings/#` by default)
    payload   one signed reading (JSON object) or many (JSON array), as for POST /readings
    replies   with a reply topic configured, each rejected reading is published, QoS 1, to
              <reply topic>/<deviceId> as {"deviceId", "sequence", "error", "detail"}

There is no HTTP status here: a rejection is counted in metrics (readings_rejected{reason}),
stored in the rejections table, and logged as a structured `reading_rejected` event.

Delivery: the daemon subscribes with QoS 1 in a persistent session (fixed client id,
clean_session off), so the broker queues readings published while the daemon is down and
delivers them after it reconnects. A message is acknowledged (PUBACK) only after its callback
returned, i.e. after its readings were committed to the store: a kill -9 before the commit leaves
the message unacknowledged and the broker delivers it again; a duplicate delivery after the commit
is rejected as `replayed` and stores nothing twice. When the store or the chain cannot answer
(Unavailable), the message is answered with {"error": "unavailable"} on the reply topic and
counted in `mqtt_unavailable`; the device publishes again later.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt

from greenfi.errors import ConfigError
from oracles.sensor.devices import Unavailable
from oracles.sensor.intake import Intake, Outcome, Rejection
from oracles.sensor.metrics import Metrics

log = logging.getLogger("greenfi.sensor.mqtt")

DEFAULT_TOPIC = "greenfi/readings/#"


@dataclass(frozen=True)
class MqttSettings:
    url: str  # mqtt://[user[:password]@]host[:port]
    topic: str = DEFAULT_TOPIC
    reply_topic: str | None = None
    client_id: str = "greenfi-sensor-oracle"
    max_payload_bytes: int = 1 << 20
    max_items: int = 4096


def broker_address(url: str) -> tuple[str, int, str | None, str | None]:
    """(host, port, username, password) of an mqtt:// URL; ConfigError names what is wrong."""
    parts = urlsplit(url)
    if parts.scheme != "mqtt" or not parts.hostname:
        raise ConfigError(f"--mqtt-url must look like mqtt://host[:port], got {url!r}")
    try:
        port = parts.port or 1883
    except ValueError:
        raise ConfigError(f"--mqtt-url has a bad port: {url!r}") from None
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return parts.hostname, port, user, password


class MqttIntake:
    """A paho client on its own network thread; reconnects by itself after a broker outage."""

    def __init__(self, settings: MqttSettings, intake: Intake, metrics: Metrics,
                 on_rejected: Callable[[Outcome, str], None] = lambda outcome, source: None):
        self.settings = settings
        self.intake = intake
        self.metrics = metrics
        self.on_rejected = on_rejected
        host, port, user, password = broker_address(settings.url)
        self._address = (host, port)
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=settings.client_id, clean_session=False)
        if user is not None:
            self.client.username_pw_set(user, password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        # Set once the broker has acknowledged the subscription (SUBACK), not when it is sent: a reading
        # published before that would find no subscriber on a first connection.
        self.connected = threading.Event()

    def start(self) -> None:
        self.client.connect_async(*self._address)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    # ------------------------------------------------------------------ callbacks (network thread)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.metrics.inc("mqtt_connect_failures")
            log.warning(json.dumps({"event": "mqtt_connect_failed", "reason": str(reason_code)}))
            return
        client.subscribe(self.settings.topic, qos=1)
        log.info(json.dumps({"event": "mqtt_connected", "broker": "%s:%d" % self._address, "topic": self.settings.topic}))

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        self.metrics.inc("mqtt_disconnects")

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        try:
            self._handle(message)
        except Exception as exc:  # never let one message stop the network thread
            self.metrics.inc("mqtt_errors")
            log.error(json.dumps({"event": "mqtt_message_failed", "topic": message.topic,
                                  "error": f"{type(exc).__name__}: {exc}"}))

    def _handle(self, message: mqtt.MQTTMessage) -> None:
        self.metrics.inc("mqtt_messages")
        items = self._items(message.payload)
        if isinstance(items, Outcome):
            self._rejected(items)
            return
        try:
            outcomes = self.intake.submit(items)
        except Unavailable as exc:
            self.metrics.inc("mqtt_unavailable")
            log.warning(json.dumps({"event": "mqtt_unavailable", "topic": message.topic, "detail": str(exc)}))
            self._reply(None, {"error": "unavailable", "detail": str(exc)})
            return
        for outcome in outcomes:
            if not outcome.accepted:
                self._rejected(outcome)

    # ------------------------------------------------------------------ helpers

    def _items(self, payload: bytes) -> list | Outcome:
        """The readings of a message, or the malformed outcome the whole message gets."""
        if len(payload) > self.settings.max_payload_bytes:
            return self._malformed(f"message over {self.settings.max_payload_bytes} bytes")
        try:
            decoded = json.loads(payload)
        except (ValueError, RecursionError) as exc:
            return self._malformed(f"payload is not JSON: {exc}")
        if isinstance(decoded, dict):
            return [decoded]
        if not isinstance(decoded, list):
            return self._malformed("payload must be a JSON object or array")
        if len(decoded) > self.settings.max_items:
            return self._malformed(f"more than {self.settings.max_items} readings")
        return decoded

    def _malformed(self, detail: str) -> Outcome:
        outcome = Outcome(False, Rejection.MALFORMED, detail)
        self.intake.on_outcome(outcome)  # counted like any other rejection
        return outcome

    def _rejected(self, outcome: Outcome) -> None:
        self.on_rejected(outcome, "mqtt")
        body = {"error": str(outcome.reason), "detail": outcome.detail}
        if outcome.device_id is not None:
            body |= {"deviceId": "0x" + outcome.device_id.hex(), "sequence": outcome.sequence}
        self._reply(outcome.device_id, body)

    def _reply(self, device_id: bytes | None, body: dict) -> None:
        if not self.settings.reply_topic:
            return
        topic = f"{self.settings.reply_topic}/{'0x' + device_id.hex() if device_id else 'unknown'}"
        self.client.publish(topic, json.dumps(body), qos=1)
