"""Well-known locations inside a greenfi checkout."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = REPO_ROOT / "node_modules" / ".bin"
BUILD_CONTRACTS = REPO_ROOT / "build" / "contracts"
# $GREENFI_DEPLOYMENTS keeps the records elsewhere (a second chain with the same id, a test run).
DEPLOYMENTS = Path(os.environ.get("GREENFI_DEPLOYMENTS") or REPO_ROOT / "deployments")
BROWNIE_CONFIG = REPO_ROOT / "brownie-config.yaml"
