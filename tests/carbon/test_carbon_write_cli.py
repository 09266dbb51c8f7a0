"""`greenfi project` and `greenfi cai issue|transfer|retire`: the pure parts, the write path from
submission to retirement read back with `greenfi cai show`, and every refusal as one line naming the
contract's custom error (the chain is reached as a live network, signing with each role's key)."""

import pytest
from brownie import web3
from tests.carbon.support import DAY, PERIOD0, TONNE, b32, h, report
from click.testing import CliRunner
from eth_account import Account
from eth_utils import keccak

from greenfi.domain import projects as project_cli
from greenfi.cli.cai import build_claim
from greenfi.cli import cli
from greenfi.chain.deployments import Deployed, DeploymentRecord
from greenfi.chain.networks import LOCAL_MNEMONIC
from greenfi.chain.transactions import decode_custom_error

Account.enable_unaudited_hdwallet_features()
NETWORK = "carbontest"  # a "live" network whose RPC URL is this test chain's


# ---------------------------------------------------------------- pure parts


def test_document_names_round_trip():
    assert project_cli.document_name("PDD") == b"PDD".ljust(32, b"\0")
    assert project_cli.name_text(project_cli.document_name("MR-2025Q1")) == "MR-2025Q1"
    hashed = bytes(h("PDD"))
    assert project_cli.document_name("0x" + hashed.hex()) == hashed
    assert project_cli.name_text(hashed) == "0x" + hashed.hex()
    for bad in ("", "x" * 33, "Prüfbericht"):
        with pytest.raises(Exception, match="1-32 ASCII characters"):
            project_cli.document_name(bad)


def test_project_lines():
    info = ("0x" + "ab" * 20, 1, 3, b"DE", b"\x01" * 32, b"\x02" * 32, b"\x03" * 32)
    documents = [{"name": project_cli.document_name("PDD"), "hash": b"\x04" * 32, "uri": "ipfs://pdd",
                  "modified": PERIOD0}]
    history = [{"block": 7, "from": 0, "to": 1, "actor": "0xA", "evidence": b"\0" * 32},
               {"block": 9, "from": 1, "to": 2, "actor": "0xV", "evidence": b"\x05" * 32}]
    lines = project_cli.project_lines(4, info, documents, history)
    assert "status       Active" in lines and "class        GEC (MWh)" in lines and "jurisdiction DE" in lines
    assert f"  PDD  0x{'04' * 32}  ipfs://pdd  (2025-01-01 00:00 UTC)" in lines
    assert lines[-2] == "  block      7  None -> Submitted by 0xA"
    assert lines[-1] == f"  block      9  Submitted -> Validated by 0xV (evidence 0x{'05' * 32})"
    assert project_cli.project_row(4, info).split() == ["4", "Active", "GEC", "(MWh)", "DE", "developer", info[0]]


def test_claims_and_decoded_errors_name_enums_and_roles(projects, developer):
    assert build_claim(developer.address, b"\x01" * 32, "compliance", b"CN", 1, 2) == (
        developer.address, b"\x01" * 32, 2, b"CN", 1, 2)
    abi = projects.abi
    transition = "0x" + (keccak(text="InvalidStatusTransition(uint256,uint8,uint8)")[:4]
                         + (7).to_bytes(32, "big") + (1).to_bytes(32, "big") + (3).to_bytes(32, "big")).hex()
    assert decode_custom_error(abi, transition) == "InvalidStatusTransition(7, Submitted, Active)"
    role = "0x" + (keccak(text="AccessControlUnauthorizedAccount(address,bytes32)")[:4]
                   + bytes(12) + bytes.fromhex(developer.address[2:]) + keccak(text="REGULATOR_ROLE")).hex()
    assert decode_custom_error(abi, role) == f"AccessControlUnauthorizedAccount({developer.address.lower()}, REGULATOR_ROLE)"


# ---------------------------------------------------------------- against the test chain


@pytest.fixture(scope="module")
def record_dir(tmp_path_factory, carbon_registry, projects, reports, credits, market):
    """deployments/<chainId>.json for the module's contracts (the report contract is the mock)."""
    directory = tmp_path_factory.mktemp("deployments")
    record = DeploymentRecord(web3.eth.chain_id, directory=directory)
    for contract in (carbon_registry, projects, reports, credits, market):
        record.put(contract._name, Deployed(contract.address, None, None, "", ""))
    return directory


@pytest.fixture
def greenfi(record_dir, monkeypatch):
    """greenfi(account, *args) -> click Result: a command sent with `account`'s key (None: no key)."""
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    runner, accounts = CliRunner(), web3.eth.accounts

    def run(account, *args):
        env = {f"{NETWORK.upper()}_RPC_URL": web3.provider.endpoint_uri, "GREENFI_KEYSTORE": None,
               "GREENFI_PRIVATE_KEY": None}
        if account is not None:
            path = f"m/44'/60'/0'/0/{accounts.index(account.address)}"
            env["GREENFI_PRIVATE_KEY"] = Account.from_mnemonic(LOCAL_MNEMONIC, account_path=path).key.hex()
        return runner.invoke(cli, [*args, "--network", NETWORK, "--deployments", str(record_dir)], env=env)

    return run


def ok(result):
    assert result.exit_code == 0, result.output + result.stderr
    return result.output


def test_submit_to_retire_read_back_with_cai_show(greenfi, projects, reports, credits, developer, verifier,
                                                  regulator, enterprise, supplier, tmp_path):
    pdd = tmp_path / "pdd.pdf"
    pdd.write_bytes(b"%PDF project design document v1")
    out = ok(greenfi(developer, "project", "submit", "--methodology", "VM0042", "--methodology-version",
                     "VM0042 v2.1", "--jurisdiction", "CN", "--location", "31.2N,121.5E",
                     "--document", "PDD", str(pdd), "ipfs://pdd-v1"))
    assert "submitted project 1 (Submitted)" in out and "document PDD: 0x" + keccak(pdd.read_bytes()).hex() in out
    assert ok(greenfi(verifier, "project", "validate", "1", "--evidence", str(pdd))).endswith("project 1 Validated\n")
    assert "project 1 Active" in ok(greenfi(regulator, "project", "activate", "1", "--evidence", "decision 2025-01"))
    info = projects.project(1)
    assert (info[0], info[2], b32(info[4]), b32(info[6])) == (developer, 3, h("VM0042"), h("31.2N,121.5E"))

    shown = ok(greenfi(None, "project", "show", "1"))
    assert "status       Active" in shown and "ipfs://pdd-v1" in shown
    assert f"Validated -> Active by {regulator.address} (evidence 0x{keccak(text='decision 2025-01').hex()})" in shown
    assert ok(greenfi(None, "project", "list")).split()[:5] == ["1", "Active", "VER", "(tCO2e)", "CN"]

    reports.setReport(1, report(1, PERIOD0, PERIOD0 + 90 * DAY, verifier, 1000 * TONNE), True, {"from": developer})
    out = ok(greenfi(developer, "cai", "issue", "1"))
    cai = "CAI-CN-1-2025-1-1-1000"
    assert f"issued batch 1 ({cai}): 1000 units, serials 1-1000, 100 to the buffer pool, 900 to {developer}" in out
    ok(greenfi(developer, "cai", "transfer", cai, enterprise.address, "300"))
    out = ok(greenfi(enterprise, "cai", "retire", str(credits.caiOf(1)), "120", "--beneficiary-name", "ACME Ltd",
                     "--jurisdiction", "CN", "--reason", "compliance"))
    assert f"certificate 1: 120 units of {cai} retired by {enterprise} for {enterprise}" in out
    credits.setApprovalForAll(supplier, True, {"from": developer})
    ok(greenfi(supplier, "cai", "retire", "1", "50", "--owner", developer.address, "--beneficiary-name", "Dev Co",
               "--beneficiary", supplier.address, "--jurisdiction", "DE", "--period-start", "2025-01-01",
               "--period-end", "2025-02-01"))
    beneficiary, name_hash, *rest = credits.certificate(1)[4]
    assert (beneficiary, b32(name_hash), *rest) == (enterprise, h("ACME Ltd"), 2, "0x434e", PERIOD0, PERIOD0 + 90 * DAY)
    assert credits.certificate(2)[1] == developer and credits.certificate(2)[4][0] == supplier

    shown = ok(greenfi(None, "cai", "show", cai))
    assert "supply      issued 1000  circulating 730  escrowed 0  retired 170  cancelled 0  buffered 100" in shown
    assert f"  {developer.address}  550" in shown and f"  {enterprise.address}  180" in shown
    reports.setReport(50, report(1, PERIOD0 + 90 * DAY, PERIOD0 + 91 * DAY, verifier, 400_000), True, {"from": developer})
    out = ok(greenfi(developer, "cai", "issue", "50"))  # below one tonne: consumed, its grams carried
    assert "report 50 consumed: below one unit with the project's remainder; 400000 g (or Wh) carried" in out
    assert credits.carriedRemainder(1) == 400_000 and credits.batchCount() == 1
    assert "project 1 Suspended" in ok(greenfi(regulator, "project", "suspend", "1"))
    assert "project 1 Closed" in ok(greenfi(regulator, "project", "close", "1"))


@pytest.fixture(scope="module")
def staged(projects, reports, batch, project, developer, verifier):
    """Project 1 active with batch 1 (report 1 consumed, 900 units with the developer); project 2
    submitted; report 2 pending; report 3 approved for project 1; report 4 approved for project 2."""
    projects.submitProject(h("m"), h("v"), 0, b"CN", h("site"), {"from": developer})
    start = PERIOD0 + 90 * DAY
    reports.setReport(2, report(project, start, start + DAY, verifier, TONNE), False, {"from": developer})
    reports.setReport(3, report(project, start, start + DAY, verifier, TONNE), True, {"from": developer})
    reports.setReport(4, report(2, PERIOD0, PERIOD0 + DAY, verifier, TONNE), True, {"from": developer})
    return batch


def _state(projects, credits, registry, who):
    return (projects.projectCount(), projects.project(1), projects.project(2), credits.batchCount(),
            credits.certificateCount(), [credits.balanceOf(a, 1) for a in who], registry.participant(who[0]))


RETIRE = ["--beneficiary-name", "ACME Ltd", "--jurisdiction", "CN"]
SUBMIT = ["project", "submit", "--methodology", "m", "--methodology-version", "v", "--location", "site"]


@pytest.mark.parametrize("sender, args, error", [
    ("regulator", ["project", "activate", "9"], "UnknownProject(9)"),
    ("regulator", ["project", "activate", "2"], "InvalidStatusTransition(2, Submitted, Active)"),
    ("developer", ["project", "activate", "2"], "AccessControlUnauthorizedAccount({developer}, REGULATOR_ROLE)"),
    ("enterprise", ["project", "validate", "2"], "ComplianceRefused({enterprise}, WrongKind)"),
    ("outsider", [*SUBMIT, "--jurisdiction", "CN"], "ComplianceRefused({outsider}, NotRegistered)"),
    ("developer", [*SUBMIT, "--jurisdiction", "cn"], "InvalidProjectJurisdiction(0x636e)"),
    ("enterprise", ["project", "document", "1", "PDD", "text", "ipfs://x"], "NotProjectDeveloper(1, {enterprise})"),
    (None, ["project", "show", "9"], "UnknownProject(9)"),
    ("developer", ["cai", "issue", "77"], "UnknownReport(77)"),
    ("developer", ["cai", "issue", "2"], "ReportNotApproved(2)"),
    ("developer", ["cai", "issue", "1"], "ReportAlreadyConsumed(1)"),
    ("enterprise", ["cai", "issue", "3"], "NotIssuer({enterprise}, 1)"),
    ("developer", ["cai", "issue", "4"], "ProjectNotActive(2, Submitted)"),
    ("developer", ["cai", "transfer", "1", "{outsider}", "10"], "ComplianceRefused({outsider}, NotRegistered)"),
    ("frozen", ["cai", "transfer", "1", "{enterprise}", "10"], "ComplianceRefused({developer}, Frozen)"),
    ("developer", ["cai", "transfer", "1", "{enterprise}", "901"],
     "ERC1155InsufficientBalance({developer}, 900, 901, 1)"),
    ("developer", ["cai", "transfer", "9", "{enterprise}", "1"], "caiString(9) reverted: UnknownBatch(9)"),
    ("developer", ["cai", "retire", "1", "901", *RETIRE], "InsufficientTradable({developer}, 1, 900, 901)"),
    ("developer", ["cai", "retire", "1", "1", *RETIRE, "--period-start", "2025-02-01", "--period-end", "2025-01-01"],
     "InvalidClaimPeriod(1738368000, 1735689600)"),
    ("developer", ["cai", "retire", "0x" + "11" * 32, "1", *RETIRE], "UnknownCai(0x" + "11" * 32 + ")"),
    ("enterprise", ["cai", "retire", "1", "1", "--owner", "{developer}", *RETIRE],
     "ERC1155MissingApprovalForAll({enterprise}, {developer})"),
    (None, ["cai", "transfer", "1", "{enterprise}", "1"], "missing deployer key"),
])
def test_refusals_are_one_line_naming_the_custom_error(greenfi, staged, carbon_registry, projects, credits, regulator,
                                                       developer, enterprise, outsider, sender, args, error):
    people = {"regulator": regulator, "developer": developer, "enterprise": enterprise, "outsider": outsider,
              "frozen": developer}
    if sender == "frozen":
        carbon_registry.freeze(developer, h("investigation"), {"from": regulator})
    names = {k: v.address.lower() for k, v in people.items()}  # as the ABI decoder writes them
    before = _state(projects, credits, carbon_registry, [developer, enterprise, outsider])
    result = greenfi(people.get(sender), *[a.format(**names) for a in args])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and error.format(**names) in lines[0], result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert _state(projects, credits, carbon_registry, [developer, enterprise, outsider]) == before


def test_bad_arguments_stop_before_the_chain(greenfi, developer):
    result = greenfi(developer, *SUBMIT, "--jurisdiction", "CHN")
    assert result.exit_code == 2 and "two letters" in result.stderr
    result = greenfi(developer, "project", "document", "1", "x" * 33, "text", "ipfs://x")
    assert result.exit_code == 2 and "1-32 ASCII characters" in result.stderr
    result = greenfi(developer, "cai", "transfer", "1", "nobody", "1")
    assert result.exit_code == 1 and result.stderr.strip() == "error: TO is not an address: nobody"
