"""Signed readings and Merkle batches for the MRV tests, built with the Python oracle core
(`oracles`), so every test proves the Python and Solidity sides agree on digests, leaves and trees;
and what the MRV stateful machines share (expected reverts, the compliance model, seeding)."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import brownie
from brownie import chain, web3
from eth_account import Account
from tests.support.chain import custom_error
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from greenfi.domain.participants import Reason
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

    def proof(self, i: int) -> tuple:
        """The SumPath struct of the i-th reading: (siblings, leftSides)."""
        return self.tree.path(i).to_abi()

    def prove_args(self, i: int) -> tuple:
        """proveReading's arguments after the batch id: the signed reading and its path."""
        return (signed_tuple(self.items[i]), self.proof(i))


ZERO_SIGNED = (("0x" + "00" * 32, 0, 0, 0, 0), "0x" + "00" * 32, "0x" + "00" * 32)


def every_node(root):
    """A TotalsProof opening each node of the tree `root` (an oracles.OpenNode), root first."""
    from oracles import SumPath, TotalsProof
    queue = [(root, (), 0)]
    while queue:
        node, siblings, sides = queue.pop(0)
        yield TotalsProof(node, SumPath(siblings, sides))
        if node.reading is None:
            queue.append((node.left, (node.right.committed, *siblings), sides << 1))
            queue.append((node.right, (node.left.committed, *siblings), (sides << 1) | 1))


def totals_arg(proof) -> tuple:
    """The TotalsProof struct of an oracles.sumtree.TotalsProof."""
    reading = proof.node.reading
    return proof.to_abi(signed_tuple(reading) if reading is not None else ZERO_SIGNED)


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


# ---------------------------------------------------------------- stateful machines


def attempt(call, args, error):
    """Send `call(*args)`: with `error` None it must succeed (the receipt is returned), otherwise it
    must revert with exactly that custom error, given as a tuple (name, *arguments)."""
    if error is None:
        return call(*args)
    with brownie.reverts(custom_error(*error)):
        call(*args)
    return None


class ComplianceRules(RuleBasedStateMachine):
    """Rules shared by the MRV machines: the regulator pauses the network and freezes or unfreezes
    the accounts in `freezable`; `refusal` says what a ComplianceGuard check then answers.

    Context (run_stateful): `registry`, `regulator`, `people` (name -> account) and `kinds`
    (name -> the Kind it is registered as; unregistered names are absent)."""

    registry = regulator = people = kinds = None
    freezable = ()
    seeded = None  # the model state a seed run left (seed_machine), for initialize to start from

    def start_compliance(self):
        self.paused = False
        self.frozen = set()

    def restore_seed(self):
        """Take over the seed run's model (call at the end of initialize)."""
        if self.seeded:
            self.__dict__.update(copy.deepcopy(self.seeded))

    def paused_error(self):
        return ("NetworkPaused",) if self.paused else None

    def refusal(self, name, kind):
        """The error of `_requireCanActAs(people[name], kind)`, None when it passes (KYC is valid for
        a year and no jurisdiction is restricted, far beyond what a run's time jumps reach)."""
        if self.paused:
            return ("NetworkPaused",)
        account = self.people[name]
        if name not in self.kinds:
            return ("ComplianceRefused", account, Reason.NOT_REGISTERED)
        if name in self.frozen:
            return ("ComplianceRefused", account, Reason.FROZEN)
        if self.kinds[name] != kind:
            return ("ComplianceRefused", account, Reason.WRONG_KIND)
        return None

    @rule()
    def toggle_pause(self):
        (self.registry.unpause if self.paused else self.registry.pause)({"from": self.regulator})
        self.paused = not self.paused

    @rule(pick=st.integers(0, 7))
    def toggle_freeze(self, pick):
        if not self.freezable:
            return
        name = self.freezable[pick % len(self.freezable)]
        account = self.people[name]
        if name in self.frozen:
            self.registry.unfreeze(account, {"from": self.regulator})
            self.frozen.discard(name)
        else:
            self.registry.freeze(account, b"\x01" * 32, {"from": self.regulator})
            self.frozen.add(name)


def seed_machine(machine, script, **context):
    """Run `script(m)` on an instance `m` of `machine` (with run_stateful's `context`), whose rules it
    calls as plain methods, and return the model state that leaves: pass it to run_stateful as
    `seeded`. The seed goes through the same rules and model as the run, so short runs can start
    from every live status without an unmodelled set-up."""
    seeder = type(machine.__name__, (machine,), context)()
    internal = set(vars(seeder))
    seeder.start()
    script(seeder)
    return {k: v for k, v in vars(seeder).items() if k not in internal}
