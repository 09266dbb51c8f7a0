"""The batch header MRVAnchor anchors and the EIP-712 attestation its operators sign over it.

    BatchAttestation(bytes32 merkleRoot,uint256 projectId,uint64 windowStart,uint64 windowEnd,
                     uint64 energyWh,uint32 readingCount,bytes32 contentHash)
    digest = keccak256(0x1901 ‖ domainSeparator ‖ keccak256(ATTESTATION_TYPEHASH ‖ abi words))

in the same domain as the readings ("greenfi MRV", "1", chainId, MRVAnchor): `attestation_digest`
equals `MRVAnchor.attestationDigest(header)`. Every member is a static word, so it is hand-packed
like `oracles.readings.struct_hash`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oracles.keccak import keccak256
from oracles.readings import Domain, ReadingFormatError, check_bytes32, check_uint64

__all__ = ["ATTESTATION_TYPE", "ATTESTATION_TYPEHASH", "BatchHeader", "attestation_digest", "hex32"]

ATTESTATION_TYPE = ("BatchAttestation(bytes32 merkleRoot,uint256 projectId,uint64 windowStart,uint64 windowEnd,"
                    "uint64 energyWh,uint32 readingCount,bytes32 contentHash)")
ATTESTATION_TYPEHASH = keccak256(ATTESTATION_TYPE.encode())
_JSON_KEYS = ("merkleRoot", "projectId", "windowStart", "windowEnd", "energyWh", "readingCount", "contentHash")


@dataclass(frozen=True, slots=True)
class BatchHeader:
    """IMRVAnchor.BatchHeader; construction checks each member fits its Solidity type."""

    merkle_root: bytes
    project_id: int
    window_start: int
    window_end: int
    energy_wh: int
    reading_count: int
    content_hash: bytes

    def __post_init__(self) -> None:
        check_bytes32("merkleRoot", self.merkle_root)
        check_bytes32("contentHash", self.content_hash)
        if type(self.project_id) is not int or not 0 <= self.project_id < 1 << 256:
            raise ReadingFormatError(f"expected a uint256, got {self.project_id!r}", "projectId")
        for name, value in (("windowStart", self.window_start), ("windowEnd", self.window_end),
                            ("energyWh", self.energy_wh)):
            check_uint64(name, value)
        if type(self.reading_count) is not int or not 0 <= self.reading_count < 1 << 32:
            raise ReadingFormatError(f"expected a uint32, got {self.reading_count!r}", "readingCount")

    def abi_words(self) -> bytes:
        """abi.encode(header): seven 32-byte words in the struct's order."""
        return (self.merkle_root + b"".join(v.to_bytes(32, "big") for v in (
            self.project_id, self.window_start, self.window_end, self.energy_wh, self.reading_count)) + self.content_hash)

    def to_abi(self) -> tuple:
        """The tuple web3 encodes as the contract's BatchHeader."""
        return (self.merkle_root, self.project_id, self.window_start, self.window_end, self.energy_wh,
                self.reading_count, self.content_hash)

    def to_json_obj(self) -> dict[str, Any]:
        """The header as JSON, keys the Solidity names, bytes as 0x hex."""
        values = self.to_abi()
        return {key: "0x" + value.hex() if isinstance(value, bytes) else value for key, value in zip(_JSON_KEYS, values)}

    @classmethod
    def from_json_obj(cls, obj: object) -> "BatchHeader":
        """The header of `to_json_obj`'s shape; ReadingFormatError names what is wrong."""
        if not isinstance(obj, dict) or set(obj) != set(_JSON_KEYS):
            raise ReadingFormatError(f"the header must be an object with exactly the keys {', '.join(_JSON_KEYS)}")
        values = []
        for key in _JSON_KEYS:
            value = obj[key]
            values.append(hex32(value, key) if key in ("merkleRoot", "contentHash") else value)
        return cls(*values)


def hex32(value: object, name: str) -> bytes:
    """32 bytes from "0x" + 64 hex digits; ReadingFormatError naming `name` otherwise."""
    if isinstance(value, str) and len(value) == 66 and value.startswith("0x"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise ReadingFormatError("must be 0x + 64 hex digits", name)


def attestation_digest(header: BatchHeader, domain: Domain) -> bytes:
    """The 32-byte EIP-712 digest an operator signs to co-sign `header` (MRVAnchor.attestationDigest)."""
    return keccak256(b"\x19\x01" + domain.separator + keccak256(ATTESTATION_TYPEHASH + header.abi_words()))
