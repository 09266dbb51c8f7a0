"""The co-signer (oracles.sensor.cosign*): it signs exactly the proposed batches whose content it
re-verifies, refuses every other one with its documented reason code, and a refusal changes nothing
(its signing record stays as it was). The chain is a fake ChainView here; tests/mrv/test_mrv_cosign.py
runs the co-signer against the real contracts."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenfi.chain.signers import KeySigner
from oracles.attestation import BatchHeader, attestation_digest
from oracles.codec import SignedReading, batch_tree, from_json
from oracles.readings import Domain
from oracles.sensor.cosign import CosignPolicy, CosignRefused, Refusal
from oracles.sensor.cosign_record import SigningRecord
from oracles.sensor.cosign_server import CosignContext, CosignerServer, cosigner_metrics
from oracles.sensor.devices import DeviceInfo, Unavailable
from oracles.sensor.document import batch_document, batch_document_hash
from oracles.signing import recover_signer
from tests.oracles.support import DOMAIN, STEP, T0, http_request, make_devices

OPERATOR = KeySigner.from_key(b"\x42" * 32)
NOW = T0 + 10_000 * STEP  # the co-signer's clock and the chain's: every test reading has ended
OTHER_DOMAIN = Domain(DOMAIN.chain_id + 1, DOMAIN.verifying_contract)


@dataclass
class FakeView:
    """A chain as the co-signer reads it (oracles.sensor.cosign.ChainView)."""

    devices: dict[bytes, DeviceInfo]
    operators: set[str] = field(default_factory=lambda: {OPERATOR.address})
    anchored: set[bytes] = field(default_factory=set)
    tolerance: int = 500
    now: int = NOW
    down: bool = False

    def _up(self):
        if self.down:
            raise Unavailable("chain: ConnectionError")

    def device(self, device_id):
        self._up()
        return self.devices.get(device_id)

    def tolerance_bps(self):
        self._up()
        return self.tolerance

    def chain_time(self):
        self._up()
        return self.now

    def is_anchored(self, root):
        self._up()
        return root in self.anchored

    def is_operator(self, account):
        self._up()
        return account in self.operators


FLEET = make_devices(3)
_MORE = make_devices(5)
FOREIGN = dataclasses.replace(_MORE[3], info=dataclasses.replace(_MORE[3].info, project_id=2))  # another project's
REVOKED = dataclasses.replace(_MORE[4], info=dataclasses.replace(_MORE[4].info, revoked_at=T0))  # revoked at T0


def view(**changes) -> FakeView:
    return FakeView(**({"devices": {d.info.device_id: d.info for d in (*FLEET, FOREIGN, REVOKED)}} | changes))


def context(chain: FakeView | None = None, policy: CosignPolicy = CosignPolicy()) -> CosignContext:
    return CosignContext(chain or view(), DOMAIN, SigningRecord(":memory:"), OPERATOR, policy, cosigner_metrics(),
                         clock=lambda: NOW)


def readings(count: int = 4, devices=FLEET) -> list[dict]:
    """`count` honest readings, round robin over `devices`, sequences and periods moving forward."""
    return [devices[i % len(devices)].reading(i // len(devices) + 1) for i in range(count)]


def proposal(items: list[dict], domain: Domain = DOMAIN, project: int = 1, **header_changes) -> dict:
    """The body the sensor daemon sends for `items`: the honest header and digest, then `header_changes`
    (the digest is of the changed header, so only the changed field is wrong)."""
    members = [(from_json(item), None) for item in items]
    tree = batch_tree(s for s, _ in members)
    starts, ends = [s.reading.period_start for s, _ in members], [s.reading.period_end for s, _ in members]
    header = BatchHeader(tree.root, project, min(starts), max(ends), tree.energy_wh, tree.count,
                         batch_document_hash(members))
    header = dataclasses.replace(header, **header_changes)
    document = json.loads(batch_document(members))
    return {"header": header.to_json_obj(), "readings": document, "digest": "0x" + attestation_digest(header, domain).hex()}


def body(obj) -> bytes:
    return json.dumps(obj).encode()


def test_an_honest_batch_is_signed_once_and_recorded():
    ctx = context()
    request = proposal(readings())
    reply = ctx.cosign(body(request))
    digest = bytes.fromhex(request["digest"][2:])
    assert recover_signer(digest, bytes.fromhex(reply["signature"][2:])) == OPERATOR.address == reply["signer"]
    assert reply["digest"] == request["digest"] and reply["root"] == request["header"]["merkleRoot"]
    [row] = ctx.record.entries()
    assert (row[0], row[1]) == (bytes.fromhex(request["header"]["merkleRoot"][2:]), digest)
    # Asked again (the daemon retries, or replaces a sent anchor): the same signature, nothing new recorded.
    assert ctx.cosign(body(request)) == reply and len(ctx.record.entries()) == 1


def _tampered_reading(items: list[dict]) -> list[dict]:
    """The anchoring operator raised a reading's energy (and rebuilt the header over it)."""
    return [items[0] | {"energyWh": items[0]["energyWh"] + 1}, *items[1:]]


def _resigned_by(key: bytes):
    def change(items):
        device = next(d for d in FLEET if "0x" + d.info.device_id.hex() == items[0]["deviceId"])
        return [device.reading(items[0]["sequence"], key=key), *items[1:]]
    return change


# Each case: (expected code, the request, the chain). The request is built lazily so each case is its own.
CASES = {
    "not JSON": (Refusal.MALFORMED, lambda: b"{", view),
    "missing key": (Refusal.MALFORMED, lambda: body({"header": {}, "readings": []}), view),
    "bad header hex": (Refusal.MALFORMED, lambda: body(proposal(readings()) | {"digest": "0x12"}), view),
    "malformed reading": (Refusal.MALFORMED, lambda: body(
        (lambda p: p | {"readings": [p["readings"][0] | {"sequence": -1}, *p["readings"][1:]]})(proposal(readings()))), view),
    "too many readings": (Refusal.TOO_LARGE, lambda: body(proposal(readings(9))), view),
    "digest of another domain": (Refusal.DIGEST_MISMATCH, lambda: body(proposal(readings(), OTHER_DOMAIN)), view),
    "window ends after the chain's time": (Refusal.BAD_HEADER, lambda: body(proposal(readings(), window_end=NOW + 1)), view),
    "empty window": (Refusal.BAD_HEADER, lambda: body(proposal(readings(), window_start=NOW - 1, window_end=NOW - 1)), view),
    "project id too large": (Refusal.BAD_HEADER, lambda: body(proposal(readings(), project=1 << 48)), view),
    "wrong root": (Refusal.WRONG_ROOT, lambda: body(proposal(readings(), merkle_root=b"\x01" * 32)), view),
    "wrong energy": (Refusal.WRONG_TOTALS, lambda: body(
        proposal(readings(), energy_wh=sum(r["energyWh"] for r in readings()) + 1)), view),
    "wrong count": (Refusal.WRONG_TOTALS, lambda: body(proposal(readings(), reading_count=5)), view),
    "wrong content hash": (Refusal.WRONG_CONTENT_HASH, lambda: body(proposal(readings(), content_hash=b"\x02" * 32)), view),
    "one sequence twice": (Refusal.CONFLICTING_READINGS, lambda: body(
        proposal([FLEET[0].reading(1), FLEET[0].reading(1, energy_wh=401)])), view),
    "overlapping periods": (Refusal.CONFLICTING_READINGS, lambda: body(
        proposal([FLEET[0].reading(1), FLEET[0].reading(2, start=T0 + STEP + 10)])), view),
    "already anchored": (Refusal.ALREADY_ANCHORED, lambda: body(proposal(readings())),
                         lambda: view(anchored={batch_tree(from_json(r) for r in readings()).root})),
    "energy changed after signing": (Refusal.BAD_READING, lambda: body(proposal(_tampered_reading(readings()))), view),
    "signed by another key": (Refusal.BAD_READING, lambda: body(proposal(_resigned_by(b"\x07" * 32)(readings()))), view),
    "unknown device": (Refusal.BAD_READING, lambda: body(proposal(readings())),
                       lambda: view(devices={})),
    "revoked device": (Refusal.BAD_READING, lambda: body(proposal(readings(2, [REVOKED]))), view),
    "over capacity": (Refusal.BAD_READING, lambda: body(proposal([FLEET[0].reading(1, energy_wh=10_000)])), view),
    "foreign device": (Refusal.BAD_READING, lambda: body(proposal(readings(2, [FLEET[0], FOREIGN]))), view),
    "not an operator": (Refusal.NOT_OPERATOR, lambda: body(proposal(readings())), lambda: view(operators=set())),
    "chain down": (Refusal.UNAVAILABLE, lambda: body(proposal(readings())), lambda: view(down=True)),
}


@pytest.mark.parametrize("case", CASES)
def test_each_refusal_has_its_code_and_changes_nothing(case):
    code, request, chain = CASES[case]
    ctx = context(policy=CosignPolicy(max_readings=8))
    ctx.cosign(body(proposal(readings(2, [FLEET[2]]))))  # an earlier, honest batch is on record
    ctx.chain = chain()
    before = ctx.record.entries()
    with pytest.raises(CosignRefused) as refused:
        ctx.cosign(request())
    assert refused.value.code is code, refused.value
    assert refused.value.to_json()["error"] == code.value and refused.value.detail
    assert ctx.record.entries() == before


def test_a_refused_reading_is_named_by_index_and_reason():
    ctx = context()
    with pytest.raises(CosignRefused) as refused:
        ctx.cosign(body(proposal(readings(2, [FLEET[0], FOREIGN]))))
    reply = refused.value.to_json()
    assert reply["error"] == "bad_reading" and reply["reason"] == "ForeignDevice" and reply["index"] in (0, 1)
    with pytest.raises(CosignRefused) as refused:
        ctx.cosign(body(proposal([FLEET[0].reading(1, energy_wh=10_000)])))
    assert refused.value.to_json()["reason"] == "over_capacity"  # the daemon's intake code (oracles.sensor.intake)


def test_a_second_header_for_a_signed_root_is_refused():
    """One batch id, one signed header: the same readings in a wider window are another batch."""
    ctx = context()
    honest = proposal(readings())
    ctx.cosign(body(honest))
    before = ctx.record.entries()
    widened = proposal(readings(), window_start=honest["header"]["windowStart"] - STEP)
    with pytest.raises(CosignRefused) as refused:
        ctx.cosign(body(widened))
    assert refused.value.code is Refusal.CONFLICTING_BATCH and refused.value.status == 409
    assert ctx.record.entries() == before


def test_the_record_outlives_a_restart(tmp_path):
    path = tmp_path / "cosigner.sqlite"
    first = CosignContext(view(), DOMAIN, SigningRecord(path), OPERATOR, CosignPolicy(), cosigner_metrics(), lambda: NOW)
    honest = proposal(readings())
    first.cosign(body(honest))
    first.record.close()
    again = CosignContext(view(), DOMAIN, SigningRecord(path), OPERATOR, CosignPolicy(), cosigner_metrics(), lambda: NOW)
    with pytest.raises(CosignRefused) as refused:
        again.cosign(body(proposal(readings(), window_start=honest["header"]["windowStart"] - STEP)))
    assert refused.value.code is Refusal.CONFLICTING_BATCH
    again.record.close()


TAMPERS = ("none", "reading energy", "reading resigned", "header energy", "header count", "root", "content hash",
           "dropped reading", "window", "digest")


def _tamper(kind: str, items: list[dict], delta: int) -> dict:
    if kind == "reading energy":
        return proposal(_tampered_reading(items))
    if kind == "reading resigned":
        return proposal(_resigned_by(b"\x09" * 32)(items))
    if kind == "header energy":
        return proposal(items, energy_wh=max(0, sum(r["energyWh"] for r in items) + delta))
    if kind == "header count":
        return proposal(items, reading_count=len(items) + delta)
    if kind == "root":
        return proposal(items, merkle_root=delta.to_bytes(32, "big"))
    if kind == "content hash":
        return proposal(items, content_hash=delta.to_bytes(32, "big"))
    if kind == "dropped reading":
        request = proposal(items)
        return request | {"readings": request["readings"][:-1]}
    if kind == "window":
        return proposal(items, window_start=min(r["periodStart"] for r in items) + delta)
    if kind == "digest":
        request = proposal(items)
        return request | {"digest": "0x" + delta.to_bytes(32, "big").hex()}
    return proposal(items)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(count=st.integers(1, 6), devices=st.integers(1, 3), kind=st.sampled_from(TAMPERS),
       delta=st.integers(1, 1000), energies=st.lists(st.integers(0, 590), min_size=6, max_size=6))
def test_signs_exactly_the_batches_whose_content_verifies(count, devices, kind, delta, energies):
    """Honest proposals are signed, with a signature MRVAnchor accepts for their header; a proposal
    tampered in any reading, total, hash, root, window or digest is refused and recorded nowhere."""
    if kind == "dropped reading" and count == 1:
        kind = "none"
    fleet = FLEET[:devices]
    items = [fleet[i % devices].reading(i // devices + 1, energy_wh=energies[i]) for i in range(count)]
    request = _tamper(kind, items, delta)
    ctx = context()
    try:
        reply = ctx.cosign(body(request))
    except CosignRefused:
        assert kind != "none"
        assert ctx.record.entries() == []
        return
    assert kind == "none"
    header = BatchHeader.from_json_obj(request["header"])
    digest = attestation_digest(header, DOMAIN)
    assert recover_signer(digest, bytes.fromhex(reply["signature"][2:])) == OPERATOR.address
    assert [row[0] for row in ctx.record.entries()] == [header.merkle_root]


def test_http_api(tmp_path):
    ctx = context(policy=CosignPolicy(max_readings=3, max_body_bytes=2048))  # 2 readings: ~1 kB, 8: ~3 kB
    server = CosignerServer(ctx).start()
    try:
        port = server.port
        status, raw, _ = http_request(port, "POST", "/cosign", proposal(readings(2)))
        assert status == 200 and json.loads(raw)["signer"] == OPERATOR.address
        status, raw, _ = http_request(port, "POST", "/cosign", proposal(readings(2), OTHER_DOMAIN))
        assert (status, json.loads(raw)["error"]) == (422, "digest_mismatch")
        status, raw, _ = http_request(port, "POST", "/cosign", proposal(readings(8)))
        assert (status, json.loads(raw)["error"]) == (413, "too_large")  # over max_body_bytes
        status, raw, _ = http_request(port, "POST", "/cosign", proposal(readings(4)))
        assert (status, json.loads(raw)["error"]) == (413, "too_large")  # over max_readings
        status, raw, _ = http_request(port, "POST", "/cosign", b"{}", {"Content-Type": "text/plain"})
        assert (status, json.loads(raw)["error"]) == (415, "unsupported_media_type")
        status, raw, _ = http_request(port, "POST", "/cosign", b"[")
        assert (status, json.loads(raw)["error"]) == (400, "malformed")
        status, raw, _ = http_request(port, "GET", "/health")
        assert status == 200 and json.loads(raw) == {"status": "ok", "signer": OPERATOR.address, "signed": 1}
        status, raw, _ = http_request(port, "POST", "/batches")
        assert (status, json.loads(raw)["error"]) == (404, "not_found")
        status, raw, _ = http_request(port, "DELETE", "/cosign")
        assert status == 405 and json.loads(raw)["error"] == "method_not_allowed"
        status, raw, _ = http_request(port, "GET", "/metrics")
        assert b'greenfi_cosigner_cosign_refusals_total{error="digest_mismatch"} 1' in raw
    finally:
        server.stop()


def test_the_cli_refuses_a_missing_key_and_a_bad_cosigner_url(monkeypatch):
    """One error line, exit 1, before any node is reached (none listens at the URL given)."""
    from click.testing import CliRunner

    from greenfi.cli import cli

    for name in ("GREENFI_KEYSTORE", "GREENFI_PRIVATE_KEY", "GREENFI_SENSOR_COSIGNERS"):
        monkeypatch.delenv(name, raising=False)
    nowhere = ["--network", "development", "--rpc-url", "http://127.0.0.1:9"]
    keyless = CliRunner().invoke(cli, ["oracle", "cosigner", *nowhere])
    assert keyless.exit_code == 1 and "missing deployer key" in keyless.output and "Traceback" not in keyless.output
    bad_url = CliRunner().invoke(cli, ["oracle", "sensor", *nowhere, "--cosigner", "ftp://operator-b"])
    assert bad_url.exit_code == 1 and "--cosigner: a co-signer URL must start with http://" in bad_url.output


def test_every_refusal_code_is_tested():
    assert {code for code, _, _ in CASES.values()} | {Refusal.CONFLICTING_BATCH} == set(Refusal)


class _PoolClient:
    """What the pool reads of MRVAnchor: k, the operator set, the daemon's own account."""

    def __init__(self, k: int, operators: set[str]):
        self.k, self.operators = k, operators
        self.signer = KeySigner.from_key(b"\x41" * 32)

    def threshold(self):
        return self.k

    def is_operator(self, account):
        return account in self.operators


def test_the_daemon_collects_k_minus_1_valid_cosignatures_and_reports_the_rest(tmp_path):
    """A co-signer's reply counts only as a distinct operator's signature over the daemon's digest;
    every other answer is reported with its code and, short of k-1, nothing is returned."""
    from oracles.sensor.batcher import BatchPolicy, cut_batches
    from oracles.sensor.cosigners import CosignerPool, CosignerSettings
    from oracles.sensor.intake import Intake
    from oracles.sensor.store import Store
    from tests.oracles.support import directory

    store = Store(tmp_path / "sensor.db")
    Intake(store, directory(FLEET), DOMAIN, clock=lambda: NOW).submit(readings(3))
    [batch_id] = cut_batches(store, BatchPolicy(window_s=0), lambda: NOW)
    batch = store.batch(batch_id)
    honest = CosignerServer(context()).start()  # signs as OPERATOR
    stranger = CosignerServer(CosignContext(view(operators={"0x" + "00" * 20}), DOMAIN, SigningRecord(":memory:"),
                                            KeySigner.from_key(b"\x43" * 32), CosignPolicy(), cosigner_metrics(),
                                            clock=lambda: NOW)).start()  # answers not_operator
    servers = [honest, stranger]
    try:
        reports = []
        urls = tuple(f"http://127.0.0.1:{s.port}" for s in servers)
        unreachable = "http://127.0.0.1:9"

        def pool(k, operators, *urls_):
            return CosignerPool(CosignerSettings(urls_, timeout_s=5, retry_after_s=0), store,
                                _PoolClient(k, operators), DOMAIN, lambda *report: reports.append(report[1:3]))

        assert pool(1, set(), *urls)(batch) == ()  # k = 1: nobody is asked
        [signature] = pool(2, {OPERATOR.address}, unreachable, *urls)(batch)
        digest = attestation_digest(BatchHeader(batch.root, batch.project_id, batch.window_start, batch.window_end,
                                                batch.total_wh, batch.reading_count, batch.content_hash), DOMAIN)
        assert recover_signer(digest, signature) == OPERATOR.address
        # The honest co-signer's key is no operator here: its signature is refused by the daemon too.
        reports.clear()
        assert pool(2, set(), unreachable, *urls)(batch) is None
        assert sorted(code for _, code in reports) == ["invalid_signature", "not_operator", "unreachable"]
        reports.clear()
        assert pool(3, {OPERATOR.address}, urls[0])(batch) is None  # k - 1 = 2 signatures, one co-signer
        assert reports == [(None, "no_cosigners")]
        reports.clear()
        assert pool(2, {OPERATOR.address})(batch) is None and reports == [(None, "no_cosigners")]
    finally:
        for server in servers:
            server.stop()
        store.close()
