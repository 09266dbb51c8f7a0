"""Chain I/O of the risk oracle daemon (web3.py only): sending batches with a fixed nonce, finding
out what became of them, and reading stored scores back."""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, TransactionNotFound

from greenfi.chain import contracts
from greenfi.errors import ConfigError, GreenfiError
from greenfi.chain.signers import Signer
from greenfi.chain.transactions import describe_revert
from oracles.risk.outbox import Batch
from oracles.risk.policy import LastPosted

# Hand-encoded: web3's generic ABI path takes about a second for a 256-score batch.
_POST_TYPES = ["uint256", "uint64", "uint64", "address[]", "uint16[]", "bytes32[]", "bytes32[]"]
_POST_SCORES = keccak(text=f"postScores({','.join(_POST_TYPES)})")[:4]
_SCORE_OF = "0x" + keccak(text="scoreOf(address)")[:4].hex()
READ_BATCH = 500  # scoreOf calls per JSON-RPC batch request
GAS_MARGIN = 1.2  # over the estimate: storage refunds and warm slots can differ at execution


class PostRefused(GreenfiError):
    """The node refused a batch before it was sent (the call would revert)."""


@dataclass(frozen=True)
class Head:
    number: int
    timestamp: int
    gas_limit: int


class Poster:
    def __init__(self, w3: Web3, signer: Signer, oracle_address: str, model_registry_address: str | None = None):
        self.w3 = w3
        self.signer = signer
        self.oracle = contracts.at(w3, "RiskOracle", oracle_address)
        registry = model_registry_address or self.oracle.functions.modelRegistry().call()
        self.model_registry = contracts.at(w3, "ModelRegistry", registry)

    def _describe(self, exc: ContractLogicError) -> str:
        return describe_revert(exc, lambda: self.oracle.abi, lambda: self.model_registry.abi)

    @property
    def sender(self) -> str:
        return self.signer.address

    def head(self) -> Head:
        block = self.w3.eth.get_block("latest")
        return Head(block["number"], block["timestamp"], block["gasLimit"])

    def model_version(self, configured: int | None, model_hash: str | None) -> int:
        """The version to post under: the configured one, or the one registered with `model_hash`;
        ConfigError unless it is approved."""
        if configured is None:
            if not model_hash:
                raise ConfigError("no model version: pass --model-version, or use a scorer that reports its model hash")
            configured = self.model_registry.functions.versionOf(bytes.fromhex(model_hash.removeprefix("0x"))).call()
            if configured == 0:
                raise ConfigError(f"model {model_hash} is not registered in ModelRegistry")
        if not self.model_registry.functions.isApproved(configured).call():
            raise ConfigError(f"model version {configured} is not approved in ModelRegistry: it may not score")
        return configured

    def nonce(self, block: str = "pending") -> int:
        return self.w3.eth.get_transaction_count(self.sender, block)

    def send(self, batch: Batch, gas_limit: int) -> str:
        """Send `batch` with its reserved nonce; PostRefused (nothing sent) when it would revert."""
        data = _POST_SCORES + encode(_POST_TYPES, [
            batch.model_version, batch.timestamp, batch.expiry,
            [r.subject for r in batch.items], [r.score_bps for r in batch.items],
            [bytes.fromhex(r.input_hash[2:]) for r in batch.items],
            [bytes.fromhex(r.explanation_hash[2:]) for r in batch.items],
        ])
        tx = {"to": self.oracle.address, "data": Web3.to_hex(data)}
        try:
            gas = self.w3.eth.estimate_gas({**tx, "from": self.sender})
        except (ContractCustomError, ContractLogicError) as exc:
            raise PostRefused(f"batch {batch.id} would revert: {self._describe(exc)}") from None
        tx.update(nonce=batch.nonce, gas=min(int(gas * GAS_MARGIN), gas_limit))
        return Web3.to_hex(self.signer.send(self.w3, tx))

    def receipt(self, tx_hash: str):
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None

    def is_known(self, tx_hash: str) -> bool:
        """Whether the node still knows the transaction (mined or waiting in its pool)."""
        try:
            self.w3.eth.get_transaction(tx_hash)
            return True
        except TransactionNotFound:
            return False

    def scores_of(self, subjects: list[str]) -> list[tuple[LastPosted, str] | None]:
        """The stored score and input hash of each subject (None where it has none), read with raw
        JSON-RPC batches and hand-decoded words: web3's per-call ABI handling costs milliseconds each."""
        results = []
        for start in range(0, len(subjects), READ_BATCH):
            chunk = subjects[start:start + READ_BATCH]
            requests = [("eth_call", [{"to": self.oracle.address, "data": _SCORE_OF + bytes.fromhex(s[2:]).rjust(32, b"\0").hex()},
                                      "latest"]) for s in chunk]
            responses = self.w3.provider.make_batch_request(requests)
            if isinstance(responses, dict):  # the node refused the whole batch
                raise GreenfiError(f"scoreOf batch failed: {responses.get('error')}")
            for response in sorted(responses, key=lambda r: r["id"]):
                if "error" in response:
                    raise GreenfiError(f"scoreOf failed: {response['error']}")
                raw = bytes.fromhex(response["result"][2:])
                words = [raw[i:i + 32] for i in range(0, 192, 32)]
                score, version, timestamp = (int.from_bytes(words[i], "big") for i in (0, 1, 4))
                results.append(None if timestamp == 0 else
                               (LastPosted(score, version, timestamp), "0x" + words[2].hex()))
        return results

    def on_chain(self, batch: Batch) -> bool:
        """Whether every score of `batch` is what the chain stores (timestamps strictly increase per
        subject, so an equal timestamp and input hash can only come from this batch)."""
        stored = self.scores_of([row.subject for row in batch.items])
        for row, found in zip(batch.items, stored):
            if found is None:
                return False
            last, input_hash = found
            if (last.timestamp, last.score_bps, input_hash) != (batch.timestamp, row.score_bps, row.input_hash):
                return False
        return True
