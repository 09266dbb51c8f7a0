"""The dApp dashboard: a static front end (dashboard/ at the repo root) served with the ethers
library, the exported ABIs and addresses, and a read-only JSON-RPC proxy (see docs/dashboard.md)."""
