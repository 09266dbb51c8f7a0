"""Anchoring built batches on the MRVAnchor contract, exactly once, across crashes and restarts.

Each batch moves  built → sending (nonce persisted) → sent (tx hash persisted) → anchored.
At every tick:
  * a batch whose root is on chain is anchored, whatever its local state;
  * `sending`: the process died between reserving a nonce and recording the hash. If the account's
    mined nonce has passed it, that nonce was used: the batch is re-examined next tick (anchored,
    or back to built); otherwise it is sent again with the same nonce, a replacement and never a
    second transaction;
  * `sent` and not anchored after `resend_after_s`: sent again with the same nonce and higher
    fees; once its nonce is consumed without anchoring it (reverted, replaced): back to built.
The contract refuses a second anchor of a root (BatchExists), so even a lost local database can
never anchor a reading twice.

Where MRVAnchor's threshold k is above 1, a built batch is sent only with the signatures of k-1
other operators, collected from their co-signers (`cosign`, oracles.sensor.cosigners) once its
anchor simulates with nothing missing but those signatures; a batch without them stays built and is
offered again later (a replacement of a sent batch carries the same signatures).

Before a built batch is sent, its anchor is simulated (eth_call). A revert that only this batch
meets (a header the contract refuses, any error not in OPERATOR_REFUSALS) sets it aside with the
decoded error as its reason: other batches, of its project and of others, keep anchoring, and the
daemon keeps running. A revert about the operator itself (not an operator, too few signatures, the
network paused) fails the round instead: every batch would meet it, so the circuit breaker hears of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from greenfi.chain import artifacts
from greenfi.chain.signers import Signer, with_fees
from greenfi.chain.transactions import enum_members, revert_data, revert_reason
from greenfi.errors import GreenfiError
from oracles.attestation import BatchHeader
from oracles.codec import SignedReading
from oracles.readings import Reading
from oracles.sensor.store import StoredBatch, Store

BATCH_STATUS_NONE = 0
BATCH_STATUS_ANCHORED = 1
BATCH_STATUS_REJECTED = 2
BATCH_STATUS_FINALIZED = 3

# Reverts that concern the operator or the network, not one batch: they fail the round.
OPERATOR_REFUSALS = ("NotOperator", "InsufficientSignatures", "DuplicateSigner", "NetworkPaused", "SystemPaused",
                     "ComplianceRefused", "EnforcedPause", "AccessControl")


# A local fault finder: one fault name (or None) per reading, judged as MRVAnchor.readingFault would.
Judge = Callable[[Sequence[SignedReading]], list[str | None]]
# The co-signatures (64-byte r ‖ vs each) a batch needs to anchor, or None while they are missing.
Cosign = Callable[[StoredBatch], Sequence[bytes] | None]


class OperatorRefused(GreenfiError):
    """The anchor contract refuses this operator (or the network is paused): no batch can anchor."""


@dataclass(frozen=True, slots=True)
class ChainBatch:
    """What MRVAnchor records of a root (status BATCH_STATUS_*; challenge_end in unix seconds)."""

    status: int
    challenge_end: int


@dataclass(frozen=True)
class AnchorPolicy:
    resend_after_s: float = 120.0
    fee_bump_pct: int = 25  # a replacement must pay at least 10 % more; bump well past that


class AnchorClient:
    """The daemon's view of MRVAnchor: is a root anchored, which nonce is next, send an anchor."""

    def __init__(self, w3: Web3, anchor_address: str, signer: Signer, confirmations: int = 1):
        self.w3 = w3
        self.signer = signer
        self.confirmations = confirmations
        # decode_tuples: the Batch struct is read by field name, whatever fields it gains
        self.contract = w3.eth.contract(address=Web3.to_checksum_address(anchor_address),
                                        abi=artifacts.load("MRVAnchor").abi, decode_tuples=True)

    def on_chain(self, root: bytes, confirmed: bool = True) -> ChainBatch:
        """The root's record `confirmations` blocks deep (or at the latest block, with confirmed=False)."""
        block = "latest"
        if confirmed and self.confirmations > 1:
            block = max(0, self.w3.eth.block_number - self.confirmations + 1)
        record = self.contract.functions.batch(root).call(block_identifier=block)
        return ChainBatch(int(record.status), int(record.challengeEnd))

    def is_anchored(self, root: bytes, confirmed: bool = True) -> bool:
        """Whether `root` is anchored `confirmations` blocks deep (or at all, with confirmed=False)."""
        return self.on_chain(root, confirmed).status != BATCH_STATUS_NONE

    def tolerance_bps(self) -> int:
        """The capacity tolerance in force now: the one a batch anchored now is judged by."""
        return self.contract.functions.config().call()[3]

    def threshold(self) -> int:
        """k: how many operators, the sender included, must sign a batch anchored now."""
        return self.contract.functions.config().call()[0]

    def is_operator(self, account: str) -> bool:
        return self.contract.functions.isOperator(account).call()

    def refusal(self, batch: StoredBatch, cosignatures: Sequence[bytes] = (), awaiting_cosigners: bool = False
                ) -> str | None:
        """Why anchorBatch with `cosignatures` would revert for this batch (the decoded error), or None
        if it would not. Raises OperatorRefused for an error in OPERATOR_REFUSALS; transport errors
        propagate. `awaiting_cosigners`: InsufficientSignatures, the last check anchorBatch makes, is
        no refusal (the signatures are collected next)."""
        call = self.contract.functions.anchorBatch(header_of(batch).to_abi(), _compact(cosignatures))
        try:
            call.call({"from": self.signer.address})
            return None
        except (ContractCustomError, ContractLogicError) as exc:
            reason = revert_reason(exc, call)
        except ValueError as exc:  # a provider that passes the node's JSON-RPC error on as is (code 3, data)
            if revert_data(exc) is None:
                raise
            reason = revert_reason(exc, call)
        if awaiting_cosigners and reason.startswith("InsufficientSignatures"):
            return None
        if reason.startswith(OPERATOR_REFUSALS):
            raise OperatorRefused(f"anchorBatch refused: {reason}")
        return reason

    def rejection(self, root: bytes) -> tuple[str, SignedReading | None]:
        """(fault name, the challenged reading or None) of a rejected root: the fault
        from its BatchRejected event, the reading from the challenge transaction's `signed` argument
        (None for a totals challenge, or a challenge sent through another contract)."""
        event = self.contract.events.BatchRejected
        logs = event.get_logs(from_block=0, argument_filters={"batchId": root})
        if not logs:
            return "Unknown", None
        log = logs[-1]
        fault = _fault_name(int(log.args.fault))
        tx = self.w3.eth.get_transaction(log.transactionHash)
        if tx.get("to") is None or Web3.to_checksum_address(tx["to"]) != self.contract.address:
            return fault, None
        try:
            _, args = self.contract.decode_function_input(tx["input"])
        except ValueError:
            return fault, None
        signed = args.get("signed")
        if signed is None:
            return fault, None
        r = signed["reading"] if isinstance(signed, dict) else signed.reading
        fields = r if isinstance(r, dict) else r._asdict()
        reading = Reading(bytes(fields["deviceId"]), fields["sequence"], fields["periodStart"], fields["periodEnd"],
                          fields["energyWh"])
        rs, vs = (signed["r"], signed["vs"]) if isinstance(signed, dict) else (signed.r, signed.vs)
        return fault, SignedReading(reading, bytes(rs) + bytes(vs))

    def mined_nonce(self) -> int:
        return self.w3.eth.get_transaction_count(self.signer.address, "latest")

    def chain_time(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def send(self, batch: StoredBatch, nonce: int, bump_pct: int = 0, attempts: int = 1,
             cosignatures: Sequence[bytes] = ()) -> bytes:
        """Send the batch's anchor with `nonce` and `cosignatures`; with `bump_pct`, fees are the
        network's × (1 + bump_pct)^attempts so every replacement outbids the one before."""
        call = self.contract.functions.anchorBatch(header_of(batch).to_abi(), _compact(cosignatures))
        tx: dict[str, Any] = {"to": self.contract.address, "data": call._encode_transaction_data(), "nonce": nonce,
                              "gas": 200_000}
        if bump_pct:
            fees = with_fees(self.w3, tx)
            tx = {k: (v * (100 + bump_pct) ** attempts // 100 ** attempts if k in ("maxFeePerGas", "maxPriorityFeePerGas", "gasPrice") else v)
                  for k, v in fees.items()}
        return bytes(self.signer.send(self.w3, tx))



def anchor_batches(store: Store, client: AnchorClient, policy: AnchorPolicy = AnchorPolicy(),
                   clock: Callable[[], float] = time.time,
                   on_anchored: Callable[[int], None] = lambda batch_id: None,
                   on_set_aside: Callable[[int, str], None] = lambda batch_id, reason: None,
                   judge: Judge | None = None, cosign: Cosign | None = None) -> list[int]:
    """One round of the state machine above; returns the ids of batches newly anchored.
    `on_anchored` and `on_set_aside` hear of each batch as soon as it is recorded, even if the round
    fails later on. `judge` (one fault name or None per reading, judged as MRVAnchor.readingFault
    would on fresh device records, e.g. oracles.sensor.standing) re-checks a built batch just before
    it is first sent: a batch with a fault is withdrawn, never sent. `cosign` gives the other
    operators' signatures a batch needs (None: k = 1, nobody else signs)."""
    anchored: list[int] = []

    def cosignatures(batch: StoredBatch) -> Sequence[bytes] | None:
        return () if cosign is None else cosign(batch)

    def mark_anchored(batch_id: int) -> None:
        store.mark_anchored(batch_id)
        anchored.append(batch_id)
        on_anchored(batch_id)

    mined_nonce = client.mined_nonce()
    for batch in store.batches("sending") + store.batches("sent"):
        if client.is_anchored(batch.root):
            mark_anchored(batch.id)
        elif client.is_anchored(batch.root, confirmed=False):
            continue  # mined, not yet deep enough
        elif batch.nonce < mined_nonce:
            store.mark_built(batch.id)  # its nonce was consumed without anchoring it
        elif batch.status == "sending":
            if (signatures := cosignatures(batch)) is not None:
                store.mark_sent(batch.id, _send_known(client, batch, batch.nonce, cosignatures=signatures))
        elif clock() - batch.sent_at > policy.resend_after_s:
            if (signatures := cosignatures(batch)) is not None:
                # Each replacement outbids the last: fees grow by fee_bump_pct per attempt.
                store.mark_resent(batch.id, _send_known(client, batch, batch.nonce, policy.fee_bump_pct,
                                                        batch.attempts, signatures))
    chain_now = client.chain_time()
    next_nonce = max(mined_nonce, (store.max_nonce() or -1) + 1)
    for batch in store.batches("built"):
        if client.is_anchored(batch.root):  # by an earlier run, or by another operator
            mark_anchored(batch.id)
            continue
        if client.is_anchored(batch.root, confirmed=False):
            continue
        if batch.window_end > chain_now:
            continue  # the contract refuses windows that end in the future: wait for the chain
        if judge is not None and _withdrawn(store, batch, judge):
            continue  # a challenge would reject it: its faulty readings quarantined, the others cut again
        # Only what the other operators' signatures cannot fix is refused before asking them.
        reason = client.refusal(batch, awaiting_cosigners=cosign is not None)
        signatures = () if reason is not None else cosignatures(batch)
        if signatures is None:
            continue  # a co-signer refused or did not answer (reported): offered again later
        if reason is None and signatures:
            reason = client.refusal(batch, signatures)
        if reason is not None:
            if reason.startswith("BatchExists"):  # anchored by another operator since the check above
                mark_anchored(batch.id)
                continue
            store.set_aside(batch.id, reason)
            on_set_aside(batch.id, reason)
            continue
        store.mark_sending(batch.id, next_nonce)
        store.mark_sent(batch.id, _send_known(client, batch, next_nonce, cosignatures=signatures))
        next_nonce += 1
    return anchored


# What nodes answer when a transaction with this nonce is already in their pool or mined.
_KNOWN = ("already known", "already imported", "underpriced", "nonce too low", "nonce is too low")


def _send_known(client: AnchorClient, batch: StoredBatch, nonce: int, bump_pct: int = 0,
                attempts: int = 1, cosignatures: Sequence[bytes] = ()) -> bytes | None:
    """Send; if the node says the nonce is already taken (a copy pending from before a crash, or a
    replacement that did not outbid it), return None: the batch counts as sent, and the next rounds
    see it mined, see its nonce consumed, or replace it with higher fees."""
    try:
        return client.send(batch, nonce, bump_pct, attempts, cosignatures)
    except (Web3RPCError, ValueError) as exc:  # the node's JSON-RPC error
        if any(marker in str(exc).lower() for marker in _KNOWN):
            return None
        raise


def _withdrawn(store: Store, batch: StoredBatch, judge: Judge) -> bool:
    readings = store.batch_readings(batch.id)
    faults = {(s.reading.device_id, s.reading.sequence): f"{fault}: found before anchoring"
              for s, fault in zip(readings, judge(readings)) if fault is not None}
    return bool(faults) and store.withdraw_batch(batch.id, "withdrawn before anchoring", faults)


def _fault_name(code: int) -> str:
    members = enum_members("IMRVAnchor.Fault")
    return members[code] if code < len(members) else f"Fault({code})"


def header_of(batch: StoredBatch) -> BatchHeader:
    """The header a stored batch is anchored with (and co-signed over)."""
    return BatchHeader(batch.root, batch.project_id, batch.window_start, batch.window_end, batch.total_wh,
                       batch.reading_count, batch.content_hash)


def _compact(signatures: Sequence[bytes]) -> list[tuple[bytes, bytes]]:
    """IMRVAnchor.CompactSignature structs (r, vs) of 64-byte signatures."""
    return [(s[:32], s[32:]) for s in signatures]
