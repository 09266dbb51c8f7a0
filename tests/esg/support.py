"""Signed meter readings and anchor headers for the ESG chain tests, built with the Python oracle core."""

from dataclasses import dataclass

from brownie import chain, web3
from eth_account import Account

from oracles import Domain, Reading, SignedReading, batch_content_hash, batch_tree, keccak256, sign_reading

HOUR = 3600
DAY = 24 * HOUR
TONNE = 10**6  # grams CO2e


def h(text: str) -> bytes:
    return keccak256(text.encode())


def pending_time() -> int:
    return web3.eth.get_block("pending")["timestamp"]


@dataclass(frozen=True)
class Meter:
    device_id: bytes
    key: bytes
    project: int

    @property
    def address(self) -> str:
        return Account.from_key(self.key).address


def make_device(n: int, project: int) -> Meter:
    return Meter(keccak256(b"greenfi-esg-meter-%d" % n), keccak256(b"greenfi-esg-key-%d" % n), project)


def anchor_readings(anchor, meter: Meter, start: int, energy_wh: list[int], operator, first_sequence: int = 1):
    """Anchor hourly readings of `meter` from `start` as one batch (threshold 1: the operator's submission
    is its attestation); returns (batch id, total Wh)."""
    domain = Domain(chain.id, anchor.address)
    items = []
    for k, wh in enumerate(energy_wh):
        reading = Reading(meter.device_id, first_sequence + k, start + k * HOUR, start + (k + 1) * HOUR, wh)
        items.append(SignedReading(reading, sign_reading(meter.key, reading, domain)))
    root = "0x" + batch_tree(items).root.hex()
    header = (root, meter.project, start, start + len(items) * HOUR, sum(energy_wh), len(items),
              "0x" + batch_content_hash(items).hex())
    anchor.anchorBatch(header, [], {"from": operator})
    return root, sum(energy_wh)
