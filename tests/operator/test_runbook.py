"""docs/operator.md, run as written (issue 18): every ```sh block of the page, in order, as bash
subprocesses on a `greenfi chain` that the first block starts on a free port; after each block the
on-chain effect of its step is checked. The blocks are read from the page, so page and test cannot
drift: each block is preceded by `<!-- check: NAME -->` naming a check here, and every check must
be used. Waiting for the chain's clock is a command of the page too (`greenfi clock --advance`).

Shell variables a block sets (`ROOT=...`, the cast's addresses) carry over to later blocks, as they
would in the operator's terminal. The block's ports 8555 (the chain) and 8700 (the sensor) become
free ports; that is the one change made to the page's text.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from web3 import Web3

from greenfi.chain import contracts
from greenfi.chain.deploy import SUITE
from greenfi.chain.node import free_port
from greenfi.domain.participants import Kind
from greenfi.domain.units import parse_time
from greenfi.domain.vouchers import parse_voucher_id
from greenfi.paths import REPO_ROOT
from tests.operator.support import Chain, ReplayPlan, anchored_batches, clean_env

RUNBOOK = REPO_ROOT / "docs" / "operator.md"
PAGE_PORTS = ("8555", "8700")
STEP = re.compile(r"<!-- check: ([\w-]+) -->\n(?:```sh\n(.*?)```)?", re.S)
TOKEN = 10**6


@dataclass(frozen=True)
class Step:
    check: str  # the name of the check that follows the block
    block: str


def runbook_steps(text: str) -> list[Step]:
    steps = [Step(name, block) for name, block in STEP.findall(text)]
    assert len(steps) == text.count("```sh\n"), "every ```sh block needs a <!-- check: NAME --> before it"
    assert all(s.block for s in steps), "a <!-- check: NAME --> marker must directly precede its block"
    return steps


class Terminal:
    """The operator's terminal: blocks run one after another, each a `bash` whose variables carry
    over to the next (exported into a state file); a block's background jobs live in its own
    process group, stopped when the test ends."""

    def __init__(self, home: Path, ports: dict[str, str], background, env: dict[str, str]):
        self.home, self.ports, self.background, self.env = home, ports, background, env
        self.state = home / ".runbook-state.sh"
        self.state.write_text("")
        self.count = 0
        self.seconds: list[float] = []

    def run(self, block: str, timeout: float = 600) -> str:
        for page_port, port in self.ports.items():
            block = block.replace(page_port, port)
        self.count += 1
        log = self.home / f"block-{self.count}.log"
        started = time.monotonic()
        script = f"source {self.state}\nset -a\n{block}\nset +a\nexport -p > {self.state}\n"
        with open(log, "w") as out:
            proc = subprocess.Popen(["bash", "-euo", "pipefail", "-c", script], stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, cwd=self.home, env=self.env,
                                    start_new_session=True)
            self.background.adopt(proc.pid)  # its `&` jobs stay in this group after bash exits
            returncode = proc.wait(timeout=timeout)
        output = log.read_text()
        self.seconds.append(time.monotonic() - started)
        assert returncode == 0, f"block {self.count} exited {returncode}:\n{block}\n--- output:\n{output}"
        assert "Traceback" not in output, output
        return output


@pytest.fixture(scope="module")
def runbook(tmp_path_factory, background):
    home = tmp_path_factory.mktemp("runbook")
    ports = {page: str(free_port()) for page in PAGE_PORTS}
    env = clean_env(GREENFI_DEPLOYMENTS=str(home / "deployments"))
    return Terminal(home, ports, background, env)


def test_every_block_has_its_check_and_every_check_its_block():
    used = {s.check for s in runbook_steps(RUNBOOK.read_text())}
    assert used == set(CHECKS), (used ^ set(CHECKS))


def test_the_runbook_runs_as_written(runbook):
    chain = None
    for step in runbook_steps(RUNBOOK.read_text()):
        output = runbook.run(step.block)
        if chain is None:  # the first block started the node
            chain = Chain(Web3(Web3.HTTPProvider(f"http://127.0.0.1:{runbook.ports['8555']}")),
                          runbook.home / "deployments")
        CHECKS[step.check](chain, output)
    print("\nrunbook blocks (seconds): " + ", ".join(f"{s:.1f}" for s in runbook.seconds))


# ---------------------------------------------------------------------------- the checks, by step

CAST = {"DEPLOYER": 0, "REGULATOR": 1, "VERIFIER": 2, "ORACLE": 3, "DEVELOPER": 4, "ENTERPRISE": 5,
        "SUPPLIER": 6, "BANK": 7, "INVESTOR": 8, "AUDITOR": 9}
# The page's simulate-devices options, as a plan whose readings the test computes itself.
REPLAY = ReplayPlan("runbook", devices=2, size=200, after=parse_time("2026-06-01T06:00:00Z"), steps=150,
                    start_row=12000)
GRAMS_PER_MWH = 581_000


def who(chain: Chain, role: str) -> str:
    return chain.w3.eth.accounts[CAST[role]]


def check_chain(chain: Chain, output: str) -> None:
    assert chain.w3.eth.chain_id == 31337
    assert parse_time("2026-06-01") <= chain.now() < parse_time("2026-06-02")


def check_deploy(chain: Chain, output: str) -> None:
    for spec in SUITE:
        assert len(chain.w3.eth.get_code(chain.contract(spec.name).address)) > 0, spec.name
    registry = chain.contract("ParticipantRegistry")
    assert registry.functions.hasRole(registry.functions.REGULATOR_ROLE().call(), who(chain, "REGULATOR")).call()
    token = chain.contract("SettlementToken")
    assert token.functions.hasRole(token.functions.MINTER_ROLE().call(), who(chain, "BANK")).call()


def check_clock(chain: Chain, output: str) -> None:
    """The clock moved as the page says (it prints the chain's new time) and a block was mined at it."""
    moved_to = int(re.search(r"^chain time .* UTC \((\d+)\)", output, re.M)[1])
    assert moved_to == chain.now()


def check_participants(chain: Chain, output: str) -> None:
    kinds = {"REGULATOR": Kind.REGULATOR, "VERIFIER": Kind.VERIFIER, "ORACLE": Kind.ORACLE_OPERATOR,
             "DEVELOPER": Kind.PROJECT_DEVELOPER, "ENTERPRISE": Kind.ENTERPRISE, "SUPPLIER": Kind.ENTERPRISE,
             "BANK": Kind.BANK, "INVESTOR": Kind.INVESTOR, "AUDITOR": Kind.AUDITOR}
    registry = chain.contract("ParticipantRegistry")
    for role, kind in kinds.items():
        assert registry.functions.kindOf(who(chain, role)).call() == kind, role
        assert registry.functions.canHold(who(chain, role)).call() == 0, role  # Ok
    assert registry.functions.kindOf(who(chain, "DEPLOYER")).call() == Kind.NONE


def check_funding(chain: Chain, output: str) -> None:
    token = chain.contract("SettlementToken")
    for role, amount in (("INVESTOR", 200_000), ("ENTERPRISE", 300_000), ("BANK", 100_000)):
        assert token.functions.balanceOf(who(chain, role)).call() == amount * TOKEN, role


def check_operators(chain: Chain, output: str) -> None:
    oracle = who(chain, "ORACLE")
    assert chain.contract("MRVAnchor").functions.isOperator(oracle).call()
    for name, role in (("ModelRegistry", "MODEL_OPERATOR_ROLE"), ("RiskOracle", "OPERATOR_ROLE")):
        contract = chain.contract(name)
        assert contract.functions.hasRole(getattr(contract.functions, role)().call(), oracle).call(), name
    assert f"{oracle} holds RiskOracle.OPERATOR_ROLE (administered by GOVERNOR_ROLE)" in output


def check_project(chain: Chain, output: str) -> None:
    projects = chain.contract("ProjectRegistry")
    assert projects.functions.isActive(1).call()
    assert projects.functions.developerOf(1).call() == who(chain, "DEVELOPER")
    version, factor = chain.contract("MRVReports").functions.emissionFactor(1).call()
    assert (version, factor[0]) == (1, GRAMS_PER_MWH)


def check_devices(chain: Chain, output: str) -> None:
    registry = chain.contract("DeviceRegistry")
    for device in REPLAY.fleet():
        record = contracts.fields(registry.functions.device(device.device_id))
        assert (record["status"], record["signer"], record["capacityW"]) == (2, device.address, device.capacity_w)


def check_readings(chain: Chain, output: str) -> None:
    readings = REPLAY.readings(chain.w3.eth.chain_id, chain.contract("MRVAnchor").address)
    assert f"sent {len(readings)} readings from 2 devices: accepted {len(readings)}, rejected: none" in output
    [batch] = anchored_batches(chain)
    assert batch["readingCount"] == len(readings) == 296
    assert batch["energyWh"] == sum(r.energy_wh for r in readings)  # every replayed Wh, anchored once


def check_report(chain: Chain, output: str) -> None:
    [batch] = anchored_batches(chain)
    assert contracts.fields(chain.contract("MRVAnchor").functions.batch(batch["root"]))["status"] == 3  # Finalized
    report = contracts.fields(chain.contract("MRVReports").functions.report(1))
    assert report["status"] == 2  # Approved
    assert report["netGenerationWh"] == batch["energyWh"]
    assert report["reductionGrams"] == batch["energyWh"] * GRAMS_PER_MWH // 10**6


def issued_units(chain: Chain) -> int:
    report = contracts.fields(chain.contract("MRVReports").functions.report(1))
    return report["reductionGrams"] // 10**6


def check_credits(chain: Chain, output: str) -> None:
    credits = chain.contract("CarbonCredits")
    supply = contracts.fields(credits.functions.supplyOf(1))
    total = issued_units(chain)
    assert supply["issued"] == total >= 6
    assert supply["buffered"] == -(-total * credits.functions.bufferShare().call() // 10_000)  # rounded up
    assert credits.functions.balanceOf(who(chain, "DEVELOPER"), 1).call() == total - supply["buffered"]
    assert credits.functions.caiString(1).call() in output


def check_market(chain: Chain, output: str) -> None:
    credits, market = chain.contract("CarbonCredits"), chain.contract("CarbonMarket")
    listing = contracts.fields(market.functions.listing(1))
    assert listing["remaining"] == 0 and listing["unitPrice"] == 60 * TOKEN
    assert credits.functions.balanceOf(who(chain, "INVESTOR"), 1).call() == 2
    supply = contracts.fields(credits.functions.supplyOf(1))
    assert supply["retired"] == 1 and supply["escrowed"] == 0
    token = chain.contract("SettlementToken")
    proceeds = 3 * 60 * TOKEN * (10_000 - listing["feeBps"]) // 10_000
    assert token.functions.balanceOf(who(chain, "DEVELOPER")).call() == proceeds
    assert market.functions.credited(who(chain, "DEVELOPER")).call() == 0


def check_retirement(chain: Chain, output: str) -> None:
    credits = chain.contract("CarbonCredits")
    assert credits.functions.balanceOf(who(chain, "INVESTOR"), 1).call() == 1
    assert credits.functions.balanceOf(who(chain, "ENTERPRISE"), 1).call() == 1
    assert contracts.fields(credits.functions.supplyOf(1))["retired"] == 2
    assert credits.functions.certificateCount().call() == 2


def check_risk(chain: Chain, output: str) -> None:
    models, oracle = chain.contract("ModelRegistry"), chain.contract("RiskOracle")
    assert models.functions.isApproved(1).call()
    for role in ("ENTERPRISE", "SUPPLIER"):
        score = contracts.fields(oracle.functions.latestScore(who(chain, role)))
        assert score["modelVersion"] == 1 and 0 < score["scoreBps"] < 10_000, role
        assert score["expiry"] > chain.now(), role


def check_bond(chain: Chain, output: str) -> None:
    factory, token = chain.contract("GreenBondFactory"), chain.contract("SettlementToken")
    [created] = factory.events.BondCreated().get_logs(from_block=0)
    assert created["args"]["issuer"] == who(chain, "ENTERPRISE")
    assert token.functions.balanceOf(created["args"]["bond"]).call() == 10 * 1000 * TOKEN  # escrowed until issue
    assert token.functions.balanceOf(who(chain, "INVESTOR")).call() == 200_000 * TOKEN - 2 * 60 * TOKEN - 10_000 * TOKEN


def the_bond(chain: Chain):
    [created] = chain.contract("GreenBondFactory").events.BondCreated().get_logs(from_block=0)
    return contracts.at(chain.w3, "GreenBond", created["args"]["bond"])


def check_bond_proceeds(chain: Chain, output: str) -> None:
    bond, token = the_bond(chain), chain.contract("SettlementToken")
    assert bond.functions.balanceOf(who(chain, "INVESTOR")).call() == 10
    developer = token.functions.balanceOf(who(chain, "DEVELOPER")).call()
    assert developer == 3 * 60 * TOKEN * 99 // 100 + 5_000 * TOKEN  # market proceeds + released proceeds


def check_coupon(chain: Chain, output: str) -> None:
    token = chain.contract("SettlementToken")
    investor = token.functions.balanceOf(who(chain, "INVESTOR")).call()
    assert investor == 200_000 * TOKEN - 2 * 60 * TOKEN - 10_000 * TOKEN + 125 * TOKEN


def check_voucher(chain: Chain, output: str) -> None:
    voucher, token = chain.contract("CreditVoucher"), chain.contract("SettlementToken")
    part_1, part_2 = (contracts.fields(voucher.functions.voucher(parse_voucher_id(p))) for p in ("1.1", "1.2"))
    assert (part_1["amount"], part_1["holder"]) == (30_000 * TOKEN, who(chain, "SUPPLIER"))
    assert (part_2["amount"], part_2["holder"]) == (20_000 * TOKEN, who(chain, "BANK"))
    paid = token.functions.balanceOf(who(chain, "SUPPLIER")).call()
    assert 0 < paid < 20_000 * TOKEN  # the discounted price of part 1.2
    assert token.functions.balanceOf(who(chain, "BANK")).call() == 100_000 * TOKEN - paid


def check_voucher_claims(chain: Chain, output: str) -> None:
    token = chain.contract("SettlementToken")
    assert token.functions.balanceOf(who(chain, "BANK")).call() > 100_000 * TOKEN  # the discount earned
    assert token.functions.balanceOf(chain.contract("CreditVoucher").address).call() == 0
    assert "claimed 30,000" in output and "claimed 20,000" in output


CHECKS = {name.removeprefix("check_").replace("_", "-"): fn for name, fn in globals().items() if name.startswith("check_")}
