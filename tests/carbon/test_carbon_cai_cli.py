"""`greenfi cai`: CAI strings, parsing, and the chain of custody assembled from events."""

import pytest
from brownie import chain, web3
from tests.carbon.support import DAY, PERIOD0, claim, h
from click.testing import CliRunner
from tests.support.chain import UNIT

from greenfi.cli import cai as cai_command
from greenfi.domain import cai as cai_cli
from greenfi.cli import cli
from greenfi.chain.deployments import Deployed, DeploymentRecord
from greenfi.errors import GreenfiError

A, B, C, M = ("0x" + c * 40 for c in "abcd")
Z = cai_cli.ZERO
HASH = "0x" + "11" * 24 + "0000000000000001"


# ---------------------------------------------------------------- pure parts


def test_vintage_label_and_cai_string():
    assert cai_cli.vintage_label(PERIOD0, PERIOD0 + 365 * DAY) == "2025"
    assert cai_cli.vintage_label(PERIOD0 - DAY, PERIOD0 + DAY) == "2024_2025"
    assert cai_cli.cai_string("CN", 7, PERIOD0, PERIOD0 + 90 * DAY, 3, 1001, 1900) == "CAI-CN-7-2025-3-1001-1900"


@pytest.mark.parametrize(
    "text, batch_id",
    [(HASH, 1), ("CAI-CN-7-2025-3-1001-1900", 3), ("CAI-DE-1-2024_2025-12-1-5", 12), ("42", 42)],
)
def test_parse_cai(text, batch_id):
    assert cai_cli.parse_cai(text).batch_id == batch_id


@pytest.mark.parametrize("text", ["0x1234", "CAI-cn-7-2025-3-1-2", "CAI-CN-7-25-3-1-2", "0", "batch"])
def test_parse_cai_rejects(text):
    with pytest.raises(GreenfiError, match="not a CAI"):
        cai_cli.parse_cai(text)


def ev(block, contract, name, **args):
    return {"contract": contract, "event": name, "args": args, "block": block, "log_index": 0, "tx": "0x"}


def sample_events():
    report = {"periodStart": PERIOD0, "periodEnd": PERIOD0 + 90 * DAY, "netGenerationWh": 0,
              "reductionGrams": 1000 * 10**6, "reportHash": "0x" + "22" * 32, "verifier": C}
    return [
        ev(1, "ProjectRegistry", "ProjectSubmitted", projectId=1, developer=A, creditClass=0, jurisdiction=b"CN",
           methodologyId="0x" + "33" * 32, methodologyVersionHash="0x" + "44" * 32, locationHash="0x" + "55" * 32),
        ev(1, "ProjectRegistry", "ProjectStatusChanged", projectId=1, **{"from": 0}, to=1, actor=A,
           evidenceHash="0x" + "00" * 32),
        ev(2, "ProjectRegistry", "ProjectStatusChanged", projectId=1, **{"from": 1}, to=2, actor=C,
           evidenceHash="0x" + "66" * 32),
        ev(3, "ProjectRegistry", "ProjectStatusChanged", projectId=1, **{"from": 2}, to=3, actor=B,
           evidenceHash="0x" + "77" * 32),
        ev(4, "CarbonCredits", "Issued", batchId=1, projectId=1, cai=HASH, reportId=9, report=report,
           serialStart=1, serialEnd=1000, quantity=1000, buffered=100, developer=A),
        ev(4, "CarbonCredits", "TransferSingle", operator=A, **{"from": Z}, to=A, id=1, value=900),
        ev(5, "CarbonCredits", "TransferSingle", operator=A, **{"from": A}, to=B, id=1, value=300),
        ev(6, "CarbonMarket", "Listed", listingId=1, seller=A, batchId=1, amount=200, unitPrice=5, expiry=PERIOD0),
        ev(6, "CarbonCredits", "TransferSingle", operator=M, **{"from": A}, to=M, id=1, value=200),
        ev(7, "CarbonMarket", "Filled", listingId=1, buyer=B, batchId=1, quantity=50, cost=250, fee=2),
        ev(7, "CarbonCredits", "TransferSingle", operator=M, **{"from": M}, to=B, id=1, value=50),
        ev(8, "CarbonCredits", "TransferSingle", operator=B, **{"from": B}, to=Z, id=1, value=40),
        ev(8, "CarbonCredits", "Retired", certificateId=1, batchId=1, retiree=B, amount=40,
           claim={"beneficiary": B, "beneficiaryNameHash": "0x" + "88" * 32, "reasonCode": 1,
                  "jurisdiction": b"CN", "periodStart": PERIOD0, "periodEnd": PERIOD0 + DAY}),
        ev(9, "CarbonCredits", "TransferSingle", operator=C, **{"from": A}, to=Z, id=1, value=10),
        ev(9, "CarbonCredits", "Cancelled", batchId=1, holder=A, amount=10, reasonHash="0x" + "99" * 32),
        ev(10, "CarbonCredits", "Reversed", batchId=1, holder=A, amount=30, fromBuffer=30, fromHolder=0,
           reasonHash="0x" + "aa" * 32),
    ]


def test_index_batches_replays_supply_and_holders():
    batch = cai_cli.index_batches(sample_events())[1]
    assert batch.readable == "CAI-CN-1-2025-1-1-1000"
    assert batch.supply(M) == {"issued": 1000, "circulating": 700, "escrowed": 150, "retired": 40,
                               "cancelled": 40, "buffered": 70}
    s = batch.supply(M)
    assert s["issued"] == s["circulating"] + s["escrowed"] + s["retired"] + s["cancelled"] + s["buffered"]
    assert batch.holders() == {A: 390, B: 310, M: 150}


def test_trace_orders_the_chain_of_custody():
    steps = cai_cli.trace(sample_events(), 1, market=M)
    assert [s.kind for s in steps] == ["project", "project", "project", "report", "issuance", "transfer",
                                       "listing", "fill", "retirement", "cancellation", "reversal"]
    assert "verified by " + C in steps[3].text and "Validated -> Active" in steps[2].text
    assert "certificate 1: 40 units" in steps[8].text


def test_resolve_checks_the_cai():
    batches = cai_cli.index_batches(sample_events())
    assert cai_cli.resolve(cai_cli.parse_cai("CAI-CN-1-2025-1-1-1000"), batches).batch_id == 1
    with pytest.raises(GreenfiError, match="does not match"):
        cai_cli.resolve(cai_cli.parse_cai("CAI-CN-1-2025-1-1-999"), batches)
    with pytest.raises(GreenfiError, match="does not match"):
        cai_cli.resolve(cai_cli.parse_cai("0x" + "12" * 24 + "0000000000000001"), batches)
    with pytest.raises(GreenfiError, match="no batch 2"):
        cai_cli.resolve(cai_cli.parse_cai("2"), batches)


# ---------------------------------------------------------------- against the test chain


@pytest.fixture
def traded(credits, market, projects, batch, developer, enterprise, supplier, regulator, funded):
    credits.safeTransferFrom(developer, supplier, batch, 100, b"", {"from": developer})
    credits.setApprovalForAll(market, True, {"from": developer})
    listing = market.list(batch, 300, 10 * UNIT, chain.time() + 30 * DAY, {"from": developer}).return_value
    market.fill(listing, 100, {"from": enterprise})
    market.buyAndRetire(listing, 20, claim(enterprise), {"from": enterprise})
    credits.retire(batch, 10, claim(supplier), {"from": supplier})
    credits.cancel(supplier, batch, 5, h("error"), {"from": regulator})
    credits.reverse(batch, 120, developer, h("reversal"), {"from": regulator})
    return batch


def test_events_from_chain_match_the_contract(credits, market, projects, traded, developer, enterprise, supplier):
    addresses = {"ProjectRegistry": projects.address, "CarbonCredits": credits.address, "CarbonMarket": market.address}
    events = cai_cli.load_events(web3, addresses)
    batch = cai_cli.index_batches(events)[traded]
    on_chain = dict(zip(("issued", "circulating", "escrowed", "retired", "cancelled", "buffered"),
                        (int(v) for v in credits.supplyOf(traded))))
    assert batch.supply(market.address) == on_chain
    assert batch.cai == str(credits.caiOf(traded)).lower()
    for account in (developer, enterprise, supplier, market):
        assert batch.holders().get(account.address, 0) == credits.balanceOf(account, traded)
    kinds = [s.kind for s in cai_cli.trace(events, traded, market.address)]
    for kind in ("project", "report", "issuance", "transfer", "listing", "fill", "retirement", "cancellation",
                 "reversal"):
        assert kind in kinds


def test_cai_commands_against_the_chain(tmp_path, monkeypatch, credits, market, projects, traded):
    record = DeploymentRecord(web3.eth.chain_id, directory=tmp_path)
    for contract in (projects, credits, market):
        record.put(contract._name, Deployed(contract.address, None, None, "", ""))
    monkeypatch.setattr(cai_command, "connect", lambda name: web3)
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    runner = CliRunner()
    listed = runner.invoke(cli, ["cai", "list", "--network", "dev", "--deployments", str(tmp_path)])
    assert listed.exit_code == 0 and "CAI-CN-1-2025-1-1-1000" in listed.output and "retired 30" in listed.output
    readable = "CAI-CN-1-2025-1-1-1000"
    shown = runner.invoke(cli, ["cai", "show", readable, "--network", "dev", "--deployments", str(tmp_path)])
    assert shown.exit_code == 0 and "(market escrow)" in shown.output
    traced = runner.invoke(cli, ["cai", "trace", str(credits.caiOf(traded)), "--network", "dev",
                                 "--deployments", str(tmp_path)])
    assert traced.exit_code == 0, traced.output
    assert "monitoring report 1" in traced.output and "certificate 1" in traced.output
    bad = runner.invoke(cli, ["cai", "trace", "CAI-CN-1-2025-1-1-999", "--network", "dev",
                              "--deployments", str(tmp_path)])
    assert bad.exit_code == 1 and "does not match" in bad.output


@pytest.mark.parametrize(
    "start, days",
    [(PERIOD0, 90), (PERIOD0 - DAY, 2), (PERIOD0 + 58 * DAY, 1), (951_782_400, 1), (4_107_542_400, 400)],
    ids=["2025", "spans-new-year", "march-1", "leap-day-2000", "2100-2101"],
)
def test_on_chain_cai_string_matches_python(credits, projects, issue, developer, verifier, regulator, start, days):
    project = projects.submitProject(h("m"), h("v"), 0, b"DE", h("site"), {"from": developer}).return_value
    projects.validate(project, h("validation"), {"from": verifier})
    projects.activate(project, h("decision"), {"from": regulator})
    batch_id = issue(project, tonnes=3, start=start, days=days)
    b = credits.batch(batch_id)
    code = bytes(projects.project(project)[3]).decode()
    expected = cai_cli.cai_string(code, project, b[1], b[2], batch_id, b[3], b[4])
    assert credits.caiString(batch_id) == expected
