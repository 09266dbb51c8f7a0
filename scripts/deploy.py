"""Deploy the greenfi suite with Brownie: `brownie run scripts/deploy.py --network NAME`.

Uses the same idempotent deployer as `greenfi deploy`. Local networks deploy from the node's first
unlocked account; live networks sign with the keystore or key named in the environment
(GREENFI_KEYSTORE + GREENFI_KEYSTORE_PASSWORD_FILE, or GREENFI_PRIVATE_KEY).
"""

import os

from brownie import accounts, network, web3

from greenfi.chain.deploy import SuiteDeployer, SuiteRoles
from greenfi.chain.deployments import DeploymentRecord
from greenfi.chain.signers import UnlockedSigner, signer_from_env


def main():
    local = network.show_active() in ("development", "ganache") or "fork" in network.show_active()
    signer = UnlockedSigner(accounts[0].address) if local else signer_from_env()
    roles = SuiteRoles(
        admin=signer.address,
        regulator=os.environ.get("GREENFI_REGULATOR", signer.address),
        bank=os.environ.get("GREENFI_BANK", signer.address),
    )
    external = {"SettlementToken": os.environ["GREENFI_SETTLEMENT_TOKEN"]} if os.environ.get("GREENFI_SETTLEMENT_TOKEN") else {}
    deployer = SuiteDeployer(web3, signer, DeploymentRecord(web3.eth.chain_id), roles, external=external)
    for name, address in deployer.deploy(on_progress=lambda s: print(f"  {s.action:8} {s.spec.name}")).items():
        print(f"{name:24} {address}")
    return deployer
