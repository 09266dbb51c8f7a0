"""The whole suite deploys in order, its contracts point at each other, and the grants are in place."""

import pytest
from brownie import accounts, web3

from greenfi.chain import contracts
from greenfi.chain.deploy import SUITE, ContractSpec, SuiteDeployer, SuiteRoles
from greenfi.chain.deployments import DeploymentRecord
from greenfi.errors import DeploymentError
from greenfi.chain.signers import UnlockedSigner


@pytest.fixture(scope="module")
def deployed(tmp_path_factory, admin, regulator, bank):
    record = DeploymentRecord(web3.eth.chain_id, directory=tmp_path_factory.mktemp("deployments"))
    roles = SuiteRoles(admin=admin.address, regulator=regulator.address, bank=bank.address)
    deployer = SuiteDeployer(web3, UnlockedSigner(accounts[0].address), record, roles)
    addresses = deployer.deploy()
    return deployer, addresses, {name: contracts.at(web3, name, a) for name, a in addresses.items()}


def test_every_suite_contract_is_deployed(deployed):
    _, addresses, _ = deployed
    assert list(addresses) == [spec.name for spec in SUITE]
    assert all(len(web3.eth.get_code(a)) > 0 for a in addresses.values())


def test_contracts_point_at_each_other(deployed):
    _, a, c = deployed
    for name in ("SettlementToken", "ProjectRegistry", "MRVAnchor", "MRVReports", "CarbonCredits", "CarbonMarket",
                 "ModelRegistry", "RiskOracle", "CreditVoucher", "GreenBond",
                 "GreenBondFactory"):
        assert c[name].functions.registry().call() == a["ParticipantRegistry"], name
    assert c["DeviceRegistry"].functions.projects().call() == a["ProjectRegistry"]
    assert c["MRVAnchor"].functions.devices().call() == a["DeviceRegistry"]
    assert c["MRVReports"].functions.anchor().call() == a["MRVAnchor"]
    assert c["MRVReports"].functions.projects().call() == a["ProjectRegistry"]
    assert c["CarbonCredits"].functions.reports().call() == a["MRVReports"]
    assert c["CarbonCredits"].functions.market().call() == a["CarbonMarket"]
    assert c["RiskOracle"].functions.modelRegistry().call() == a["ModelRegistry"]
    assert c["CreditVoucher"].functions.riskOracle().call() == a["RiskOracle"]
    assert c["CreditVoucher"].functions.projectRegistry().call() == a["ProjectRegistry"]
    bond = c["GreenBond"].functions
    assert bond.settlementToken().call() == a["SettlementToken"]
    assert bond.projectRegistry().call() == a["ProjectRegistry"]
    assert bond.monitoringReports().call() == a["MRVReports"]
    assert bond.attribution().call() == a["ImpactAttribution"]
    attribution = c["ImpactAttribution"].functions
    assert attribution.monitoringReports().call() == a["MRVReports"]
    assert attribution.hasRole(attribution.REGISTRAR_ROLE().call(), a["GreenBondFactory"]).call()
    assert bond.riskOracle().call() == a["RiskOracle"]
    assert c["GreenBondFactory"].functions.implementation().call() == a["GreenBond"]


def test_grants_and_roles(deployed, admin, regulator):
    deployer, a, c = deployed
    assert deployer.missing_grants(a) == []
    reports = c["MRVReports"].functions
    assert reports.hasRole(reports.ISSUER_ROLE().call(), a["CarbonCredits"]).call()
    anchor = c["MRVAnchor"].functions
    assert anchor.hasRole(anchor.REGULATOR_ROLE().call(), regulator.address).call()
    assert reports.hasRole(b"\0" * 32, admin.address).call()


def test_a_rerun_deploys_nothing(deployed):
    deployer, _, _ = deployed
    assert {s.action for s in deployer.plan()} == {"skip"}


def test_a_contract_used_before_its_dependency_is_refused(tmp_path, admin, regulator, bank):
    roles = SuiteRoles(admin=admin.address, regulator=regulator.address, bank=bank.address)
    out_of_order = [s for s in SUITE if s.name != "ProjectRegistry"] + [ContractSpec("ProjectRegistry", lambda c: [])]
    deployer = SuiteDeployer(web3, UnlockedSigner(accounts[0].address), DeploymentRecord(1, tmp_path), roles,
                             suite=out_of_order, grants=[])
    with pytest.raises(DeploymentError, match="ProjectRegistry is used before it is deployed"):
        deployer.plan()
