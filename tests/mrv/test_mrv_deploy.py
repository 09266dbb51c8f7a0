"""MRV_SUITE deploys after a project registry, wires the contracts together, and re-runs idempotently."""

import pytest
from brownie import accounts, web3

from greenfi import contracts
from greenfi.deploy import MRV_GRANTS, MRV_SUITE, SUITE, ContractSpec, SuiteDeployer, SuiteRoles
from greenfi.deployments import DeploymentRecord
from greenfi.signers import UnlockedSigner

# Until ProjectRegistry is in the suite, the MRV tests' mock stands in for it.
PROJECT_REGISTRY = ContractSpec("ProjectRegistry", lambda c: [], artifact="MockProjectRegistryForMRV")


@pytest.fixture
def deployer(tmp_path, admin, regulator, bank):
    record = DeploymentRecord(web3.eth.chain_id, directory=tmp_path)
    roles = SuiteRoles(admin=admin.address, regulator=regulator.address, bank=bank.address)
    return SuiteDeployer(web3, UnlockedSigner(accounts[0].address), record, roles,
                         suite=SUITE + [PROJECT_REGISTRY] + MRV_SUITE, grants=list(MRV_GRANTS))


def test_mrv_suite_deploys_wired_and_idempotent(deployer, admin, regulator):
    addresses = deployer.deploy()
    devices = contracts.at(web3, "DeviceRegistry", addresses["DeviceRegistry"])
    anchor = contracts.at(web3, "MRVAnchor", addresses["MRVAnchor"])
    reports = contracts.at(web3, "MRVReports", addresses["MRVReports"])
    assert devices.functions.projects().call() == addresses["ProjectRegistry"]
    assert anchor.functions.devices().call() == addresses["DeviceRegistry"]
    assert anchor.functions.registry().call() == addresses["ParticipantRegistry"]
    assert reports.functions.anchor().call() == addresses["MRVAnchor"]
    assert reports.functions.projects().call() == addresses["ProjectRegistry"]
    assert anchor.functions.hasRole(anchor.functions.REGULATOR_ROLE().call(), regulator.address).call()
    assert reports.functions.hasRole(b"\0" * 32, admin.address).call()
    assert {s.action for s in deployer.plan()} == {"skip"}


def test_mrv_suite_needs_the_project_registry_first(deployer):
    from greenfi.errors import DeploymentError
    deployer.suite = SUITE + MRV_SUITE
    with pytest.raises(DeploymentError, match="ProjectRegistry is used before it is deployed"):
        deployer.deploy()
