"""Signed readings and Merkle batches for the MRV tests, built with the Python oracle core
(`oracles`), so every test proves the Python and Solidity sides agree on digests, leaves and trees."""

from __future__ import annotations

from dataclasses import dataclass

from brownie import chain, web3
from eth_account import Account

from oracles import Domain, Reading, SignedReading, batch_content_hash, batch_tree, keccak256, sign_digest, sign_reading

HOUR = 3600
DAY = 24 * HOUR
PROJECT = 1  # the developer's active project
OTHER_PROJECT = 2  # another developer's active project
FACTOR = 581_000  # grams CO2e per MWh (0.581 tCO2/MWh)
PV_INVERTER, ENERGY_METER = 0, 1
CAPACITY_W = 10_000  # 10 kW


@dataclass(frozen=True)
class Device:
    """A simulated device: its id, key and signing address."""

    device_id: bytes
    key: bytes
    project: int = PROJECT
    capacity_w: int = CAPACITY_W

    @property
    def address(self) -> str:
        return Account.from_key(self.key).address

    @property
    def hex_id(self) -> str:
        return "0x" + self.device_id.hex()


def make_device(n: int, project: int = PROJECT, capacity_w: int = CAPACITY_W) -> Device:
    return Device(keccak256(b"greenfi-test-device-%d" % n), keccak256(b"greenfi-test-key-%d" % n), project, capacity_w)


def domain(anchor) -> Domain:
    return Domain(chain.id, anchor.address)


def sign(anchor, device: Device, sequence: int, start: int, end: int, energy_wh: int, key: bytes | None = None
         ) -> SignedReading:
    reading = Reading(device.device_id, sequence, start, end, energy_wh)
    return SignedReading(reading, sign_reading(key or device.key, reading, domain(anchor)))


def reading_tuple(reading: Reading) -> tuple:
    return ("0x" + reading.device_id.hex(), reading.sequence, reading.period_start, reading.period_end, reading.energy_wh)


def signed_tuple(signed: SignedReading) -> tuple:
    """The SignedReading struct: ((deviceId, sequence, periodStart, periodEnd, energyWh), r, vs)."""
    return (reading_tuple(signed.reading), "0x" + signed.signature[:32].hex(), "0x" + signed.signature[32:].hex())


def hexes(nodes) -> list[str]:
    return ["0x" + n.hex() for n in nodes]


@dataclass
class Batch:
    """Signed readings of one project and window, their Merkle tree and the anchor header."""

    items: list[SignedReading]
    project: int
    window_start: int
    window_end: int

    def __post_init__(self):
        self.tree = batch_tree(self.items)

    @property
    def root(self) -> str:
        return "0x" + self.tree.root.hex()

    @property
    def energy(self) -> int:
        return sum(item.reading.energy_wh for item in self.items)

    @property
    def content_hash(self) -> str:
        return "0x" + batch_content_hash(self.items).hex()

    def header(self, **changes) -> tuple:
        fields = dict(merkleRoot=self.root, projectId=self.project, windowStart=self.window_start,
                      windowEnd=self.window_end, energyWh=self.energy, readingCount=len(self.items),
                      contentHash=self.content_hash)
        fields.update(changes)
        return tuple(fields.values())

    def proof(self, i: int) -> list[str]:
        return hexes(self.tree.proof(i))

    def prove_args(self, i: int) -> tuple:
        """proveReading's arguments after the batch id: reading, r, vs, proof."""
        item = self.items[i]
        return (reading_tuple(item.reading), "0x" + item.signature[:32].hex(), "0x" + item.signature[32:].hex(),
                self.proof(i))

    def full_multiproof(self) -> tuple[list[tuple], list[bool]]:
        """Every leaf as challengeTotals wants it: readings in multiproof order and the flags."""
        mp = self.tree.multiproof(range(len(self.items)))
        assert mp.proof == [] or list(mp.proof) == []
        by_leaf = {item.leaf(): item for item in self.items}
        return [signed_tuple(by_leaf[leaf]) for leaf in mp.leaves], list(mp.proof_flags)


def make_batch(anchor, devices: list[Device], start: int, slots: int = 4, slot_s: int = HOUR, energy_wh: int = 5_000,
               first_sequence: int = 1, project: int = PROJECT) -> Batch:
    """`slots` consecutive readings per device from `start`, sequences from `first_sequence`."""
    items = [
        sign(anchor, d, first_sequence + k, start + k * slot_s, start + (k + 1) * slot_s, energy_wh + 7 * k)
        for d in devices for k in range(slots)
    ]
    return Batch(items, project, start, start + slots * slot_s)


def cosign(anchor, header: tuple, key: bytes) -> tuple:
    """An operator's compact EIP-712 BatchAttestation signature, as (r, vs)."""
    digest = bytes(anchor.attestationDigest(header))
    sig = sign_digest(key, digest)
    return ("0x" + sig[:32].hex(), "0x" + sig[32:].hex())


def digest_of(reading: Reading, dom: Domain) -> bytes:
    from oracles import digest
    return digest(reading, dom)


def chain_now() -> int:
    """The timestamp the next transaction gets: the node's clock, which can drift from Brownie's
    `chain.time()` after time travel and snapshot reverts in earlier tests."""
    return web3.eth.get_block("pending")["timestamp"]
