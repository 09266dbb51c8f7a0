"""Governance of a timelocked deployment (docs/governance.md): every contract with roles has the
two-step, delayed default-admin transfer; the timelock alone holds GOVERNOR_ROLE, so a parameter
change without it is refused and changes nothing; schedule -> wait -> execute works through
`greenfi governance`; live deployments refuse zero delays."""

import brownie
import pytest
from brownie import chain, web3
from click.testing import CliRunner
from tests.governance.support import ADMIN_DELAY, TIMELOCK_DELAY, deployer, governed_names, timelock_config
from eth_account import Account
from tests.support.chain import custom_error

from greenfi.chain import governance
from greenfi.cli import cli
from greenfi.errors import ConfigError
from greenfi.chain.networks import LOCAL_MNEMONIC

Account.enable_unaudited_hdwallet_features()
NETWORK = "govtest"  # a "live" network whose RPC URL is this test chain's
ZERO32 = b"\0" * 32


def test_the_timelock_alone_governs_every_contract(timelocked, admin, regulator):
    timelock = timelocked[governance.TIMELOCK]
    names = governed_names(timelocked)
    assert len(names) == 11
    for name in names:
        c = timelocked[name]
        governor = c.GOVERNOR_ROLE()
        assert c.hasRole(governor, timelock) and c.getRoleAdmin(governor) == governor, name
        assert not c.hasRole(governor, admin) and not c.hasRole(governor, regulator), name
        assert c.defaultAdmin() == admin and c.defaultAdminDelay() == ADMIN_DELAY, name
    voucher = timelocked["CreditVoucher"]
    assert voucher.hasRole(voucher.PRICING_ROLE(), timelock) and not voucher.hasRole(voucher.PRICING_ROLE(), admin)
    assert timelock.getMinDelay() == TIMELOCK_DELAY


def test_a_second_deploy_run_sends_nothing(timelocked, admin, regulator, bank):
    block = web3.eth.block_number
    again = deployer(timelocked.directory, admin, regulator, bank, timelock_config(admin))
    assert set(step.action for step in again.plan()) == {"skip"}
    assert again.deploy() == {name: c.address for name, c in timelocked.items()}
    assert web3.eth.block_number == block  # contracts, grants and the hand-over are all in place


def test_granting_the_default_admin_role_is_refused(timelocked, admin, outsider):
    for name in governed_names(timelocked):
        c = timelocked[name]
        with brownie.reverts(custom_error("AccessControlEnforcedDefaultAdminRules")):
            c.grantRole(c.DEFAULT_ADMIN_ROLE(), outsider, {"from": admin})
        assert not c.hasRole(c.DEFAULT_ADMIN_ROLE(), outsider)


def test_admin_transfer_is_two_step_and_delayed(timelocked, admin, outsider):
    market = timelocked["CarbonMarket"]
    tx = market.beginDefaultAdminTransfer(outsider, {"from": admin})
    schedule = tx.timestamp + ADMIN_DELAY
    assert tuple(market.pendingDefaultAdmin()) == (outsider, schedule)
    with brownie.reverts(custom_error("AccessControlEnforcedDefaultAdminDelay", schedule)):
        market.acceptDefaultAdminTransfer({"from": outsider})
    assert market.defaultAdmin() == admin
    chain.sleep(ADMIN_DELAY + 1)
    chain.mine()
    with brownie.reverts(custom_error("AccessControlInvalidDefaultAdmin", admin)):
        market.acceptDefaultAdminTransfer({"from": admin})  # only the pending admin accepts
    market.acceptDefaultAdminTransfer({"from": outsider})
    assert market.defaultAdmin() == outsider and not market.hasRole(ZERO32, admin)
    # The new admin does not get the parameters: GOVERNOR_ROLE stays with the timelock.
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", outsider, market.GOVERNOR_ROLE())):
        market.setFee(0, outsider, {"from": outsider})


def _direct_changes(s, admin, regulator, outsider):
    """(label, call, sender, view before/after) of every value-moving change, made directly."""
    market, credits, oracle = s["CarbonMarket"], s["CarbonCredits"], s["RiskOracle"]
    anchor, reports, voucher, token = s["MRVAnchor"], s["MRVReports"], s["CreditVoucher"], s["SettlementToken"]
    attribution = s["ImpactAttribution"]
    return [
        ("fee", lambda a: market.setFee(10, a, {"from": a}), admin, market.fee),
        ("buffer share", lambda a: credits.setBufferShare(0, {"from": a}), admin, credits.bufferShare),
        ("score max age", lambda a: oracle.setMaxAge(60, {"from": a}), admin, oracle.maxAge),
        ("score threshold", lambda a: oracle.setThreshold(1, {"from": a}), admin, oracle.quorum),
        ("anchor threshold", lambda a: anchor.setThreshold(1, {"from": a}), regulator, anchor.config),
        ("challenge window", lambda a: anchor.setChallengeWindow(60, {"from": a}), regulator, anchor.config),
        ("tolerance", lambda a: anchor.setCapacityTolerance(0, {"from": a}), regulator, anchor.config),
        ("voucher rules", lambda a: voucher.setRules(90 * 86400, 1, 3, 86400, {"from": a}), regulator, voucher.rules),
        ("minting role", lambda a: token.grantRole(token.MINTER_ROLE(), outsider, {"from": a}), admin,
         lambda: token.hasRole(token.MINTER_ROLE(), outsider)),
        ("issuing role", lambda a: credits.grantRole(credits.ISSUER_ROLE(), outsider, {"from": a}), admin,
         lambda: credits.hasRole(credits.ISSUER_ROLE(), outsider)),
        ("posting role", lambda a: oracle.grantRole(oracle.OPERATOR_ROLE(), outsider, {"from": a}), admin,
         lambda: oracle.hasRole(oracle.OPERATOR_ROLE(), outsider)),
        ("methodology role", lambda a: reports.grantRole(reports.METHODOLOGY_ROLE(), outsider, {"from": a}), admin,
         lambda: reports.hasRole(reports.METHODOLOGY_ROLE(), outsider)),
        ("registrar role", lambda a: attribution.grantRole(attribution.REGISTRAR_ROLE(), outsider, {"from": a}), admin,
         lambda: attribution.hasRole(attribution.REGISTRAR_ROLE(), outsider)),
    ]


def test_parameter_changes_without_the_timelock_are_refused(timelocked, admin, regulator, outsider):
    for label, call, sender, view in _direct_changes(timelocked, admin, regulator, outsider):
        before = view()
        with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", sender,
                                          timelocked["CarbonMarket"].GOVERNOR_ROLE())):
            call(sender)
        assert view() == before, label
    voucher = timelocked["CreditVoucher"]
    before = voucher.pricing()
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", admin, voucher.PRICING_ROLE())):
        voucher.setPricing(100, 100, 0, {"from": admin})
    assert voucher.pricing() == before


def test_the_same_changes_apply_directly_on_a_local_deployment(local, admin, regulator, outsider):
    # The admin (and, for MRV and voucher rules, the regulator) hold GOVERNOR_ROLE. The fresh suite
    # has no operators yet, so a threshold of 1 passes the role check and meets its bound.
    for label, call, sender, view in _direct_changes(local, admin, regulator, outsider):
        if label.endswith("threshold"):
            with brownie.reverts(custom_error("InvalidThreshold", 1, 0)):
                call(sender)
            continue
        before = view()
        call(sender)
        assert view() != before, label


@pytest.fixture
def greenfi(timelocked, monkeypatch):
    """greenfi(account, *args) -> click Result, signed with `account`'s key over RPC."""
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    runner, accounts = CliRunner(), web3.eth.accounts

    def run(account, *args):
        path = f"m/44'/60'/0'/0/{accounts.index(account.address)}"
        env = {f"{NETWORK.upper()}_RPC_URL": web3.provider.endpoint_uri, "GREENFI_KEYSTORE": None,
               "GREENFI_PRIVATE_KEY": Account.from_mnemonic(LOCAL_MNEMONIC, account_path=path).key.hex()}
        return runner.invoke(cli, ["governance", *args, "--network", NETWORK,
                                   "--deployments", str(timelocked.directory)], env=env)

    return run


def ok(result):
    assert result.exit_code == 0, text(result)
    return result.output


def text(result):
    """Everything a command printed (errors go to stderr)."""
    return result.output + result.stderr


def test_schedule_wait_execute(greenfi, timelocked, admin, outsider):
    market = timelocked["CarbonMarket"]
    call = ("CarbonMarket", "setFee", "250", admin.address)
    out = ok(greenfi(admin, "schedule", *call))
    assert f"scheduled CarbonMarket.setFee(250, {admin.address})" in out and "ready at" in out
    assert "Waiting" in ok(greenfi(admin, "status"))

    early = greenfi(admin, "execute", *call)
    assert early.exit_code == 1 and "TimelockUnexpectedOperationState" in text(early)
    assert "Traceback" not in text(early)
    assert tuple(market.fee())[0] == 100  # unchanged until the delay has passed

    refused = greenfi(outsider, "schedule", "CarbonMarket", "setFee", "0", outsider.address)
    assert refused.exit_code == 1 and "AccessControlUnauthorizedAccount" in text(refused)

    chain.sleep(TIMELOCK_DELAY + 1)
    chain.mine()
    assert "Ready" in ok(greenfi(admin, "status"))
    assert "executed CarbonMarket.setFee(250" in ok(greenfi(admin, "execute", *call))
    assert tuple(market.fee()) == (250, admin)
    assert "Done" in ok(greenfi(admin, "status"))


def test_out_of_bound_values_fail_at_execution_and_change_nothing(greenfi, timelocked, admin):
    credits = timelocked["CarbonCredits"]
    ok(greenfi(admin, "schedule", "CarbonCredits", "setBufferShare", "5001"))
    chain.sleep(TIMELOCK_DELAY + 1)
    chain.mine()
    result = greenfi(admin, "execute", "CarbonCredits", "setBufferShare", "5001")
    assert result.exit_code == 1 and "BufferShareTooHigh(5001, 5000)" in text(result)
    assert credits.bufferShare() == 1000


def test_bad_command_input_is_one_clear_error(greenfi, admin):
    for args, message in [
        (("schedule", "CarbonMarket", "setFee", "x", admin.address), "'x' is not a uint16"),
        (("schedule", "CarbonMarket", "setFee", "1"), "setFee takes 2 arguments, got 1"),
        (("schedule", "CarbonMarket", "nope"), "nope is not a function"),
        (("schedule", "CarbonMarket", "fee"), "fee only reads"),
        (("schedule", "Nowhere", "setFee"), "Nowhere is not deployed"),
    ]:
        result = greenfi(admin, *args)
        assert result.exit_code == 1 and message in text(result), text(result)
        assert "Traceback" not in text(result)


def test_live_deployments_refuse_zero_delays():
    with pytest.raises(ConfigError, match="needs a timelock"):
        governance.check_live_delays(3600, None)
    with pytest.raises(ConfigError, match="--timelock-delay 0 is below the live minimum"):
        governance.check_live_delays(3600, governance.TimelockConfig(0, (), ()))
    with pytest.raises(ConfigError, match="--admin-delay 0 is below the live minimum"):
        governance.check_live_delays(0, governance.TimelockConfig(3600, (), ()))
    governance.check_live_delays(3600, governance.TimelockConfig(3600, (), ()))
