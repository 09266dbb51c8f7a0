"""Stateful: DeviceRegistry against a plain-Python model of its rules. A project's current developer
registers devices, verifiers activate and suspend them, the developer or a verifier revokes them;
every call is also tried with bad input, from the wrong status, by the wrong people, while the
network is paused or the caller frozen, and projects change hands. A refused call reverts with the
exact named error and changes nothing: after every step each device's record and suspension history
match the model, and so does the touched device's standing on both sides of every time it holds
(activation, each suspension and resumption, revocation)."""

from brownie import ZERO_ADDRESS, chain
from tests.support.stateful import run_stateful
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule
from tests.mrv.support import (CAPACITY_W, DAY, OTHER_PROJECT, PROJECT, ComplianceRules, attempt, chain_now, make_device,
                         seed_machine)

from greenfi.domain.participants import Kind

NONE, REGISTERED, ACTIVE, SUSPENDED, REVOKED = range(5)
OK, UNKNOWN, INACTIVE, STANDING_REVOKED = range(4)
ENTERPRISE_PROJECT = 5  # its developer is an enterprise, not a project developer
UNKNOWN_PROJECT = 77
PROJECT_ACTIVE = 3  # IProjectRegistry.ProjectStatus.Active
POOL = [make_device(200 + i) for i in range(4)]
ZERO_ID = b"\x00" * 32
REASON = b"\x42" * 32
MAX_SUSPENSIONS = 64

device_index = st.integers(0, len(POOL) - 1)
reasons = st.binary(min_size=32, max_size=32)
# Mostly valid calls, so that runs reach every status; each flaw breaks one rule of registration.
register_flaws = st.sampled_from([None] * 6 + ["zero id", "zero signer", "zero capacity", "zero commissioning",
                                               "future commissioning", "unknown project", "not the developer"])
# "developer" stands for the current developer of the device's project.
deciders = st.sampled_from(["verifier"] * 3 + ["developer", "other_developer", "enterprise", "outsider"])
revokers = st.sampled_from(["verifier", "verifier", "developer", "developer", "other_developer", "enterprise",
                            "outsider"])


class Device:
    """The model of one device record, field for field IDeviceRegistry.Device."""

    def __init__(self, signer, kind, commissioned_at, project, capacity_w):
        self.signer, self.kind, self.status = signer, kind, REGISTERED
        self.commissioned_at, self.project, self.capacity_w = commissioned_at, project, capacity_w
        self.activated_at = self.revoked_at = 0
        self.suspensions = []  # [suspendedAt, resumedAt]; resumedAt 0 while it lasts

    def record(self):
        return (self.signer, self.kind, self.status, self.commissioned_at, self.project, self.capacity_w,
                self.activated_at, self.revoked_at)

    def standing(self, start, end):
        """IDeviceRegistry.standingDuring's answer for [start, end): every suspension counts."""
        if self.revoked_at and end > self.revoked_at:
            return STANDING_REVOKED
        if self.activated_at == 0 or start < self.activated_at:
            return INACTIVE
        if any(s < end and (r == 0 or start < r) for s, r in self.suspensions):
            return INACTIVE
        return OK

    def edges(self):
        """The periods that end at, and start at, every time the record holds: enough to tell every
        `<` from `<=` standing compares them with."""
        times = {self.activated_at, self.revoked_at, *(t for pair in self.suspensions for t in pair)} - {0}
        return [p for t in sorted(times) for p in ((t - 1, t), (t, t + 1), (t - 1, t + 1))] or [
            (self.commissioned_at, self.commissioned_at + 1)]


class DeviceMachine(ComplianceRules):
    devices = projects = admin = None  # and ComplianceRules' context, set by run_stateful
    freezable = ("developer", "verifier")

    @initialize()
    def start(self):
        self.start_compliance()
        self.model = {}  # device id -> Device
        self.developers = {PROJECT: "developer", OTHER_PROJECT: "other_developer", ENTERPRISE_PROJECT: "enterprise"}
        self.touched = None
        self.restore_seed()

    def _unknown_or(self, device_id, check):
        """The error of a lifecycle call on `device_id` after whenNetworkActive and _known."""
        if self.paused:
            return ("NetworkPaused",)
        if device_id not in self.model:
            return ("UnknownDevice", device_id)
        return check(self.model[device_id])

    # ---------------------------------------------------------------- registration

    @rule(i=st.one_of(st.none(), device_index), project=st.sampled_from([PROJECT, OTHER_PROJECT, ENTERPRISE_PROJECT]),
          kind=st.integers(0, 3), capacity=st.sampled_from([1, CAPACITY_W, 2**64 - 1]), flaw=register_flaws)
    def register(self, i, project, kind, capacity, flaw):
        """Device `i` of the pool, or for None the first one not registered yet."""
        if i is None:
            i = next((k for k, d in enumerate(POOL) if d.device_id not in self.model), 0)
        d = POOL[i]
        device_id = self.touched = ZERO_ID if flaw == "zero id" else d.device_id
        signer = ZERO_ADDRESS if flaw == "zero signer" else d.address
        capacity = 0 if flaw == "zero capacity" else capacity
        now = chain_now()
        commissioned = {"zero commissioning": 0, "future commissioning": now + DAY}.get(flaw, now - 30 * DAY)
        project = UNKNOWN_PROJECT if flaw == "unknown project" else project
        sender = self.developers.get(project)
        if sender is None or flaw == "not the developer":
            sender = "verifier" if sender == "other_developer" else "other_developer"

        error = (self.paused_error()
                 or (device_id == ZERO_ID and ("ZeroDeviceId",))
                 or (signer == ZERO_ADDRESS and ("ZeroSigner",))
                 or (capacity == 0 and ("ZeroCapacity",))
                 or (not 0 < commissioned <= now and ("InvalidCommissioningDate", commissioned))
                 or (device_id in self.model and ("DeviceExists", device_id))
                 or (self.developers.get(project) != sender and ("NotProjectDeveloper", project, self.people[sender]))
                 or self.refusal(sender, Kind.PROJECT_DEVELOPER))
        args = (device_id, project, signer, kind, capacity, commissioned, {"from": self.people[sender]})
        if attempt(self.devices.registerDevice, args, error or None) is not None:
            self.model[device_id] = Device(signer, kind, commissioned, project, capacity)

    # ---------------------------------------------------------------- lifecycle

    def _sender(self, name, device_id):
        if name == "developer" and device_id in self.model:
            name = self.developers[self.model[device_id].project]
        return name

    @rule(i=device_index, who=deciders)
    def activate(self, i, who):
        device_id = self.touched = POOL[i].device_id
        sender = self._sender(who, device_id)
        error = self._unknown_or(device_id, lambda m: (
            ("InvalidDeviceStatus", device_id, m.status) if m.status not in (REGISTERED, SUSPENDED)
            else self.refusal(sender, Kind.VERIFIER)))
        tx = attempt(self.devices.activate, (device_id, {"from": self.people[sender]}), error)
        if tx is not None:
            m = self.model[device_id]
            if m.status == SUSPENDED:
                m.suspensions[-1][1] = tx.timestamp
                if m.suspensions[-1][0] == tx.timestamp:
                    m.suspensions.pop()  # covered no time
            m.activated_at = m.activated_at or tx.timestamp
            m.status = ACTIVE

    @rule(i=device_index, who=deciders, reason=reasons)
    def suspend(self, i, who, reason):
        device_id = self.touched = POOL[i].device_id
        sender = self._sender(who, device_id)
        error = self._unknown_or(device_id, lambda m: (
            ("InvalidDeviceStatus", device_id, m.status) if m.status != ACTIVE
            else ("TooManySuspensions", device_id, MAX_SUSPENSIONS) if len(m.suspensions) == MAX_SUSPENSIONS
            else self.refusal(sender, Kind.VERIFIER)))
        tx = attempt(self.devices.suspend, (device_id, reason, {"from": self.people[sender]}), error)
        if tx is not None:
            m = self.model[device_id]
            m.status = SUSPENDED
            m.suspensions.append([tx.timestamp, 0])

    @rule(i=device_index, who=revokers, reason=reasons)
    def revoke(self, i, who, reason):
        device_id = self.touched = POOL[i].device_id
        sender = self._sender(who, device_id)

        def check(m):
            if m.status == REVOKED:
                return ("InvalidDeviceStatus", device_id, REVOKED)
            as_developer = self.developers[m.project] == sender
            return self.refusal(sender, Kind.PROJECT_DEVELOPER if as_developer else Kind.VERIFIER)

        tx = attempt(self.devices.revoke, (device_id, reason, {"from": self.people[sender]}),
                     self._unknown_or(device_id, check))
        if tx is not None:
            m = self.model[device_id]
            m.status, m.revoked_at = REVOKED, tx.timestamp

    # ---------------------------------------------------------------- the world around

    @rule(project=st.sampled_from([PROJECT, OTHER_PROJECT, ENTERPRISE_PROJECT]),
          to=st.sampled_from(["developer", "other_developer", "enterprise"]))
    def hand_over_project(self, project, to):
        self.projects.setProject(project, self.people[to], PROJECT_ACTIVE, {"from": self.admin})
        self.developers[project] = to

    @rule(seconds=st.integers(1, 3 * DAY))
    def time_passes(self, seconds):
        chain.sleep(seconds)
        chain.mine()

    # ---------------------------------------------------------------- invariants

    @invariant()
    def records_match_the_model(self):
        for device_id in {d.device_id for d in POOL} | ({self.touched} - {None}):
            m = self.model.get(device_id)
            expected = m.record() if m else (ZERO_ADDRESS, 0, NONE, 0, 0, 0, 0, 0)
            assert tuple(self.devices.device(device_id)) == expected
            assert [list(x) for x in self.devices.suspensions(device_id)] == (m.suspensions if m else [])

    @invariant()
    def touched_device_stands_as_modelled(self):
        """The record decides the standing; the touched device's is checked where it just changed."""
        if self.touched is None:
            return
        m = self.model.get(self.touched)
        if m is None:
            assert tuple(self.devices.standingDuring(self.touched, 1, 2)) == (UNKNOWN, ZERO_ADDRESS, 0, 0)
            return
        for start, end in m.edges():
            assert tuple(self.devices.standingDuring(self.touched, start, end)) == (
                m.standing(start, end), m.signer, m.project, m.capacity_w), (start, end)


def seed(m):
    """Devices in every live status, so that short runs reach every transition: POOL[0] registered,
    POOL[1] active, POOL[2] suspended; POOL[3] stays unknown."""
    for i in range(3):
        m.register(i=i, project=PROJECT, kind=i, capacity=CAPACITY_W, flaw=None)
    for i in (1, 2):
        m.activate(i=i, who="verifier")
    m.suspend(i=2, who="verifier", reason=REASON)
    m.touched = None


def test_devices_follow_the_model(devices, projects, mrv_registry, regulator, admin, developer, other_developer,
                                  verifier, enterprise, outsider):
    projects.setProject(ENTERPRISE_PROJECT, enterprise, PROJECT_ACTIVE, {"from": admin})
    people = dict(developer=developer, other_developer=other_developer, verifier=verifier, enterprise=enterprise,
                  outsider=outsider)
    kinds = dict(developer=Kind.PROJECT_DEVELOPER, other_developer=Kind.PROJECT_DEVELOPER, verifier=Kind.VERIFIER,
                 enterprise=Kind.ENTERPRISE)
    context = dict(devices=devices, projects=projects, admin=admin, registry=mrv_registry, regulator=regulator,
                   people=people, kinds=kinds)
    run_stateful(DeviceMachine, seeded=seed_machine(DeviceMachine, seed, **context), **context)
