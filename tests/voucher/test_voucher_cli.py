"""`greenfi voucher`: ids and paths, amounts, pricing, the tree assembled from events, argument checks,
and the commands end to end against the test chain (as a live network with a local key)."""

import datetime as dt
import re

import pytest
from brownie import web3
from click.testing import CliRunner
from eth_account import Account
from tests.support.chain import UNIT
from tests.voucher.support import DAY, now

from greenfi.chain import contracts
from greenfi.cli import cli
from greenfi.chain.networks import LOCAL_MNEMONIC
from greenfi.domain.invoices import invoice_hash
from greenfi.domain.vouchers import (
    build_tree,
    child_id,
    depth_of,
    discounted_price,
    fetch_events,
    format_amount,
    format_tree,
    parent_of,
    parse_amount,
    parse_voucher_id,
    path_of,
    quote_rate,
    root_of,
)
from greenfi.errors import InvalidValue

A, B, C, BANK = "0x" + "a" * 40, "0x" + "b" * 40, "0x" + "c" * 40, "0x" + "d" * 40


# ---------------------------------------------------------------- pure functions


def test_ids_and_paths_round_trip():
    root = 7
    first = child_id(root, 0)
    deep = child_id(child_id(first, 2), 7)
    assert path_of(root) == "7" and path_of(first) == "7.1" and path_of(deep) == "7.1.3.8"
    assert [depth_of(i) for i in (root, first, deep)] == [0, 1, 3]
    assert parent_of(deep) == child_id(first, 2) and parent_of(first) == root and parent_of(root) == 0
    assert root_of(deep) == root
    for vid in (root, first, deep):
        assert parse_voucher_id(path_of(vid)) == vid == parse_voucher_id(str(vid)) == parse_voucher_id(hex(vid))


@pytest.mark.parametrize("text", ["0", "1.0", "1.16", "x", "1..2", ""])
def test_bad_voucher_paths_are_refused(text):
    with pytest.raises(InvalidValue):
        parse_voucher_id(text)


def test_ids_match_the_contract(voucher, issue, supplier, tier2, tier3):
    rid = issue()
    voucher.split(rid, [600_000 * UNIT, 400_000 * UNIT], [tier2, supplier], {"from": supplier})
    first = child_id(rid, 0)
    voucher.accept(first, {"from": tier2})
    voucher.split(first, [300_000 * UNIT] * 2, [tier3, tier2], {"from": tier2})
    for parent in (rid, first):
        for i in range(8):
            assert voucher.childId(parent, i) == child_id(parent, i)
    grandchild = child_id(first, 1)
    v = voucher.voucher(grandchild)
    assert (v[3], v[4], v[5]) == (depth_of(grandchild), parent_of(grandchild), root_of(grandchild))


@pytest.mark.parametrize("text, base", [("1250.5", 1_250_500_000), ("1,000", 1_000 * UNIT), ("0.000001", 1)])
def test_amounts_are_parsed_exactly(text, base):
    assert parse_amount(text) == base
    assert parse_amount(format_amount(base)) == base


@pytest.mark.parametrize("text", ["0", "-5", "1.0000001", "ten"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(InvalidValue):
        parse_amount(text)


def test_pricing_reference():
    assert discounted_price(1_000 * UNIT, 365, 365 * DAY) == 963_500_000  # 3.65 % for a full year
    assert discounted_price(1_000 * UNIT, 10_000, 365 * DAY) == 0
    assert discounted_price(3, 1, 1) == 2  # rounded down, never above the exact value
    assert quote_rate(150, 300, 10_000, 50, green_active=True) == 400
    assert quote_rate(0, 30, 0, 50, green_active=True) == 0
    assert quote_rate(9_000, 3_000, 20_000, 0, green_active=False) == 10_000


def _ev(name, **args):
    return {"event": name, "args": args}


def test_tree_from_synthetic_events():
    c1, c2 = child_id(1, 0), child_id(1, 1)
    events = [
        _ev("VoucherIssued", id=1, obligor=A, holder=B, amount=100, maturity=1_800_000_000, projectId=9,
            orderHash=b"\x01" * 32, deliveryHash=b"\x02" * 32, invoiceHash=b"\x03" * 32),
        _ev("VoucherIssued", id=2, obligor=A, holder=C, amount=5, maturity=1, projectId=0,
            orderHash=b"\x04" * 32, deliveryHash=b"\x05" * 32, invoiceHash=b"\x06" * 32),
        _ev("VoucherSplit", parentId=1, rootId=1, holder=B, recipients=[C, B], amounts=[60, 40], acceptDeadline=99),
        _ev("TransferAccepted", id=c1, rootId=1, holder=C),
        _ev("FinancingOffered", id=c2, rootId=1, bank=BANK, holder=B, maxRateBps=700),
        _ev("Financed", id=c2, rootId=1, bank=BANK, seller=B, face=40, price=39, rateBps=600, quotedRateBps=450,
            scoreBps=150, modelVersion=3),
        _ev("Repaid", rootId=1, obligor=A, amount=100, deposited=100),
        _ev("Claimed", id=c2, rootId=1, holder=BANK, amount=40, claimed=40),
        _ev("TreeFrozen", rootId=2, reasonHash=b"\x00" * 32),  # another root: ignored
    ]
    tree = build_tree(1, events)
    assert (tree.face, tree.deposited, tree.paid, tree.frozen, tree.project_id) == (100, 100, 40, False, 9)
    assert [(n.path, n.holder, n.amount, n.state) for n in tree.root.children] == [
        ("1.1", C, 60, "Active"), ("1.2", BANK, 40, "Redeemed")]
    assert tree.nodes[c2].financing["quoted_rate_bps"] == 450
    assert sum(n.amount for n in tree.leaves()) == tree.face
    text = format_tree(tree)
    assert "green project 9" in text and "├─ 1.1" in text and "└─ 1.2" in text
    assert "financed: 0xbbbb…bbbb sold for 0.000039 at 6.00% (quote 4.50%, score 150 bps, model 3)" in text
    with pytest.raises(ValueError):
        build_tree(3, events)


def test_tree_from_chain_events(voucher, issue, supplier, tier2, tier3, bank, enterprise):
    rid = issue()
    voucher.split(rid, [600_000 * UNIT, 400_000 * UNIT], [tier2, supplier], {"from": supplier})
    a, b = child_id(rid, 0), child_id(rid, 1)
    voucher.accept(a, {"from": tier2})
    voucher.split(a, [350_000 * UNIT, 250_000 * UNIT], [tier3, tier2], {"from": tier2})
    voucher.offer(b, bank, 900, {"from": supplier})
    voucher.acceptOffer(b, 500, {"from": bank})
    voucher.repay(rid, 250_000 * UNIT, {"from": enterprise})
    handle = contracts.at(web3, "CreditVoucher", voucher.address)
    tree = build_tree(rid, fetch_events(handle, rid))
    for vid, n in tree.nodes.items():  # the event view agrees with storage
        v = voucher.voucher(vid)
        assert (n.holder, n.amount, ["None", "Active", "Pending", "Offered", "Split", "Redeemed"][v[2]]) == (v[0], v[1], n.state)
    assert tree.deposited == 250_000 * UNIT and tree.nodes[b].financing["bank"] == bank
    text = format_tree(tree, now=now() + 100 * DAY)
    assert "[OVERDUE]" in text and re.search(r"│  ├─ 1\.1\.1\s+Pending\s+350,000\.000000", text)


# ---------------------------------------------------------------- the commands


@pytest.fixture
def runner(monkeypatch):
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    return CliRunner()


def test_voucher_group_lists_every_command(runner):
    result = runner.invoke(cli, ["voucher", "--help"])
    assert result.exit_code == 0
    for command in ("issue", "split", "transfer", "accept", "finance", "repay", "claim", "tree"):
        assert re.search(rf"^\s+{command}\s", result.output, re.M)


@pytest.mark.parametrize("args, message", [
    (["split", "1", "--part", f"{A}:10"], "2 to 8 parts"),
    (["split", "1", "--part", "nobody:10", "--part", f"{A}:5"], "ADDRESS:AMOUNT"),
    (["finance", "1"], "either --offer-to"),
    (["finance", "1", "--offer-to", BANK, "--rate", "10"], "either --offer-to"),
    (["tree", "1.2"], "not a root voucher"),
    (["issue", A, "1.5", "--maturity", "tomorrow", "--order", "x", "--delivery", "y", "--invoice", "z"], "YYYY-MM-DD"),
])
def test_bad_arguments_fail_before_touching_a_chain(runner, args, message):
    result = runner.invoke(cli, ["voucher", *args, "--network", "nowhere"])
    assert result.exit_code == 2 and message in result.output


def test_a_malformed_json_invoice_fails_before_touching_a_chain(runner, tmp_path):
    invoice = tmp_path / "invoice.json"
    invoice.write_text('{"number": "INV-1", "seller": "S", "buyer": "B", "issue_date": "01/03/2025", '
                       '"currency": "CNY", "total": "10"}')
    result = runner.invoke(cli, ["voucher", "issue", A, "1.5", "--maturity", "2030-01-01", "--order", "0x" + "01" * 32,
                                 "--delivery", "0x" + "02" * 32, "--invoice", str(invoice), "--network", "nowhere"])
    assert result.exit_code == 2 and "invoice issue_date is not a date" in result.output


def _key(index):
    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(LOCAL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key.hex()


def test_commands_end_to_end(runner, voucher, settlement_token, bank, monkeypatch, tmp_path):
    """Issue, split, accept, finance and tree through the CLI, signing with local keys."""
    rpc = web3.provider.endpoint_uri
    monkeypatch.setenv("TESTCHAIN_RPC_URL", rpc)

    def run(index, *args, exit_code=0):
        monkeypatch.setenv("GREENFI_PRIVATE_KEY", _key(index))
        result = runner.invoke(cli, ["voucher", *args, "--network", "testchain", "--address", voucher.address])
        assert result.exit_code == exit_code, result.output
        return result.output

    enterprise, supplier, tier2 = (web3.eth.accounts[i] for i in (5, 6, 11))
    maturity = dt.datetime.fromtimestamp(now() + 60 * DAY, dt.timezone.utc).strftime("%Y-%m-%d")
    invoice = tmp_path / "invoice.json"
    invoice.write_text('{"Number": " inv-7 ", "seller": "9131-0000", "buyer": "9111", "issue date": "2025/03/01", '
                       '"currency": "cny", "total": "5,000.00", "notes": "not hashed"}')
    docs = ["--order", "0x" + "71" * 32, "--delivery", "0x" + "72" * 32, "--invoice", str(invoice)]
    assert "issued voucher 1: 5,000.000000" in run(5, "issue", supplier, "5000", "--maturity", maturity, *docs)
    canonical = invoice_hash({"number": "INV-7", "seller": "91310000", "buyer": "9111", "issue_date": "2025-03-01",
                              "currency": "CNY", "total": 5000})
    assert voucher.documentVoucher(enterprise, supplier, canonical) == 1  # the canonical hash went on chain
    out = run(6, "split", "1", "--part", f"{tier2}:3000", "--part", f"{supplier}:2000")
    assert "part 1.1: 3,000.000000" in out and "part 1.2: 2,000.000000" in out
    run(11, "accept", "1.1")
    run(6, "finance", "1.2", "--offer-to", bank.address, "--max-rate", "800")
    settlement_token.approve(voucher, 0, {"from": bank})  # the fixture's standing allowance: gone
    out = run(7, "finance", "1.2", "--rate", "500")
    assert "financed 1.2" in out and "risk quote 4.50%, score 150 bps" in out
    assert out.count("mined in block") == 2  # the approval, sent after the simulation, then the purchase
    left = settlement_token.allowance(bank, voucher)
    assert left < 10 * UNIT  # the CLI approved the price, not more
    nonce = web3.eth.get_transaction_count(bank.address)
    out = run(7, "finance", "1.2", "--rate", "500", exit_code=1)  # financed already: refused, nothing sent
    assert "error:" in out and "mined in block" not in out
    assert web3.eth.get_transaction_count(bank.address) == nonce and settlement_token.allowance(bank, voucher) == left
    tree = run(0, "tree", "1")
    assert re.search(r"├─ 1\.1\s+Active\s+3,000\.000000", tree) and re.search(r"└─ 1\.2\s+Active", tree)
    assert "at 5.00% (quote 4.50%" in tree
    assert enterprise in tree
