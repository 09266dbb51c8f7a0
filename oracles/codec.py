"""Wire forms of signed readings: canonical JSON, the Merkle leaf, and the batch content hash.

JSON object (the oracle daemon's HTTP API accepts exactly this; keys are the Solidity names):

    {"deviceId":"0x<64 hex>","energyWh":N,"periodEnd":N,"periodStart":N,"sequence":N,
     "signature":"0x<128 hex>"}

Input may use either hex case and a 65-byte (130 hex) r ‖ s ‖ v signature; output is canonical:
sorted keys, no whitespace, lowercase hex, compact 64-byte signature. Integers are JSON numbers
(uint64, so JavaScript consumers must parse them as BigInt above 2**53).

Merkle leaf (what MRVAnchor recomputes on chain), the hash of the leaf node (leaf, energyWh, 1)
of the batch's Merkle-sum tree (oracles.sumtree):

    keccak256(bytes.concat(keccak256(abi.encode(deviceId, sequence, periodStart, periodEnd,
                                                 energyWh, r, vs))))

Batch tree: the canonical Merkle-sum tree over the leaf nodes in leaf-hash order.

Batch content hash: keccak256 of the canonical batch document, a JSON array of canonical
reading objects sorted by leaf hash (the tree's leaf order), e.g. `[{...},{...}]`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from oracles.keccak import keccak256
from oracles.sumtree import SumNode, SumPath, SumTree
from oracles.readings import Reading, ReadingFormatError
from oracles.signing import to_compact

__all__ = [
    "BatchTree",
    "SignedReading",
    "batch_content_hash",
    "batch_tree",
    "canonical_batch_bytes",
    "from_json",
    "leaf_hash",
    "to_json",
]

_UINT_FIELDS = ("sequence", "periodStart", "periodEnd", "energyWh")
_KEYS = frozenset(("deviceId", "signature", *_UINT_FIELDS))


def leaf_hash(reading: Reading, signature: bytes) -> bytes:
    """The Merkle leaf committing to `reading` and its compact signature (r, vs)."""
    return keccak256(keccak256(reading.abi_words() + to_compact(signature)))


class SignedReading(NamedTuple):
    """A reading with its 64-byte compact signature; unpacks as (reading, signature)."""

    reading: Reading
    signature: bytes

    def leaf(self) -> bytes:
        return leaf_hash(self.reading, self.signature)

    def leaf_node(self) -> SumNode:
        """The reading's node in a Merkle-sum tree: (leaf hash, energy, 1)."""
        return SumNode(self.leaf(), self.reading.energy_wh, 1)

    def to_json_obj(self) -> dict[str, Any]:
        """The canonical JSON object as a dict (signature normalised to compact)."""
        r = self.reading
        return {
            "deviceId": "0x" + r.device_id.hex(),
            "energyWh": r.energy_wh,
            "periodEnd": r.period_end,
            "periodStart": r.period_start,
            "sequence": r.sequence,
            "signature": "0x" + to_compact(self.signature).hex(),
        }


def _dumps(obj: object) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def to_json(signed: SignedReading) -> str:
    """Canonical JSON text of one signed reading."""
    return _dumps(signed.to_json_obj())


def _hex_bytes(name: str, value: object, sizes: tuple[int, ...]) -> bytes:
    # The happy path is the daemon's hot path: messages are built only on failure.
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ReadingFormatError(f"expected a 0x-prefixed string of {_expected(sizes)}, got {value!r}", name)
    digits = value[2:]
    if len(digits) // 2 not in sizes or len(digits) % 2:
        raise ReadingFormatError(f"expected {_expected(sizes)}, got {len(digits)} hex digits", name)
    try:
        raw = bytes.fromhex(digits)
    except ValueError:
        raw = b""
    if 2 * len(raw) != len(digits):  # fromhex skips whitespace: a short result means non-hex input
        raise ReadingFormatError(f"non-hex characters in {value!r}", name)
    return raw


def _expected(sizes: tuple[int, ...]) -> str:
    return " or ".join(f"{2 * n} hex digits ({n} bytes)" for n in sizes)


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        keys = [k for k, _ in pairs]
        raise ReadingFormatError(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r}")
    return obj


def _parse_text(data: str | bytes) -> object:
    try:
        return json.loads(data, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        if isinstance(exc, ReadingFormatError):
            raise
        raise ReadingFormatError(f"not valid JSON: {exc}") from None


def _reject_constant(name: str) -> None:
    raise ReadingFormatError(f"{name} is not a valid JSON number")


def from_json(data: str | bytes | Mapping[str, Any]) -> SignedReading:
    """Parse and validate one signed reading (JSON text or an already-decoded object).

    Raises ReadingFormatError naming the field for: non-objects, missing or unknown keys, non-integer
    or out-of-uint64 numbers (floats and booleans included), bad hex, wrong lengths, and signatures
    that are unusable or malleable. Period/energy plausibility is a verification outcome instead.
    """
    obj = _parse_text(data) if isinstance(data, (str, bytes)) else data
    if not isinstance(obj, Mapping):
        raise ReadingFormatError(f"expected a JSON object, got {type(obj).__name__}")
    missing, unknown = _KEYS - obj.keys(), obj.keys() - _KEYS
    if missing:
        raise ReadingFormatError(f"missing key(s) {sorted(missing)}")
    if unknown:
        raise ReadingFormatError(f"unknown key(s) {sorted(map(str, unknown))}")
    # Reading() range-checks the integers and names the offending field.
    reading = Reading(_hex_bytes("deviceId", obj["deviceId"], (32,)), *(obj[name] for name in _UINT_FIELDS))
    return SignedReading(reading, to_compact(_hex_bytes("signature", obj["signature"], (64, 65))))


def _sorted_by_leaf(items: Iterable[SignedReading]) -> list[tuple[bytes, SignedReading]]:
    signed = [SignedReading(*item) for item in items]
    keyed = [(item.leaf(), item) for item in signed]
    if not keyed:
        raise ValueError("a batch holds at least one reading")
    keyed.sort(key=lambda pair: pair[0])
    return keyed


def canonical_batch_bytes(items: Iterable[SignedReading]) -> bytes:
    """The canonical batch document: a JSON array of canonical readings in leaf-hash order."""
    return _dumps([signed.to_json_obj() for _, signed in _sorted_by_leaf(items)]).encode("ascii")


def batch_content_hash(items: Iterable[SignedReading]) -> bytes:
    """keccak256 of `canonical_batch_bytes(items)`, published on chain next to the Merkle root."""
    return keccak256(canonical_batch_bytes(items))


class BatchTree:
    """The canonical Merkle-sum tree of a batch: leaves in leaf-hash order (the batch document's
    order); `path(i)` proves the i-th item as given."""

    __slots__ = ("tree", "_rank")

    def __init__(self, items: Iterable[SignedReading]):
        signed = [SignedReading(*item) for item in items]
        if not signed:
            raise ValueError("a batch holds at least one reading")
        nodes = [item.leaf_node() for item in signed]
        order = sorted(range(len(nodes)), key=lambda i: nodes[i].hash)
        self._rank = [0] * len(order)
        for rank, position in enumerate(order):
            self._rank[position] = rank
        self.tree = SumTree([nodes[i] for i in order])

    @property
    def root(self) -> bytes:
        """The root hash: the batch id."""
        return self.tree.root.hash

    @property
    def energy_wh(self) -> int:
        return self.tree.root.energy_wh

    @property
    def count(self) -> int:
        return self.tree.root.count

    def __len__(self) -> int:
        return len(self._rank)

    def path(self, index: int) -> SumPath:
        """The Merkle-sum path of the `index`-th item as given."""
        return self.tree.path(self._rank[index])


def batch_tree(items: Iterable[SignedReading]) -> BatchTree:
    """The batch's Merkle-sum tree; `path(i)` proves the i-th item as given."""
    return BatchTree(items)
