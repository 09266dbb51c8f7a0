"""VOUCHER_SUITE: CreditVoucher deploys after the shared layer, the risk oracle and the project registry
(mocks stand in for the last two here) and is wired to them."""

from brownie import accounts, web3

from greenfi import contracts
from greenfi.deploy import SUITE, VOUCHER_SUITE, ContractSpec, SuiteDeployer, SuiteRoles
from greenfi.deployments import DeploymentRecord
from greenfi.signers import UnlockedSigner

STAND_INS = [
    ContractSpec("RiskOracle", lambda c: [], artifact="MockRiskOracleForVouchers"),
    ContractSpec("ProjectRegistry", lambda c: [], artifact="MockProjectRegistryForVouchers"),
]


def test_voucher_suite_deploys_and_wires_roles(tmp_path, admin, regulator, bank):
    assert [s.name for s in VOUCHER_SUITE] == ["CreditVoucher"]
    assert "CreditVoucher" not in [s.name for s in SUITE]  # the lead splices VOUCHER_SUITE in
    roles = SuiteRoles(admin=admin.address, regulator=regulator.address, bank=bank.address)
    deployer = SuiteDeployer(web3, UnlockedSigner(accounts[0].address), DeploymentRecord(web3.eth.chain_id, tmp_path),
                             roles, suite=[*SUITE, *STAND_INS, *VOUCHER_SUITE], grants=[])
    addresses = deployer.deploy()
    voucher = contracts.at(web3, "CreditVoucher", addresses["CreditVoucher"])
    f = voucher.functions
    assert f.registry().call() == addresses["ParticipantRegistry"]
    assert f.settlementToken().call() == addresses["SettlementToken"]
    assert f.riskOracle().call() == addresses["RiskOracle"]
    assert f.projectRegistry().call() == addresses["ProjectRegistry"]
    assert f.hasRole(f.REGULATOR_ROLE().call(), regulator.address).call()
    assert f.hasRole(f.PRICING_ROLE().call(), admin.address).call()
    again = SuiteDeployer(web3, UnlockedSigner(accounts[0].address), DeploymentRecord(web3.eth.chain_id, tmp_path),
                          roles, suite=[*SUITE, *STAND_INS, *VOUCHER_SUITE], grants=[])
    assert {s.action for s in again.plan()} == {"skip"}
