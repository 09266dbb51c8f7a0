"""The co-signer's reads of the chain (oracles.sensor.cosign.ChainView): device records fresh from
DeviceRegistry, and MRVAnchor's tolerance, operators and batches at the latest block. A node that
cannot answer raises Unavailable (HTTP 503): nothing is signed on stale or missing data."""

from __future__ import annotations

from web3 import Web3

from greenfi.chain import contracts
from oracles.sensor.anchor import BATCH_STATUS_NONE
from oracles.sensor.chain_directory import ChainDirectory
from oracles.sensor.devices import DeviceInfo, Unavailable


class CosignChain:
    def __init__(self, w3: Web3, anchor_address: str, registry_address: str):
        self.w3 = w3
        self._anchor = contracts.at(w3, "MRVAnchor", anchor_address)
        self._directory = ChainDirectory(w3, registry_address)

    def device(self, device_id: bytes) -> DeviceInfo | None:
        return _answer(lambda: self._directory.fresh(device_id))

    def tolerance_bps(self) -> int:
        return _answer(lambda: contracts.fields(self._anchor.functions.config())["toleranceBps"])

    def chain_time(self) -> int:
        return _answer(lambda: self.w3.eth.get_block("latest")["timestamp"])

    def is_anchored(self, root: bytes) -> bool:
        return _answer(lambda: contracts.fields(self._anchor.functions.batch(root))["status"]) != BATCH_STATUS_NONE

    def is_operator(self, account: str) -> bool:
        return _answer(lambda: self._anchor.functions.isOperator(account).call())


def _answer(read):
    try:
        return read()
    except Exception as exc:  # the node is down or failing: refuse for now, never sign on a guess
        raise Unavailable(f"chain: {type(exc).__name__}: {exc}") from exc
