"""`greenfi bond`: every role's action through the CLI, signing as on a live network (docs/operator-cli.md).

Properties: a refused command sends nothing and changes nothing (no approval either, whichever way the
approval was simulated); every success is one line in tdCNY, dates and tCO2e; a refusal is one error
line naming the custom error in the same units, never a traceback.
"""

import pytest
from tests.bond.support import DAY, DENOMINATION, YEAR, b32, past, snapshot
from brownie import web3
from click.testing import CliRunner
from eth_account import Account

from greenfi.chain import approvals
from greenfi.chain.networks import LOCAL_MNEMONIC
from greenfi.cli import cli
from greenfi.domain.bonds import when

ISIN = "XS0000GREEN1"
ISSUER, VERIFIER, DEVELOPER, INVESTOR, ANYONE = 5, 2, 4, 8, 10


def _key(index):
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(LOCAL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key.hex()


@pytest.fixture
def cli_run(factory, monkeypatch):
    """cli_run(account index, *args, ok=True) -> the output of `greenfi bond ...` signed by that account."""
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    monkeypatch.setenv("TESTCHAIN_RPC_URL", web3.provider.endpoint_uri)
    runner = CliRunner()

    def run(index, *args, ok=True):
        monkeypatch.setenv("GREENFI_PRIVATE_KEY", _key(index))
        result = runner.invoke(cli, ["bond", *args, "--network", "testchain", "--factory", factory.address])
        output = result.output  # stdout and stderr as the terminal shows them
        assert "Traceback" not in output and (result.exception is None or isinstance(result.exception, SystemExit))
        assert (result.exit_code == 0) is ok, output
        if ok:
            assert len(output.strip().splitlines()) == 1 or args[0] in ("show", "list"), output
        else:
            assert output.strip().count("\n") == 0 and output.startswith("error: "), output
        return output

    return run


def test_a_life_through_the_cli(bond, settlement_token, projects, cli_run, investor, developer, renew_kyc):
    """Subscribe, settle, allocate, attest, release, withdraw, fund, observe, claim, call and redeem."""
    terms = bond.terms()
    assert f"subscribed 300 bonds of {ISIN} for 300,000.000000 tdCNY" in cli_run(INVESTOR, "subscribe", ISIN, "300")
    past(terms[5])
    assert f"{ISIN} issued: 300 bonds, 300,000.000000 tdCNY raised, issuer risk score 3.00 %" in \
        cli_run(ISSUER, "settle", ISIN)
    deadline = when(terms[6] - DAY)[:10]
    assert "milestone 0: 150,000.000000 tdCNY to project 1, released on a verifier's attestation, before" in \
        cli_run(ISSUER, "allocate", ISIN, "1", "150000", "--deadline", deadline)
    assert "milestone 1: 50,000.000000 tdCNY to project 2, released once 10.000 MWh are attributed" in \
        cli_run(ISSUER, "allocate", bond.address, "2", "50000", "--deadline", deadline, "--threshold-mwh", "10")
    assert "milestone 0 of XS0000GREEN1 attested" in cli_run(VERIFIER, "attest", ISIN, "0", "--evidence", "0x" + "ab" * 32)
    assert f"milestone 0 released: 150,000.000000 tdCNY withdrawable by developer {developer}" in \
        cli_run(ANYONE, "release", ISIN, "0")
    before = settlement_token.balanceOf(developer)
    assert "withdrew 150,000.000000 tdCNY of proceeds" in cli_run(DEVELOPER, "withdraw", ISIN)
    assert settlement_token.balanceOf(developer) == before + 150_000 * 10**6
    assert "period 1 funded: 7,500.000000 tdCNY (25.000000 tdCNY per bond at 5.00 %)" in \
        cli_run(ISSUER, "fund-coupon", ISIN)
    past(bond.paymentDate(1))
    renew_kyc()
    assert "KPI observation 1: Missing, 0.000 tCO2e against a target of 100.000 tCO2e; 1 coupon step(s)" in \
        cli_run(ANYONE, "observe-kpi", ISIN)
    assert "claimed 7,500.000000 tdCNY" in cli_run(INVESTOR, "claim", ISIN)
    cli_run(ISSUER, "fund-coupon", ISIN)
    past(terms[13])  # the call date
    renew_kyc()
    called = cli_run(ISSUER, "call", ISIN)
    assert f"{ISIN} redeemable at 1,010.000000 tdCNY per bond: deposited 153,000.000000 tdCNY, 150,000.000000 " \
           "tdCNY of unreleased proceeds netted; holders redeem now" in called
    assert f"redeemed 300 bonds of {ISIN} for 303,000.000000 tdCNY" in cli_run(INVESTOR, "redeem", ISIN)
    shown = cli_run(ANYONE, "show", ISIN)
    assert f"{ISIN} Green Bond 2029 (GB29) at {bond.address}: Redeemable" in shown
    assert "milestone 0: project 1, 150,000.000000 tdCNY, attested" in shown and "released" in shown
    assert "milestone 1: project 2, 50,000.000000 tdCNY, 10.000 MWh attributed" in shown
    assert bond.address in cli_run(ANYONE, "list")


def test_subscribing_approves_only_after_the_simulation_passed(bond, settlement_token, cli_run, investor):
    """With no allowance, the approval is sent only once the subscription simulated with it passed, for
    exactly the price; a refused subscription sends no approval."""
    settlement_token.approve(bond, 0, {"from": investor})
    nonce = web3.eth.get_transaction_count(investor.address)
    refused = cli_run(INVESTOR, "subscribe", ISIN, "1001", ok=False)
    assert "ExceedsIssueSize(1001, 1000)" in refused
    assert web3.eth.get_transaction_count(investor.address) == nonce and settlement_token.allowance(investor, bond) == 0
    cli_run(INVESTOR, "subscribe", ISIN, "200")
    assert bond.balanceOf(investor) == 200 and settlement_token.allowance(investor, bond) == 0  # exact approval, used
    assert web3.eth.get_transaction_count(investor.address) == nonce + 2


def test_the_fallback_without_state_overrides_refuses_alike(bond, settlement_token, cli_run, investor, monkeypatch):
    """A node without eth_call state overrides: the call simulated as is tells the series' own refusal from the
    token's allowance refusal; the balance is checked instead."""
    monkeypatch.setattr(approvals, "allowance_override", lambda *args: None)
    settlement_token.approve(bond, 0, {"from": investor})
    nonce = web3.eth.get_transaction_count(investor.address)
    assert "ExceedsIssueSize(1001, 1000)" in cli_run(INVESTOR, "subscribe", ISIN, "1001", ok=False)
    assert web3.eth.get_transaction_count(investor.address) == nonce
    cli_run(INVESTOR, "subscribe", ISIN, "200")
    assert bond.balanceOf(investor) == 200


def test_the_allowance_slot_is_found_on_this_node(bond, settlement_token, investor):
    token = web3.eth.contract(address=settlement_token.address, abi=settlement_token.abi)
    override = approvals.allowance_override(web3, token, investor.address, bond.address, 12_345)
    assert override is not None
    assert token.functions.allowance(investor.address, bond.address).call(state_override=override) == 12_345


REFUSALS = [  # (signer, args, the error line names)
    (INVESTOR, ("subscribe", ISIN, "1001"), "ExceedsIssueSize(1001, 1000)"),
    (ISSUER, ("settle", ISIN), "IssueDateNotReached("),
    (ANYONE, ("abandon", ISIN), "SettlementGraceNotOver("),
    (INVESTOR, ("refund", ISIN), "WrongStatus(Failed, Subscription)"),
    (INVESTOR, ("allocate", ISIN, "1", "1000", "--deadline", "2030-01-01"), "NotIssuer("),
    (VERIFIER, ("attest", ISIN, "0", "--evidence", "0x" + "ab" * 32), "UnknownMilestone(0)"),
    (ANYONE, ("release", ISIN, "0"), "WrongStatus(Issued, Subscription)"),
    (ISSUER, ("reallocate", ISIN, "0", "--reason", "project closed"), "WrongStatus(Issued, Subscription)"),
    (ANYONE, ("expire", ISIN, "0"), "WrongStatus(Issued, Subscription)"),
    (DEVELOPER, ("withdraw", ISIN), "NothingToWithdraw("),
    (ISSUER, ("fund-coupon", ISIN), "WrongStatus(Issued, Subscription)"),
    (INVESTOR, ("claim", ISIN), "NothingToClaim("),
    (ANYONE, ("observe-kpi", ISIN, "1"), "WrongStatus(Issued, Subscription)"),
    (ANYONE, ("declare-default", ISIN, "1"), "WrongStatus(Issued, Subscription)"),
    (ISSUER, ("deposit-principal", ISIN), "WrongStatus(Issued, Subscription)"),
    (ISSUER, ("call", ISIN), "WrongStatus(Issued, Subscription)"),
    (INVESTOR, ("redeem", ISIN, "1"), "WrongStatus(Redeemable, Subscription)"),
    (INVESTOR, ("document", ISIN, "Framework", "0x" + "ab" * 32, "ipfs://x"), "NotIssuer("),
    (INVESTOR, ("subscribe", "XS0000NOSUCH", "1"), "XS0000NOSUCH names 0 series"),
]


@pytest.mark.parametrize("signer, args, named", REFUSALS, ids=[r[1][0] + "-" + r[2].split("(")[0] for r in REFUSALS])
def test_a_refusal_is_one_line_and_changes_nothing(bond, settlement_token, cli_run, investors, issuer, developer,
                                                   signer, args, named):
    people = [*investors, issuer, developer]
    for payer in (issuer, *investors):
        settlement_token.approve(bond, 0, {"from": payer})  # a paying command would have to approve first
    before = snapshot(bond, settlement_token, people), web3.eth.block_number
    assert named in cli_run(signer, *args, ok=False)
    assert (snapshot(bond, settlement_token, people), web3.eth.block_number) == before


def test_refusals_show_dates_and_hints(bond, cli_run):
    terms = bond.terms()
    assert f"IssueDateNotReached({when(terms[5])})" in cli_run(ISSUER, "settle", ISIN, ok=False)
    assert "only the series' issuer may do this" in cli_run(INVESTOR, "document", ISIN, "Other", "0x" + "ab" * 32,
                                                             "x", ok=False)
    unregistered = cli_run(ANYONE, "subscribe", bond.address, "1", ok=False)
    assert "NotRegistered)" in unregistered
    assert "the regulator registers it with `greenfi participant register" in unregistered
    past(terms[5])
    late = cli_run(INVESTOR, "subscribe", ISIN, "1", ok=False)
    assert f"OutsideSubscriptionWindow({when(terms[4])}, {when(terms[5])})" in late


def test_a_failed_issue_refunds_and_an_unsettled_one_is_abandoned(make_bond, cli_run, investor):
    failed = make_bond()
    cli_run(INVESTOR, "subscribe", failed.address, "50")  # below the minimum raise of 100
    past(failed.terms()[5])
    assert "failed: 50 bonds sold, below the minimum raise of 100" in cli_run(ISSUER, "settle", failed.address)
    assert "refunded 50 bonds of XS0000GREEN1: 50,000.000000 tdCNY" in cli_run(INVESTOR, "refund", failed.address)
    unsettled = make_bond(isin=b32("XS0000GREEN2"))
    past(unsettled.terms()[5] + 7 * DAY)
    assert "XS0000GREEN2 abandoned" in cli_run(ANYONE, "abandon", "XS0000GREEN2")


def test_milestones_expire_defaults_are_declared_and_principal_is_deposited(make_bond, settlement_token, cli_run,
                                                                            issuer, renew_kyc):
    bond = make_bond(tenor=YEAR, callDate=0, callPrice=0)
    cli_run(INVESTOR, "subscribe", ISIN, "200")
    past(bond.terms()[5])
    cli_run(ISSUER, "settle", ISIN)
    assert "document 1 (Framework) recorded" in cli_run(ISSUER, "document", ISIN, "Framework", "0x" + "cd" * 32,
                                                        "ipfs://framework")
    soon = str(bond.terms()[5] + 30 * DAY)  # unix seconds
    cli_run(ISSUER, "allocate", ISIN, "1", "20000", "--deadline", soon)
    assert "ProjectStillActive(1)" in cli_run(ISSUER, "reallocate", ISIN, "0", "--reason", "moved", ok=False)
    past(bond.paymentDate(1))
    renew_kyc()
    assert "milestone 0 expired: 20,000.000000 tdCNY back to the unallocated proceeds" in \
        cli_run(ANYONE, "expire", ISIN, "0")
    assert f"period 1 of {ISIN} in default: 5,000.000000 tdCNY was due on {when(bond.paymentDate(1))}" in \
        cli_run(ANYONE, "declare-default", ISIN, "1")
    settlement_token.approve(bond, 0, {"from": issuer})
    cli_run(ISSUER, "fund-coupon", ISIN)  # late: it cures the payment, the default stays on record
    assert settlement_token.allowance(issuer, bond) == 0 and bond.isDefaulted(1)  # approved exactly what it pulled
    cli_run(ANYONE, "observe-kpi", ISIN)
    cli_run(ISSUER, "fund-coupon", ISIN)
    assert f"{ISIN} redeemable at 1,000.000000 tdCNY per bond: deposited 0.000000 tdCNY, 200,000.000000 tdCNY of " \
           "unreleased proceeds netted" in cli_run(ISSUER, "deposit-principal", ISIN)
    assert "RedemptionNotOpen(" in cli_run(INVESTOR, "redeem", ISIN, ok=False)
