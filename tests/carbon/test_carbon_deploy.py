"""CARBON_SUITE and CARBON_GRANTS deploy after the shared layer (the MRV mock standing in for MRVReports)."""

from brownie import accounts, web3

from greenfi import contracts
from greenfi.deploy import CARBON_GRANTS, CARBON_SUITE, SUITE, ContractSpec, SuiteDeployer, SuiteRoles
from greenfi.deployments import DeploymentRecord
from greenfi.signers import UnlockedSigner


def test_carbon_suite_deploys_and_wires_the_market(tmp_path, admin, regulator, bank):
    mrv = ContractSpec("MRVReports", lambda c: [], artifact="MockMonitoringReportsForCarbon")
    suite = [*SUITE, mrv, *CARBON_SUITE]
    grants = [g for g in CARBON_GRANTS if g.contract != "MRVReports"]  # the mock has no roles
    roles = SuiteRoles(admin=admin.address, regulator=regulator.address, bank=bank.address)
    record = DeploymentRecord(web3.eth.chain_id, directory=tmp_path)
    deployer = SuiteDeployer(web3, UnlockedSigner(accounts[0].address), record, roles, suite=suite, grants=grants)
    addresses = deployer.deploy()
    credits = contracts.at(web3, "CarbonCredits", addresses["CarbonCredits"])
    assert credits.functions.market().call() == addresses["CarbonMarket"]
    assert credits.functions.reports().call() == addresses["MRVReports"]
    assert deployer.missing_grants(addresses) == []
    assert {"ProjectRegistry", "CarbonCredits", "CarbonMarket"} <= set(record.addresses())
    assert [g.role for g in CARBON_GRANTS] == ["MARKET_ROLE", "ISSUER_ROLE"]
