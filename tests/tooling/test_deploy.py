"""SuiteDeployer on the test chain: deploys, records, skips what is unchanged, redeploys dependents."""

import json

import pytest
from brownie import accounts, web3
from eth_account import Account

from greenfi.chain import contracts
from greenfi.chain.deploy import SUITE, RoleGrant, SuiteDeployer, SuiteRoles
from greenfi.chain.deployments import DeploymentRecord
from greenfi.errors import DeploymentError
from greenfi.chain.signers import KeySigner, UnlockedSigner


@pytest.fixture
def record(tmp_path):
    return DeploymentRecord(web3.eth.chain_id, directory=tmp_path)


@pytest.fixture
def roles(admin, regulator, bank):
    return SuiteRoles(admin=admin.address, regulator=regulator.address, bank=bank.address)


def deployer_for(record, roles, **kwargs):
    return SuiteDeployer(web3, UnlockedSigner(accounts[0].address), record, roles, **kwargs)


def actions(steps):
    return {s.spec.name: s.action for s in steps}


def every(action):
    """Each contract of the suite mapped to `action`."""
    return {spec.name: action for spec in SUITE}


def test_first_run_deploys_and_records_everything(record, roles):
    deployer = deployer_for(record, roles)
    plan = deployer.plan()
    assert actions(plan) == every("deploy")
    assert plan[0].gas > 500_000
    addresses = deployer.deploy()
    saved = json.loads(record.path.read_text())
    assert saved["chainId"] == web3.eth.chain_id
    for name, address in addresses.items():
        entry = saved["contracts"][name]
        assert entry["address"] == address and entry["tx_hash"].startswith("0x") and entry["block"] > 0
        assert entry["abi_hash"].startswith("0x")
        assert len(web3.eth.get_code(address)) > 0


def test_second_run_skips_everything(record, roles):
    first = deployer_for(record, roles).deploy()
    reloaded = DeploymentRecord(record.chain_id, directory=record.path.parent)
    again = deployer_for(reloaded, roles)
    assert set(actions(again.plan()).values()) == {"skip"}
    assert again.deploy() == first


def test_changed_constructor_argument_redeploys_the_contract_and_its_dependents(record, roles, investor):
    first = deployer_for(record, roles).deploy()
    changed = SuiteRoles(admin=roles.admin, regulator=investor.address, bank=roles.bank)
    deployer = deployer_for(record, changed)
    assert actions(deployer.plan()) == every("deploy")  # everything depends on the registry
    second = deployer.deploy()
    for name in first:
        assert second[name] != first[name]


def test_an_external_settlement_token_is_recorded_not_deployed(record, roles, settlement_token):
    deployer = deployer_for(record, roles, external={"SettlementToken": settlement_token.address})
    assert actions(deployer.plan())["SettlementToken"] == "external"
    addresses = deployer.deploy()
    assert addresses["SettlementToken"] == settlement_token.address
    assert record.get("SettlementToken").external


def test_an_external_address_without_code_is_refused(record, roles, outsider):
    deployer = deployer_for(record, roles, external={"SettlementToken": outsider.address})
    with pytest.raises(DeploymentError, match="no contract is deployed there"):
        deployer.deploy()


def test_a_key_signer_deploys_with_locally_signed_transactions(record, roles):
    key = Account.create()
    accounts[0].transfer(key.address, "1 ether")
    signer = KeySigner.from_key(key.key)
    as_admin = SuiteRoles(admin=key.address, regulator=roles.regulator, bank=roles.bank)  # it grants the suite's roles
    addresses = SuiteDeployer(web3, signer, record, as_admin).deploy()
    tx = web3.eth.get_transaction(record.get("ParticipantRegistry").tx_hash)
    assert tx["from"] == key.address
    assert len(web3.eth.get_code(addresses["SettlementToken"])) > 0


def test_role_grants_are_applied_once(record, roles, investor):
    grants = [RoleGrant("SettlementToken", "MINTER_ROLE", lambda ctx: investor.address)]
    deployer = deployer_for(record, roles, grants=grants)
    addresses = deployer.deploy()
    assert deployer.missing_grants(addresses) == []
    token = contracts.at(web3, "SettlementToken", addresses["SettlementToken"])
    assert token.functions.hasRole(token.functions.MINTER_ROLE().call(), investor.address).call()
    block = web3.eth.block_number
    deployer_for(record, roles, grants=grants).deploy()
    assert web3.eth.block_number == block  # nothing sent: contracts and grants are all in place


def test_mrv_anchor_gets_the_roles_threshold(record, admin, regulator, bank):
    """`greenfi deploy` passes k = 2 (LIVE_MRV_THRESHOLD) on live networks and 1 on local chains."""
    from greenfi.chain.deploy import LIVE_MRV_THRESHOLD
    roles = SuiteRoles(admin=admin.address, regulator=regulator.address, bank=bank.address,
                       mrv_threshold=LIVE_MRV_THRESHOLD)
    addresses = deployer_for(record, roles).deploy()
    assert contracts.at(web3, "MRVAnchor", addresses["MRVAnchor"]).functions.config().call()[0] == 2
