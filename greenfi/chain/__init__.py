"""Chain plumbing: networks, the local node, signers, transactions (the one revert decoder), build
artifacts, contracts, deployments, the suite deployer, hashes and the one `Session`.

Layer: above greenfi.errors, oracles' core and models; below greenfi.domain (docs/architecture.md).
"""
