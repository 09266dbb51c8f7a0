"""greenfi sensor oracle, pure-Python core: signed readings, verification, Merkle batches.

No Brownie and no chain access here; the daemon, HTTP server and store build on these modules.
Format specification and benchmark figures: docs/oracle-readings.md.

    readings  Reading, Domain, EIP-712 hashing, plausibility limits, rejection reasons
    signing   EIP-2098 compact signatures: sign, recover, verify_reading, verify_batch
    merkle    OpenZeppelin-compatible Merkle tree, proofs and multiproofs
    sumtree   the Merkle-sum tree of MRV batches: paths, totals proofs (MRVAnchor's)
    codec     canonical JSON, Merkle leaf of a signed reading, batch tree and content hash
    keccak    fastest available Keccak-256
"""

from oracles.codec import (
    BatchTree,
    SignedReading,
    batch_content_hash,
    batch_tree,
    canonical_batch_bytes,
    from_json,
    leaf_hash,
    to_json,
)
from oracles.keccak import keccak256
from oracles.merkle import (
    MerkleError,
    MerkleTree,
    MultiProof,
    hash_pair,
    multiproof_verify,
    process_multiproof,
    process_proof,
    verify,
)
from oracles.sumtree import (
    MAX_DEPTH,
    MAX_READINGS,
    OpenNode,
    SumNode,
    SumPath,
    SumTree,
    TotalsProof,
    false_statement,
    node_hash,
    open_tree,
)
from oracles.readings import (
    DEFAULT_LIMITS,
    UINT64_MAX,
    Domain,
    Reading,
    ReadingFormatError,
    ReadingLimits,
    Reason,
    check_reading,
    digest,
    domain_separator,
    eip712_typed_data,
    struct_hash,
)
from oracles.signing import (
    SignatureError,
    Verdict,
    recover_signer,
    sign_digest,
    sign_reading,
    to_compact,
    to_rsv,
    verify_batch,
    verify_reading,
)

__all__ = [
    "BatchTree",
    "DEFAULT_LIMITS",
    "MAX_DEPTH",
    "MAX_READINGS",
    "OpenNode",
    "SumNode",
    "SumPath",
    "SumTree",
    "TotalsProof",
    "false_statement",
    "node_hash",
    "open_tree",
    "UINT64_MAX",
    "Domain",
    "MerkleError",
    "MerkleTree",
    "MultiProof",
    "Reading",
    "ReadingFormatError",
    "ReadingLimits",
    "Reason",
    "SignatureError",
    "SignedReading",
    "Verdict",
    "batch_content_hash",
    "batch_tree",
    "canonical_batch_bytes",
    "check_reading",
    "digest",
    "domain_separator",
    "eip712_typed_data",
    "from_json",
    "hash_pair",
    "keccak256",
    "leaf_hash",
    "multiproof_verify",
    "process_multiproof",
    "process_proof",
    "recover_signer",
    "sign_digest",
    "sign_reading",
    "struct_hash",
    "to_compact",
    "to_json",
    "to_rsv",
    "verify",
    "verify_batch",
    "verify_reading",
]
