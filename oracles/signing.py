"""Device signatures over readings: EIP-2098 compact form, libsecp256k1 via coincurve.

A signature is carried as 64 bytes r ‖ vs, where vs = s | (v == 28) << 255 (EIP-2098), which
OpenZeppelin's `ECDSA.recover(hash, r, vs)` accepts. Like OpenZeppelin, s above secp256k1n/2 is
rejected as malleable, so every (reading, signer, nonce) has exactly one accepted encoding.
65-byte r ‖ s ‖ v input (v in {27, 28}, or {0, 1}) is accepted and normalised to compact.

Verification of a reading = range checks, digest (three keccaks), public-key recovery, and one
more keccak for the address: no eth-account or eth_abi on the hot path (see bench_readings).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import NamedTuple

from coincurve import PrivateKey, PublicKey
from eth_utils import to_checksum_address

from oracles.keccak import keccak256
from oracles.readings import (
    DEFAULT_LIMITS,
    Domain,
    Reading,
    ReadingFormatError,
    ReadingLimits,
    Reason,
    address_bytes,
    check_reading,
    digest,
)

__all__ = [
    "SECP256K1_HALF_N",
    "SECP256K1_N",
    "SignatureError",
    "SignerLookup",
    "Verdict",
    "recover_signer",
    "sign_digest",
    "sign_reading",
    "to_compact",
    "to_rsv",
    "verify_batch",
    "verify_reading",
]

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N // 2  # OpenZeppelin ECDSA's upper bound for s
_HALF_N_BYTES = SECP256K1_HALF_N.to_bytes(32, "big")

# Maps a deviceId to the address allowed to sign for it (None: unknown device); dict.get fits.
SignerLookup = Callable[[bytes], "str | bytes | None"]


class SignatureError(ReadingFormatError):
    """A signature that cannot be valid; `reason` is BAD_SIGNATURE or MALLEABLE_SIGNATURE."""

    def __init__(self, message: str, reason: Reason = Reason.BAD_SIGNATURE) -> None:
        super().__init__(message, "signature")
        self.reason = reason


class Verdict(NamedTuple):
    """Outcome for one reading: (True, None) or (False, reason)."""

    ok: bool
    reason: Reason | None = None


VALID = Verdict(True)


def _compact_from_parts(r: bytes, s: bytes, recid: int) -> bytes:
    if s > _HALF_N_BYTES:  # equal-length big-endian bytes compare like the integers they encode
        raise SignatureError("s is above secp256k1n/2 (malleable)", Reason.MALLEABLE_SIGNATURE)
    if recid:
        s = bytes((s[0] | 0x80,)) + s[1:]
    return r + s


def to_compact(signature: bytes) -> bytes:
    """EIP-2098 r ‖ vs form of a 64-byte compact or 65-byte r ‖ s ‖ v signature; rejects high s."""
    if not isinstance(signature, bytes):
        raise SignatureError(f"expected bytes, got {type(signature).__name__}")
    if len(signature) == 64:
        r, s, recid = _split_compact(signature)
        return _compact_from_parts(r, s, recid)
    if len(signature) == 65:
        v = signature[64]
        if v not in (0, 1, 27, 28):
            raise SignatureError(f"v must be 27 or 28 (or 0 or 1), got {v}")
        return _compact_from_parts(signature[:32], signature[32:64], v - 27 if v >= 27 else v)
    raise SignatureError(f"expected 64 (r, vs) or 65 (r, s, v) bytes, got {len(signature)}")


def _split_compact(compact: bytes) -> tuple[bytes, bytes, int]:
    """(r, s, recovery id) of a 64-byte r ‖ vs signature."""
    top = compact[32]
    return compact[:32], bytes((top & 0x7F,)) + compact[33:], top >> 7


def to_rsv(signature: bytes) -> bytes:
    """65-byte r ‖ s ‖ v (v in {27, 28}) form, for `ECDSA.recover(hash, bytes)` and eth-account."""
    r, s, recid = _split_compact(to_compact(signature))
    return r + s + bytes((27 + recid,))


def _private_key(key: PrivateKey | bytes | str) -> PrivateKey:
    if isinstance(key, PrivateKey):
        return key
    if isinstance(key, str):
        key = bytes.fromhex(key.removeprefix("0x"))
    return PrivateKey(key)


def sign_digest(private_key: PrivateKey | bytes | str, message_digest: bytes) -> bytes:
    """Compact signature of a 32-byte digest (RFC 6979 nonce; libsecp256k1 always yields low s)."""
    sig = _private_key(private_key).sign_recoverable(message_digest, hasher=None)
    if sig[64] > 1:  # r overflowed the group order: probability ~2**-127, not representable by v
        raise SignatureError("recovery id > 1 cannot be encoded for Ethereum")
    return _compact_from_parts(sig[:32], sig[32:64], sig[64])


def sign_reading(private_key: PrivateKey | bytes | str, reading: Reading, domain: Domain) -> bytes:
    """The device's compact EIP-712 signature over `reading` in `domain`."""
    return sign_digest(private_key, digest(reading, domain))


def _recover_address(message_digest: bytes, compact: bytes) -> bytes:
    """20-byte signer of a 64-byte compact signature; SignatureError if none can be recovered."""
    r, s, recid = _split_compact(compact)
    if s > _HALF_N_BYTES:
        raise SignatureError("s is above secp256k1n/2 (malleable)", Reason.MALLEABLE_SIGNATURE)
    try:
        # libsecp256k1 rejects r or s >= n and r == 0 / s == 0 exactly where ecrecover returns 0.
        public_key = PublicKey.from_signature_and_message(r + s + bytes((recid,)), message_digest, hasher=None)
    except ValueError as exc:
        raise SignatureError(f"no public key recovers from this signature ({exc})") from None
    return keccak256(public_key.format(compressed=False)[1:])[12:]


def recover_signer(message_digest: bytes, signature: bytes) -> str:
    """Checksummed address that signed `message_digest` (64- or 65-byte signature)."""
    if not isinstance(message_digest, bytes) or len(message_digest) != 32:
        raise ReadingFormatError("expected a 32-byte digest", "digest")
    return to_checksum_address(_recover_address(message_digest, to_compact(signature)))


@lru_cache(maxsize=65_536)
def _expected_address(address: str | bytes) -> bytes:
    # Lookups return the same few registry strings over and over: parse each once.
    return address_bytes(address)


def _verdict(reading: Reading, signature: bytes, domain: Domain, expected: str | bytes | None,
             limits: ReadingLimits) -> Verdict:
    reason = check_reading(reading, limits)
    if reason is not None:
        return Verdict(False, reason)
    if expected is None:
        return Verdict(False, Reason.UNKNOWN_DEVICE)
    try:
        if not isinstance(signature, bytes) or len(signature) != 64:
            signature = to_compact(signature)  # 65-byte r ‖ s ‖ v, or a SignatureError
        signer = _recover_address(digest(reading, domain), signature)
    except SignatureError as exc:
        return Verdict(False, exc.reason)
    return VALID if signer == _expected_address(expected) else Verdict(False, Reason.WRONG_SIGNER)


def verify_reading(reading: Reading, signature: bytes, domain: Domain, expected_signer: str | bytes | None,
                   limits: ReadingLimits = DEFAULT_LIMITS) -> Verdict:
    """Verdict for one reading (64- or 65-byte signature) that `expected_signer` should have signed."""
    return _verdict(reading, signature, domain, expected_signer, limits)


def verify_batch(items: Iterable[tuple[Reading, bytes]], domain: Domain, expected_signer_lookup: SignerLookup,
                 limits: ReadingLimits = DEFAULT_LIMITS) -> list[Verdict]:
    """Per-item verdicts for (reading, signature) pairs, in order; a bad item never raises.

    Checks run cheapest first: period and energy bounds, known device, signature shape,
    malleability, recovery, signer match; the first failure is the reported reason.
    A lookup that returns a malformed address is a configuration error and does raise.
    """
    return [
        _verdict(reading, signature, domain, expected_signer_lookup(reading.device_id), limits)
        for reading, signature in items
    ]
