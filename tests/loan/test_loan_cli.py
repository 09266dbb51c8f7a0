"""`greenfi loan`: every command end to end against the test chain (as a live network signing with each role's
key): a facility proposed, approved from the borrower's risk score, drawn, observed, repriced, repaid, and a
second one impaired, called and written off; each refusal one `error:` line naming the custom error with
nothing changed (no token approval either); reads without a key; and `loan size` on real MRV reports."""

import json
import re

import pytest
from brownie import (GreenLoan, GreenLoanFactory, ImpactAttribution, MockMonitoringReportsForBonds, MockProjectRegistry,
                     ModelRegistry, MRVReports, RiskOracle, chain, web3)
from tests.support.deploy import HOUR, deploy_anchor, deploy_devices, next_hour_then_days_pass, register_active_devices
from click.testing import CliRunner
from eth_account import Account

from greenfi.chain.deployments import Deployed, DeploymentRecord
from greenfi.chain.networks import LOCAL_MNEMONIC
from greenfi.cli import cli
from greenfi.domain.loan_sizing import estimate_subject
from greenfi.domain.units import UNIT
from models import energy_yield as ey
from oracles import Domain, Reading, SignedReading, batch_content_hash, batch_tree, keccak256, sign_reading
from oracles.risk.registration import model_spec

Account.enable_unaudited_hdwallet_features()

DAY = 86_400
PROJECT = 1
METER_ID = keccak256(b"greenfi-loan-meter")
METER_KEY = keccak256(b"greenfi-loan-meter-key")
ACTIVE = 3  # IProjectRegistry.ProjectStatus.Active
PD_BPS = 250
COMMITMENT = 100_000 * UNIT
REPORT = "0x" + "4e70" * 16
INDEX = {"admin": 0, "oracle_operator": 3, "developer": 4, "bank": 7, "outsider": 10}


def key_of(index):
    return Account.from_mnemonic(LOCAL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key.hex()


def now():
    return web3.eth.get_block("pending")["timestamp"]


@pytest.fixture(scope="module")
def suite(registry, settlement_token, admin, oracle_operator, auditor, developer, bank):
    """The loan's neighbours: model registry and risk oracle with a usable PD for the borrower, a project of the
    developer, verified totals and the attribution, the factory; the lender and the borrower funded."""
    models = ModelRegistry.deploy(registry, admin, {"from": admin})
    models.grantRole(models.MODEL_OPERATOR_ROLE(), oracle_operator, {"from": admin})
    spec = (*(("0x%064x" % (0x10 + i)) for i in range(5)), (7900, 4500, 1700, 7600))
    models.registerModel(spec, "ipfs://card", {"from": oracle_operator})
    models.approve(1, REPORT, {"from": auditor})
    oracle = RiskOracle.deploy(registry, models, admin, 30 * DAY, {"from": admin})
    oracle.grantRole(oracle.OPERATOR_ROLE(), oracle_operator, {"from": admin})
    post_score(oracle, oracle_operator, developer, PD_BPS)
    projects = MockProjectRegistry.deploy({"from": admin})
    projects.setProject(PROJECT, developer, ACTIVE, {"from": admin})
    totals = MockMonitoringReportsForBonds.deploy({"from": admin})
    attribution = ImpactAttribution.deploy(totals, admin, 1_000 * UNIT, 0, {"from": admin})
    implementation = GreenLoan.deploy(registry, settlement_token, projects, attribution, oracle, {"from": admin})
    factory = GreenLoanFactory.deploy(registry, implementation, {"from": admin})
    attribution.grantRole(attribution.REGISTRAR_ROLE(), factory, {"from": admin})
    settlement_token.mint(bank, 10 * COMMITMENT, {"from": bank})
    settlement_token.mint(developer, COMMITMENT, {"from": bank})
    return {"GreenLoanFactory": factory, "RiskOracle": oracle, "ModelRegistry": models, "totals": totals,
            "token": settlement_token, "projects": projects, "implementation": implementation}


def post_score(oracle, operator, subject, pd_bps):
    """A newer score for `subject` (the node's clock may sit behind the stored one after a snapshot revert)."""
    stored = oracle.scoreOf(subject)[4]
    if stored + 2 > now():
        chain.sleep(stored + 2 - now())
        chain.mine()
    stamp = now() - 1
    oracle.postScores(1, stamp, stamp + 20 * DAY, [subject], [pd_bps], ["0x" + "aa" * 32], ["0x" + "bb" * 32],
                      {"from": operator})
    assert oracle.scoreOf(subject)[0] == pd_bps


@pytest.fixture(scope="module")
def mrv(registry, suite, admin, regulator, verifier, developer, oracle_operator):
    """Real DeviceRegistry, MRVAnchor and MRVReports over the loan's project, with one active 10 kW meter."""
    devices = deploy_devices(registry, suite["projects"], admin)
    anchor = deploy_anchor(registry, devices, admin, regulator, oracle_operator)
    reports = MRVReports.deploy(registry, suite["projects"], anchor, admin, regulator, {"from": admin})
    reports.setEmissionFactor(PROJECT, 581_000, keccak256(b"grid factor"), {"from": regulator})
    register_active_devices(devices, verifier, [(METER_ID, PROJECT, Account.from_key(METER_KEY).address, 0, 10_000,
                                                 now() - 30 * DAY, developer)])
    return anchor, reports


@pytest.fixture(scope="module")
def verified(mrv, developer, verifier, oracle_operator):
    """Three reports of 6 hourly readings each: two approved, the last rejected. Returns the approved ones as
    (report id, models.energy_yield.Period)."""
    anchor, reports = mrv
    t0, approved = next_hour_then_days_pass(), []
    for k, energies in enumerate(([4_000, 5_000, 6_000, 6_500, 5_500, 3_000], [2_000] * 6, [9_000] * 6)):
        start = t0 + 6 * HOUR * k
        root = anchor_readings(anchor, start, energies, oracle_operator, first_sequence=1 + 6 * k)
        chain.sleep(DAY + HOUR)
        chain.mine()
        tx = reports.openReport(PROJECT, start, start + 6 * HOUR, [root], keccak256(b"report %d" % k),
                                {"from": developer})
        if k < 2:
            reports.approveReport(tx.return_value, keccak256(b"ok"), {"from": verifier})
            approved.append((tx.return_value, ey.Period(start, start + 6 * HOUR, sum(energies))))
        else:
            reports.rejectReport(tx.return_value, keccak256(b"no"), {"from": verifier})
    return approved


def anchor_readings(anchor, start, energies, operator, first_sequence):
    """One batch of the meter's hourly readings from `start`; returns its root."""
    domain = Domain(chain.id, anchor.address)
    items = []
    for k, wh in enumerate(energies):
        reading = Reading(METER_ID, first_sequence + k, start + k * HOUR, start + (k + 1) * HOUR, wh)
        items.append(SignedReading(reading, sign_reading(METER_KEY, reading, domain)))
    root = "0x" + batch_tree(items).root.hex()
    anchor.anchorBatch((root, PROJECT, start, start + len(items) * HOUR, sum(energies), len(items),
                        "0x" + batch_content_hash(items).hex()), [], {"from": operator})
    return root


@pytest.fixture(scope="module")
def record_dir(tmp_path_factory, suite, mrv):
    directory = tmp_path_factory.mktemp("loan-deployments")
    record = DeploymentRecord(web3.eth.chain_id, directory=directory)
    for name in ("GreenLoanFactory", "RiskOracle", "ModelRegistry"):
        record.put(name, Deployed(suite[name].address, None, None, "", ""))
    record.put("MRVReports", Deployed(mrv[1].address, None, None, "", ""))
    record.put("SettlementToken", Deployed(suite["token"].address, None, None, "", ""))
    record.put("GreenLoan", Deployed(suite["implementation"].address, None, None, "", ""))
    return directory


@pytest.fixture
def run(monkeypatch, record_dir):
    """`run(role, "loan", ...)`: the CLI as that role on network `loantest` (this chain, as a live network)."""
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    monkeypatch.setenv("LOANTEST_RPC_URL", web3.provider.endpoint_uri)
    monkeypatch.delenv("GREENFI_KEYSTORE", raising=False)
    monkeypatch.delenv("GREENFI_PRIVATE_KEY", raising=False)

    def invoke(role, command, *args):
        env = {"GREENFI_PRIVATE_KEY": key_of(INDEX[role])} if role else {}
        result = CliRunner().invoke(cli, ["loan", command, "--network", "loantest", "--deployments", str(record_dir),
                                          *args], env=env)
        assert "Traceback" not in result.output + result.stderr, result.output + result.stderr
        return result

    return invoke


def propose(run, *extra, commitment="100000"):
    start = now() - now() % DAY
    result = run("developer", "propose", "--lender", bank_address(), "--project", str(PROJECT), "--commitment",
                 commitment, "--start", str(start), "--period-days", "30", "--periods", "4", "--availability-end",
                 str(start + 60 * DAY), "--base-rate-bps", "400", "--bucket", "200:150", "--bucket", "500:300",
                 "--bucket", "1000:600", "--margin-floor-bps", "100", "--margin-cap-bps", "800",
                 "--tariff", "90", "--opex-per-period", "100", *extra)
    assert result.exit_code == 0, result.output + result.stderr
    loan_id = re.match(r"loan (\d+): (0x[0-9a-fA-F]{40}) proposed", result.output)
    assert loan_id, result.output
    return loan_id.group(1), GreenLoan.at(loan_id.group(2))


def bank_address():
    return Account.from_key(key_of(INDEX["bank"])).address


def ok(result):
    assert result.exit_code == 0, result.output + result.stderr
    assert result.output.count("\n") == 1, result.output  # one line per write
    return result.output


def refused(result, error):
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert error in result.stderr, result.stderr
    return result.stderr


# ---------------------------------------------------------------- the life of a facility


def test_propose_approve_draw_observe_reprice_repay(run, suite, developer, bank, oracle_operator):
    token, totals = suite["token"], suite["totals"]
    loan_id, loan = propose(run)
    assert loan.state() == 0 and loan.borrower() == developer and loan.lender() == bank

    refused(run("outsider", "approve", loan_id), "LoanUnauthorized(")
    line = ok(run("bank", "approve", loan_id))
    assert line.startswith("approved: PD 2.50 % (model version 1) -> credit margin 3.00 %; funded 100,000.000000")
    assert loan.state() == 1 and token.balanceOf(loan) == COMMITMENT

    refused(run("developer", "draw", loan_id, "100001"), "LoanExceedsCommitment(100001000000, 100000000000)")
    line = ok(run("developer", "draw", loan_id, "40000"))
    assert line.startswith("drew 40,000.000000; principal 40,000.000000")
    assert loan.state() == 2

    refused(run("outsider", "observe", loan_id), "LoanPeriodNotEnded(1, ")  # anyone may call
    totals.setTotals(PROJECT, 50 * 10**6, 0)  # 50 MWh verified since approval, all attributed to the one claim
    chain.sleep(30 * DAY)
    chain.mine()
    line = ok(run("outsider", "observe", loan_id))
    assert line.startswith("period 1: KPI none, output 50.000 MWh, DSCR ")
    assert loan.nextObservation() == 2

    post_score(suite["RiskOracle"], oracle_operator, developer, 150)  # a newer, better score: bucket 1.50 %
    line = ok(run("outsider", "reprice", loan_id))
    assert line.startswith("credit margin 3.00 % -> ") and "(target 1.50 %, PD 1.50 %, model version 1)" in line
    refused(run("outsider", "reprice", loan_id), "LoanRepricingTooEarly(")

    shown = run(None, "show", loan_id)  # a read: no key
    assert shown.exit_code == 0 and "state       active" in shown.output
    assert "period 1: KPI none, output 50.000 MWh" in shown.output
    view = json.loads(run(None, "show", loan_id, "--json").output)
    assert view["state"] == "active" and view["ledger"]["drawn"] == 40_000 * UNIT

    before = token.allowance(developer, loan)
    line = ok(run("developer", "repay", loan_id, "1000"))
    assert re.match(r"repaid 1,000\.000000: fees 0\.000000, interest [\d,.]+, principal [\d,.]+; principal left", line)
    assert token.allowance(developer, loan) == before  # approved exactly what was paid
    refused(run("developer", "repay", loan_id, "10000000"), "LoanRepaymentExceedsDebt(")
    line = ok(run("developer", "repay", loan_id, "--all"))
    assert line.startswith("repaid ") and "principal left 0.000000" in line
    assert loan.state() == 3 and loan.debt()[4] == 0  # Repaid, nothing owed
    refused(run("developer", "repay", loan_id, "--all"), "nothing is owed")


def test_impair_call_write_off(run, suite):
    loan_id, loan = propose(run)
    ok(run("bank", "approve", loan_id))
    ok(run("developer", "draw", loan_id, "20000"))
    refused(run("bank", "impair", loan_id), "LoanNothingOverdue()")
    refused(run("bank", "call", loan_id), "LoanNotCallable(0, 2)")
    chain.sleep(31 * DAY)  # the first instalment falls due unpaid
    chain.mine()
    refused(run("developer", "impair", loan_id), "LoanUnauthorized(")
    assert ok(run("bank", "impair", loan_id)).startswith("impaired: ")
    assert ok(run("bank", "call", loan_id)).startswith("called: principal 20,000.000000 due")
    off = ok(run("bank", "write-off", loan_id))
    assert off.startswith("written off: principal 20,000.000000, interest ")
    assert loan.state() == 6  # WrittenOff
    refused(run("bank", "write-off", loan_id), "LoanWrongState(WrittenOff)")


def test_a_refused_approval_sends_no_token_approval(run, suite, developer, bank, oracle_operator):
    """The lender's approval fails on the score (above the last bucket): no allowance is granted."""
    loan_id, loan = propose(run)
    post_score(suite["RiskOracle"], oracle_operator, developer, 1_500)
    refused(run("bank", "approve", loan_id), "LoanScoreAboveLimit(1500, 1000)")
    assert suite["token"].allowance(bank, loan) == 0 and loan.state() == 0


def test_bad_input_is_one_line(run):
    refused(run("developer", "propose", "--lender", "0x12", "--project", "1", "--commitment", "1", "--start", "1",
                "--periods", "1", "--availability-end", "2", "--base-rate-bps", "1"), "--lender is not an address")
    refused(run("developer", "propose", "--lender", bank_address(), "--project", "1", "--commitment", "100",
                "--start", "1", "--periods", "1", "--availability-end", "2", "--base-rate-bps", "1",
                "--bucket", "100:50", "--tranche", "60:0"), "the tranches sum to 60.000000, not the commitment")
    refused(run(None, "show", "x1"), "LOAN is a facility id")
    refused(run(None, "show", "999"), "LoanUnknownId(999)")
    refused(run("developer", "repay", "1"), "give exactly one of AMOUNT and --all")
    result = run("developer", "propose", "--lender", bank_address(), "--project", "1", "--commitment", "100",
                 "--start", str(now()), "--periods", "1", "--availability-end", str(now() + DAY),
                 "--base-rate-bps", "1", "--bucket", "100:50", "--margin-floor-bps", "60")
    refused(result, "LoanInvalidTerms(margins)")


# ---------------------------------------------------------------- sizing on real MRV reports


def test_size_reads_approved_reports_and_records_the_estimate(run, suite, verified, tmp_path, oracle_operator,
                                                              auditor):
    models, oracle = suite["ModelRegistry"], suite["RiskOracle"]
    refused(run(None, "size", "--project", "2"), "no approved monitoring report")
    shown = run(None, "size", "--project", str(PROJECT), "--tariff", "90", "--opex", "500")  # a read: no key
    assert shown.exit_code == 0, shown.output + shown.stderr
    periods = [period for _, period in verified]
    expected = ey.estimate(periods, ey.reference())
    assert shown.output.splitlines()[0] == (
        f"project {PROJECT}: 2 approved reports, {expected.history_days:.1f} days, "
        f"{sum(p.energy_wh for p in periods) / 10**6:,.3f} MWh verified")  # the rejected report is not counted
    assert f"P50 {expected.p50_wh / 10**6:,.3f} MWh/year, P90 {expected.p90_wh / 10**6:,.3f} MWh/year" in shown.output

    refused(run("oracle_operator", "size", "--project", str(PROJECT), "--post"), "is not registered in ModelRegistry")
    model_dir = tmp_path / "yield"
    written = CliRunner().invoke(cli, ["loan", "yield-model", "--out", str(model_dir)])
    assert written.exit_code == 0 and ey.model_hash(ey.reference()) in written.output
    models.registerModel(model_spec(model_dir).as_args(), "ipfs://yield", {"from": oracle_operator})
    version = models.versionCount()
    refused(run("oracle_operator", "size", "--project", str(PROJECT), "--post"), f"ModelNotApproved({version})")
    models.approve(version, REPORT, {"from": auditor})
    document = tmp_path / "estimate.json"
    result = run("oracle_operator", "size", "--project", str(PROJECT), "--tariff", "90", "--post", "--out",
                 str(document))
    assert result.exit_code == 0, result.output + result.stderr
    stored = oracle.scoreOf(estimate_subject(PROJECT))
    body = json.loads(document.read_bytes())
    assert stored[0] == expected.haircut_bps and stored[1] == version
    assert "0x" + bytes(stored[3]).hex() == ey.sha256_hex(document.read_bytes())  # explanationHash: the document
    assert "0x" + bytes(stored[2]).hex() == body["input_hash"] == ey.sha256_hex(
        ey.canonical(ey.input_document(PROJECT, verified)))
    assert body["estimate"]["p90_wh"] == expected.p90_wh
    assert f"recorded: model version {version}, subject {estimate_subject(PROJECT)}" in result.output
