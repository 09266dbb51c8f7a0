"""Well-known locations inside a greenfi checkout."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = REPO_ROOT / "node_modules" / ".bin"
BUILD_CONTRACTS = REPO_ROOT / "build" / "contracts"
DEPLOYMENTS = REPO_ROOT / "deployments"
BROWNIE_CONFIG = REPO_ROOT / "brownie-config.yaml"
