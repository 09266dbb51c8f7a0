"""Deploy the greenfi suite with Brownie: `brownie run scripts/deploy.py --network NAME`.

Uses the same idempotent deployer as `greenfi deploy`. Local networks deploy from the node's first
unlocked account; live networks sign with the keystore or key named in the environment
(GREENFI_KEYSTORE + GREENFI_KEYSTORE_PASSWORD_FILE, or GREENFI_PRIVATE_KEY). Governance as for
`greenfi deploy` (docs/governance.md): GREENFI_ADMIN_DELAY and GREENFI_TIMELOCK_DELAY (seconds; both
required and at least an hour on live networks), the deployer as the timelock's proposer and executor.
"""

import os

from brownie import accounts, network, web3

from greenfi.chain import governance
from greenfi.chain.deploy import SuiteDeployer, SuiteRoles
from greenfi.chain.deployments import DeploymentRecord
from greenfi.chain.signers import UnlockedSigner, signer_from_env


def main():
    local = network.show_active() in ("development", "ganache") or "fork" in network.show_active()
    signer = UnlockedSigner(accounts[0].address) if local else signer_from_env()
    admin_delay = int(os.environ.get("GREENFI_ADMIN_DELAY", "0"))
    delay = os.environ.get("GREENFI_TIMELOCK_DELAY")
    timelock = (governance.TimelockConfig(int(delay), (signer.address,), (signer.address,))
                if delay is not None else None)
    if not local:
        governance.check_live_delays(admin_delay, timelock)
    roles = SuiteRoles(
        admin=signer.address,
        regulator=os.environ.get("GREENFI_REGULATOR", signer.address),
        bank=os.environ.get("GREENFI_BANK", signer.address),
        admin_delay=admin_delay,
    )
    external = {"SettlementToken": os.environ["GREENFI_SETTLEMENT_TOKEN"]} if os.environ.get("GREENFI_SETTLEMENT_TOKEN") else {}
    deployer = SuiteDeployer(web3, signer, DeploymentRecord(web3.eth.chain_id), roles, external=external,
                             timelock=timelock)
    for name, address in deployer.deploy(on_progress=lambda s: print(f"  {s.action:8} {s.spec.name}")).items():
        print(f"{name:24} {address}")
    return deployer
