"""Benchmark the oracle core on one core: signing, batch verification, Merkle batches.

    python -m oracles.bench_readings [--n 20000] [--devices 4] [--leaves 1024] [--baseline 300] [--repeat 3]

Prints one JSON object per line. The process is pinned to a single CPU where the OS allows, so
the figures are per-core throughput. `verify_batch` is timed end to end (limits, EIP-712 hashing,
recovery, address comparison), best of --repeat runs with the median alongside because shared
machines are noisy; the eth-account line is the generic typed-data path, for contrast.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from coincurve import PrivateKey
from eth_account import Account
from eth_account.messages import encode_typed_data

from oracles.codec import SignedReading, batch_content_hash, batch_tree
from oracles.keccak import BACKEND
from oracles.merkle import MerkleTree
from oracles.readings import Domain, Reading, digest, eip712_typed_data
from oracles.signing import _recover_address  # internal: timed separately for the breakdown
from oracles.signing import sign_reading, to_rsv, verify_batch

ANCHOR = "0x5FbDB2315678afecb367f032d93F642f64180aa3"  # any address works; this is anvil's first deploy
CHAIN_ID = 31337


def _emit(bench: str, **fields: Any) -> None:
    print(json.dumps({"bench": bench, **fields}), flush=True)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _best_of(repeats: int, fn: Callable[[], Any]) -> float:
    return min(_timed(fn)[0] for _ in range(repeats))


def _pin_one_cpu() -> int | None:
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    return cpu


def _random_readings(rng: random.Random, device_ids: list[bytes], n: int) -> list[Reading]:
    readings = []
    for i in range(n):
        start = 1_700_000_000 + 900 * i
        readings.append(Reading(rng.choice(device_ids), i, start, start + 900, rng.randrange(0, 250_000)))
    return readings


def _throughput(count: int, seconds: float) -> dict[str, Any]:
    return {"n": count, "seconds": round(seconds, 4), "per_second": round(count / seconds)}


def bench_signing(rng: random.Random, n: int, devices: int,
                  domain: Domain) -> tuple[list[SignedReading], dict[bytes, str]]:
    """Sign n readings; also return the registry a daemon would hold (device id -> signer)."""
    keys = {rng.randbytes(32): PrivateKey(rng.randbytes(32)) for _ in range(devices)}  # device id -> key
    readings = _random_readings(rng, list(keys), n)
    seconds, signed = _timed(lambda: [SignedReading(r, sign_reading(keys[r.device_id], r, domain)) for r in readings])
    _emit("sign_reading", **_throughput(n, seconds))
    return signed, {device: Account.from_key(key.secret).address for device, key in keys.items()}


def bench_verify(signed: list[SignedReading], domain: Domain, signers: dict[bytes, str], repeat: int) -> None:
    runs = []
    for _ in range(repeat):
        seconds, verdicts = _timed(lambda: verify_batch(signed, domain, signers.get))
        if not all(v.ok for v in verdicts):
            raise SystemExit("benchmark readings failed verification")
        runs.append(seconds)
    _emit("verify_batch", **_throughput(len(signed), min(runs)),
          median_per_second=round(len(signed) / statistics.median(runs)), runs=repeat)
    hash_s, digests = _timed(lambda: [digest(r, domain) for r, _ in signed])
    _emit("verify_part_eip712_digest", **_throughput(len(signed), hash_s))
    pairs = list(zip(digests, (s for _, s in signed)))
    recover_s, _ = _timed(lambda: [_recover_address(d, s) for d, s in pairs])
    _emit("verify_part_recover_address", **_throughput(len(signed), recover_s))


def bench_eth_account(signed: list[SignedReading], domain: Domain, count: int) -> None:
    sample = signed[:count]
    seconds, _ = _timed(lambda: [
        Account.recover_message(encode_typed_data(full_message=eip712_typed_data(r, domain)), signature=to_rsv(s))
        for r, s in sample
    ])
    _emit("eth_account_recover_typed_data", **_throughput(len(sample), seconds))


def bench_merkle(signed: list[SignedReading], leaves_count: int) -> None:
    batch = signed[:leaves_count]
    leaves = [item.leaf() for item in batch]
    build_s = _best_of(20, lambda: MerkleTree.from_leaves(leaves))
    tree = MerkleTree.from_leaves(leaves)
    proofs_s = _best_of(5, lambda: [tree.proof(i) for i in range(len(tree))])
    batch_s = _best_of(5, lambda: (batch_tree(batch), batch_content_hash(batch)))
    _emit("merkle_build", leaves=len(leaves), ms=round(build_s * 1e3, 3))
    _emit("merkle_all_proofs", leaves=len(leaves), ms=round(proofs_s * 1e3, 3))
    _emit("batch_leaves_tree_and_content_hash", readings=len(batch), ms=round(batch_s * 1e3, 3))
    sum_tree = batch_tree(batch)
    paths_s = _best_of(5, lambda: [sum_tree.path(i) for i in range(len(sum_tree))])
    _emit("sumtree_all_paths", readings=len(batch), ms=round(paths_s * 1e3, 3))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="signed readings to verify")
    parser.add_argument("--devices", type=int, default=4, help="distinct device keys")
    parser.add_argument("--leaves", type=int, default=1024, help="Merkle tree size")
    parser.add_argument("--baseline", type=int, default=300, help="readings for the eth-account baseline (0: skip)")
    parser.add_argument("--repeat", type=int, default=3, help="verify_batch runs; best and median are reported")
    parser.add_argument("--seed", type=int, default=2098)
    args = parser.parse_args(argv)

    cpu = _pin_one_cpu()
    _emit("environment", python=platform.python_version(), machine=platform.machine(), keccak=BACKEND, pinned_cpu=cpu)
    rng = random.Random(args.seed)
    domain = Domain(CHAIN_ID, ANCHOR)
    signed, signers = bench_signing(rng, args.n, args.devices, domain)
    bench_verify(signed, domain, signers, args.repeat)
    if args.baseline:
        bench_eth_account(signed, domain, args.baseline)
    bench_merkle(signed, args.leaves)


if __name__ == "__main__":
    main()
