"""Differential test vectors for the forge suites (test/foundry/differential/), from the Python side.

Writes build/forge/vectors/<kind>-<chunk>.hex: each the hex of abi.encode(Case[]) of CHUNK cases, so
a forge test decodes one chunk per external call (EVM memory stays small). 10 chunks × 1,000 cases
per kind, from a fixed seed (GREENFI_VECTOR_SEED overrides it):

- readings: the oracle core's EIP-712 reading digest (oracles.readings.digest) and Merkle leaf
  (oracles.codec.leaf_hash) of random readings and compact signatures, for MRVAnchor's domain at
  VERIFYING_CONTRACT on chain 31337 (the forge test etches MRVAnchor's code there);
- trees: oracles.merkle trees of 1-16 random leaves: the root, one leaf's proof, and a multiproof of
  a random subset (checked against OpenZeppelin's MerkleProof, which MRVAnchor verifies with);
- sumtrees: Merkle-sum trees an operator could commit to (oracles.sumtree, any shape, true or false
  statements, any header): leaf and node hashes, roots, climbs along paths, and the totals proof of
  the highest false statement with its fault (tools/sumtree_vectors.py), against MerkleSum and
  MRVAnchor's views;
- texts: greenfi's content hash (keccak256 of UTF-8 text) of random Unicode strings;
- coupons: GreenBond's coupon per bond for random terms, from a plain reference (exact fractions,
  calendar days from datetime) that shares no code with the contract;
- loans: a GreenLoan facility's debt (principal, fees, interest, overdue) after a drawdown, a repayment and
  the clock, and one period's scheduled principal, from greenfi.domain.loans (random terms: amortising or
  bullet, 1-120 periods of 1-366 days, rates, late interest and fees within the term bounds).

    .venv/bin/python tools/forge_vectors.py
    GREENFI_VECTOR_SEED=7 .venv/bin/python tools/forge_vectors.py   # another seed
"""

from __future__ import annotations

import os
import random
from datetime import datetime, timezone
from fractions import Fraction
from math import floor
from pathlib import Path

from eth_abi import encode

from oracles.codec import leaf_hash
from oracles.merkle import MerkleTree
from oracles.readings import Domain, Reading, digest
from sumtree_vectors import ABI_TYPE as SUMTREE_ABI_TYPE
from sumtree_vectors import sumtree_case

try:  # greenfi.hashes moved into greenfi.chain in the layered layout
    from greenfi.chain.hashes import text_hash
except ImportError:  # pragma: no cover - the layout before the move
    from greenfi.hashes import text_hash

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "forge" / "vectors"
CHUNKS, CHUNK = 10, 1_000
CHAIN_ID = 31337
VERIFYING_CONTRACT = "0x00000000000000000000000000000000000A2C40"
SECP256K1_HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0
YEAR = 365 * 86_400

READING = "(bytes32,uint64,uint64,uint64,uint64)"


def _uint64(rng: random.Random) -> int:
    return rng.choice((0, 1, 2**64 - 1, rng.getrandbits(64), rng.getrandbits(32)))


def reading_case(rng: random.Random) -> tuple:
    reading = Reading(rng.randbytes(32), _uint64(rng), _uint64(rng), _uint64(rng), _uint64(rng))
    r = rng.randbytes(32)
    vs = (rng.randrange(1, SECP256K1_HALF_N) | rng.getrandbits(1) << 255).to_bytes(32, "big")
    domain = Domain(CHAIN_ID, VERIFYING_CONTRACT)
    fields = (reading.device_id, reading.sequence, reading.period_start, reading.period_end, reading.energy_wh)
    return fields, r, vs, digest(reading, domain), leaf_hash(reading, r + vs)


def tree_case(rng: random.Random) -> tuple:
    leaves = [rng.randbytes(32) for _ in range(rng.randint(1, 16))]
    tree = MerkleTree.from_leaves(leaves)
    index = rng.randrange(len(leaves))
    chosen = rng.sample(range(len(leaves)), rng.randint(1, len(leaves)))
    multi = tree.multiproof(chosen)
    return leaves, tree.root, leaves[index], tree.proof(index), list(multi.leaves), list(multi.proof), list(multi.proof_flags)


def text_case(rng: random.Random) -> tuple:
    alphabet = "abcXYZ019 -_/.:€ü中文🌱\n\t\"'\\"
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
    if text.startswith("0x") and len(text) == 66:  # text_hash takes such a text as the hash itself
        text = "_" + text
    return text, text_hash(text)


def coupon_reference(denomination: int, rate_bps: int, frequency: int, thirty360: bool, issue: int, period: int) -> int:
    """The coupon per bond of one period, from the bond's terms as a reader of them would compute it."""
    if thirty360:  # each period is 12/f months of 30 days in a 360-day year
        return floor(Fraction(denomination * rate_bps, 10_000) * Fraction(360 // frequency, 360))
    length = YEAR // frequency
    start = datetime.fromtimestamp(issue + (period - 1) * length, timezone.utc).date()
    end = datetime.fromtimestamp(issue + period * length, timezone.utc).date()
    return floor(Fraction(denomination * rate_bps, 10_000) * Fraction((end - start).days, 365))


def coupon_case(rng: random.Random) -> tuple:
    frequency = rng.choice((1, 2, 4, 12))
    periods = rng.randint(1, 120)
    denomination = rng.choice((1, 10**6, 1_000 * 10**6, rng.randint(1, 2**64 - 1)))
    rate = rng.choice((0, 1, 500, 10_000, rng.randint(0, 10_000)))
    thirty360 = rng.random() < 0.5
    issue = rng.randint(86_400, 7_000_000_000)
    period = rng.choice((1, periods, rng.randint(1, periods)))
    expected = coupon_reference(denomination, rate, frequency, thirty360, issue, period)
    return denomination, rate, frequency, thirty360, issue, periods, period, expected


LOAN_BASE = 2_000_000_000  # the forge test warps every case to this time first


def loan_case(rng: random.Random) -> tuple:
    from greenfi.domain import loans as ref

    day = 86_400
    repayment = rng.randint(0, 1)
    periods = rng.choice((1, 2, 8, 120, rng.randint(1, 120)))
    length = rng.choice((1, 30, 91, 366, rng.randint(1, 366))) * day
    commitment = rng.choice((1, 10**6, 10**11, 2**96 - 1, rng.randint(1, 2**96 - 1)))  # commitments stay below 2^96
    base = rng.randint(0, 5_000)
    margin = rng.choice((0, 1, rng.randint(0, 10_000 - base)))
    late = rng.choice((0, 2_000, rng.randint(0, 2_000)))
    fee_bps = rng.choice((0, 500, rng.randint(0, 500)))
    start = LOAN_BASE + rng.choice((0, rng.randint(0, length)))
    maturity = start + periods * length
    draw_at = rng.randint(LOAN_BASE + 1, maturity - 1)
    draw = rng.choice((commitment, 1, rng.randint(1, commitment)))
    repay_at = draw_at + rng.choice((0, 1, rng.randint(0, maturity - draw_at), rng.randint(0, 3 * (maturity - draw_at))))
    query_at = repay_at + rng.choice((0, 1, length, rng.randint(0, 2 * periods * length)))
    fee = commitment * fee_bps // 10_000
    model = ref.Facility(start_date=start, period_length=length, periods=periods, repayment=repayment, late_bps=late,
                         rate_bps=base + margin, cursor=LOAN_BASE)
    model.draw(draw_at, draw, fee=fee)
    repay = 0
    if repay_at > draw_at:
        model.accrue(repay_at)
        repay = rng.choice((0, 1, model.overdue, model.fees, rng.randint(0, model.total)))
        if repay:
            model.repay(repay_at, repay)
    model.accrue(query_at)
    period = rng.randint(1, periods)
    scheduled = ref.scheduled_principal(repayment, draw, period, periods)
    terms = (repayment, periods, length, commitment, base, margin, late, fee_bps, start)
    times = (draw_at, draw, repay_at, repay, query_at, period)
    expected = (model.principal, model.fees, model.interest, model.overdue, scheduled)
    return terms, times, expected


KINDS = {
    "readings": (reading_case, f"({READING},bytes32,bytes32,bytes32,bytes32)[]"),
    "trees": (tree_case, "(bytes32[],bytes32,bytes32,bytes32[],bytes32[],bytes32[],bool[])[]"),
    "sumtrees": (sumtree_case, SUMTREE_ABI_TYPE),
    "texts": (text_case, "(string,bytes32)[]"),
    "coupons": (coupon_case, "(uint256,uint16,uint8,bool,uint64,uint256,uint256,uint256)[]"),
    "loans": (loan_case, "((uint8,uint16,uint32,uint256,uint16,uint16,uint16,uint16,uint64),"
                         "(uint64,uint256,uint64,uint256,uint64,uint256),(uint256,uint256,uint256,uint256,uint256))[]"),
}


def main() -> None:
    seed = int(os.environ.get("GREENFI_VECTOR_SEED", "20261205"))
    OUT.mkdir(parents=True, exist_ok=True)
    for kind, (make, abi_type) in KINDS.items():
        rng = random.Random(f"{seed}-{kind}")
        for chunk in range(CHUNKS):
            cases = [make(rng) for _ in range(CHUNK)]
            (OUT / f"{kind}-{chunk}.hex").write_text("0x" + encode([abi_type], [cases]).hex())
    print(f"{CHUNKS * CHUNK} cases of each of {', '.join(KINDS)} in {OUT.relative_to(ROOT)} (seed {seed})")


if __name__ == "__main__":
    main()
