"""Values and helpers the governance tests share."""

from brownie import web3

from greenfi.chain import artifacts
from greenfi.chain.deploy import SuiteDeployer, SuiteRoles
from greenfi.chain.deployments import DeploymentRecord
from greenfi.chain.governance import TIMELOCK, TimelockConfig
from greenfi.chain.signers import UnlockedSigner

DAY = 24 * 3600
TIMELOCK_DELAY = 3600
ADMIN_DELAY = 2 * DAY


class Suite(dict):
    """name -> Brownie contract of one deployment, with the directory of its record."""

    def __init__(self, addresses, directory):
        import brownie

        super().__init__({name: getattr(brownie, name).at(address) for name, address in addresses.items()})
        self.directory = directory


def timelock_config(admin):
    """A timelock with a one-hour delay, `admin` its only proposer and executor."""
    return TimelockConfig(TIMELOCK_DELAY, (admin.address,), (admin.address,))


def deployer(directory, admin, regulator, bank, timelock):
    """greenfi's deployer for the suite recorded in `directory`, signing as `admin`."""
    record = DeploymentRecord(web3.eth.chain_id, directory=directory)
    roles = SuiteRoles(admin=admin.address, regulator=regulator.address, bank=bank.address, admin_delay=ADMIN_DELAY)
    return SuiteDeployer(web3, UnlockedSigner(admin.address), record, roles, timelock=timelock)


def governed_names(suite):
    """The suite's contracts with GOVERNOR_ROLE (every contract with roles)."""
    return [name for name in suite if name != TIMELOCK
            and any(item.get("name") == "GOVERNOR_ROLE" for item in artifacts.load(name).abi)]
