"""Co-signing against the real contracts: the Python attestation digest is MRVAnchor's, the co-signer
reads devices and batches from the chain, and the sensor daemon with one co-signer anchors at k = 2
(a co-signer that is down or refuses leaves the batch in the outbox, to be anchored once it signs)."""

import contextlib

import pytest
from brownie import MRVAnchor, web3
from brownie.test import given
from hypothesis import settings
from hypothesis import strategies as st
from tests.mrv.conftest import OPERATOR_KEYS
from tests.mrv.sensor_process import in_process_daemons
from tests.mrv.support import HOUR, PROJECT, chain_now, sign, signed_tuple

from greenfi.chain.node import free_port
from greenfi.chain.signers import KeySigner
from oracles.attestation import BatchHeader, attestation_digest
from oracles.codec import batch_tree
from oracles.readings import Domain
from oracles.sensor.batcher import BatchPolicy
from oracles.sensor.cosign import CosignPolicy
from oracles.sensor.cosign_chain import CosignChain
from oracles.sensor.cosign_record import SigningRecord
from oracles.sensor.cosign_server import CosignContext, CosignerServer, cosigner_metrics
from oracles.sensor.cosigners import CosignerSettings

COSIGNER = KeySigner.from_key(OPERATOR_KEYS[0])


@pytest.fixture(scope="module")
def anchor_k2(mrv_registry, devices, admin, regulator, oracle_operator, cosigners):
    """An MRVAnchor at k = 2 with the daemon's operator; the co-signer's is added by the tests."""
    anchor = MRVAnchor.deploy(mrv_registry, devices, admin, regulator, 2, {"from": admin})
    anchor.addOperator(oracle_operator, {"from": regulator})
    return anchor


@pytest.fixture
def cosigner(anchor_k2, devices, tmp_path):
    """The second operator's co-signer, in this process, on a free port; yields (url, record)."""
    record = SigningRecord(tmp_path / "cosigner.sqlite")
    context = CosignContext(CosignChain(web3, anchor_k2.address, devices.address),
                            Domain(web3.eth.chain_id, anchor_k2.address), record, COSIGNER, CosignPolicy(),
                            cosigner_metrics(), clock=chain_now)
    server = CosignerServer(context, port=free_port()).start()
    yield f"http://127.0.0.1:{server.port}", record
    server.stop()
    record.close()


@pytest.fixture
def make_daemon(tmp_path, anchor_k2, devices, oracle_operator):
    """make(co-signer URLs) → an in-process sensor daemon of the first operator, ticks driven by the test."""
    def make(urls):
        settings = CosignerSettings(tuple(urls), timeout_s=10, retry_after_s=0)
        daemons = stack.enter_context(in_process_daemons(tmp_path / "sensor.db", anchor_k2, devices.address,
                                                         oracle_operator.address, chain_now, cosigners=settings))
        return daemons(BatchPolicy(max_readings=6, window_s=10**9))
    with contextlib.ExitStack() as stack:
        yield make


def readings(anchor, fleet):
    own, _, t0 = fleet
    return [sign(anchor, d, h + 1, t0 + h * HOUR, t0 + (h + 1) * HOUR, 5_000 + 100 * h).to_json_obj()
            for h in range(2) for d in own]


@settings(max_examples=15, deadline=None)
@given(root=st.binary(min_size=32, max_size=32), project=st.integers(0, 2**256 - 1),
       window=st.tuples(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1)), energy=st.integers(0, 2**64 - 1),
       count=st.integers(0, 2**32 - 1), content=st.binary(min_size=32, max_size=32))
def test_the_attestation_digest_is_the_contracts(anchor, root, project, window, energy, count, content):
    header = BatchHeader(root, project, *window, energy, count, content)
    assert attestation_digest(header, Domain(web3.eth.chain_id, anchor.address)) == bytes(
        anchor.attestationDigest(header.to_abi()))


def test_the_daemon_anchors_at_k2_with_one_cosigner(anchor_k2, fleet, cosigners, regulator, make_daemon, cosigner):
    url, record = cosigner
    daemon = make_daemon([url])
    daemon.intake.submit(readings(anchor_k2, fleet))

    # The co-signer's key is no operator yet: it refuses, the batch stays built, nothing is sent.
    daemon.tick()
    assert daemon.failed_reason is None and daemon.metrics.value("cosigner_refusals", error="not_operator") == 1
    [batch] = daemon.store.batches("built")
    assert anchor_k2.batch(batch.root)[6] == 0 and record.count() == 0

    anchor_k2.addOperator(cosigners[0], {"from": regulator})
    daemon.tick()  # co-signed and sent
    daemon.tick()  # seen mined
    assert daemon.failed_reason is None and daemon.metrics.value("batches_anchored") == 1
    [batch] = daemon.store.batches("anchored")
    on_chain = anchor_k2.batch(batch.root)
    operators = list(anchor_k2.operators())
    signers = {operators[slot] for slot in range(16) if on_chain[7] >> slot & 1}
    assert signers == {daemon.anchor.signer.address, COSIGNER.address}
    assert record.count() == 1
    stored = daemon.store.batch_readings(batch.id)
    assert anchor_k2.proveReading(batch.root, signed_tuple(stored[0]), batch_tree(stored).path(0).to_abi())


def test_a_cosigner_that_is_down_leaves_the_batch_in_the_outbox(anchor_k2, fleet, cosigners, regulator, make_daemon,
                                                                 cosigner):
    anchor_k2.addOperator(cosigners[0], {"from": regulator})
    url, record = cosigner
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    daemon = make_daemon([down])
    daemon.intake.submit(readings(anchor_k2, fleet))
    daemon.tick()
    assert daemon.failed_reason is None and daemon.metrics.value("cosigner_refusals", error="unreachable") == 1
    [batch] = daemon.store.batches("built")
    assert anchor_k2.batch(batch.root)[6] == 0

    # The operator adds a co-signer that answers (a restart with another --cosigner): anchored.
    daemon.cosign.settings = CosignerSettings((down, url), timeout_s=10, retry_after_s=0)
    daemon.tick()
    daemon.tick()
    assert daemon.store.batches("anchored") and anchor_k2.batch(batch.root)[6] == 1 and record.count() == 1


def test_without_cosigners_k2_is_reported_and_nothing_is_sent(anchor_k2, fleet, make_daemon):
    daemon = make_daemon([])
    daemon.intake.submit(readings(anchor_k2, fleet))
    nonce = web3.eth.get_transaction_count(daemon.anchor.signer.address)
    daemon.tick()
    assert daemon.failed_reason is None and daemon.metrics.value("cosigner_refusals", error="no_cosigners") == 1
    assert [b.project_id for b in daemon.store.batches("built")] == [PROJECT]
    assert web3.eth.get_transaction_count(daemon.anchor.signer.address) == nonce
