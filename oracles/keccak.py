"""Keccak-256 (Ethereum's pre-NIST SHA-3) from the fastest backend installed.

The verification hot path hashes three or four times per reading, so the backend matters.
Measured per 224-byte input on the reference machine: safe-pysha3 ~1.5 µs, pycryptodome
~6.2 µs, eth_hash.auto ~7.9 µs (it wraps one of those and adds a dispatch layer). All three
are pinned in requirements.lock; the fallbacks keep this module working without pysha3.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["BACKEND", "keccak256"]


def _select_backend() -> tuple[str, Callable[[bytes], bytes]]:
    try:
        from sha3 import keccak_256  # safe-pysha3: C implementation, no wrapper objects
    except ImportError:
        pass
    else:
        return "pysha3", lambda data: keccak_256(data).digest()
    try:
        from Crypto.Hash import keccak  # pycryptodome
    except ImportError:
        pass
    else:
        return "pycryptodome", lambda data: keccak.new(data=data, digest_bits=256).digest()
    from eth_hash.auto import keccak as eth_hash_keccak

    return "eth-hash", eth_hash_keccak


# keccak256(data: bytes) -> bytes: the 32-byte Keccak-256 digest of `data`.
BACKEND, keccak256 = _select_backend()

# A module named `sha3` could also be NIST SHA3-256, which differs only in padding: fail loudly.
_EMPTY_KECCAK = bytes.fromhex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
if keccak256(b"") != _EMPTY_KECCAK:  # pragma: no cover - environment sanity check
    raise ImportError(f"keccak backend {BACKEND!r} is not Keccak-256")
