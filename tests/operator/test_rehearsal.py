"""The rehearsal on a live-like node (issue 18): an anvil with a chain id that is no development one,
2-second blocks and EIP-1559 fees, and no unlocked account at all, so every sender is an encrypted
keystore (GREENFI_KEYSTORE + GREENFI_KEYSTORE_PASSWORD_FILE, one per role). greenfi treats the
network as live: `greenfi deploy` needs the governance timelock and an admin delay of at least an
hour, and MRVAnchor starts at k = 2 and stays there: a second oracle operator runs a co-signer
(`greenfi oracle cosigner`) that the sensor daemon asks for the second signature. Every step is a `greenfi` subprocess; the test itself only lets
time pass (anvil's evm_increaseTime) and reads the chain to check each step's effect.

Each stage is a test, in order, on one module-scoped node; each tx waits for a 2-second block, so
the stages send as few transactions as cover the stage. `--durations` shows each stage's time.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3

from greenfi.chain import contracts
from greenfi.chain.governance import TIMELOCK
from greenfi.chain.node import executable, free_port
from greenfi.domain.participants import Kind
from greenfi.domain.units import parse_time
from greenfi.paths import REPO_ROOT
from tests.operator.support import GREENFI, Chain, ReplayPlan, anchored_batches, clean_env, pass_time, wait_for_rpc

NETWORK = "rehearsal"  # any name with $REHEARSAL_RPC_URL: a live network to greenfi
CHAIN_ID = 424242  # neither anvil's 31337 nor ganache's 1337
BLOCK_TIME_S = 2
TIMELOCK_DELAY_S = 3600  # the least greenfi deploy accepts on a live network
ADMIN_DELAY_S = 3600
ROLES = ("deployer", "regulator", "bank", "verifier", "oracle", "cosigner", "developer", "enterprise", "supplier",
         "investor", "auditor")
START = parse_time("2026-06-01T00:00:00Z")  # the node's genesis: the replayed readings are of 1-2 June
# One 2 MW inverter, 150 five-minute steps of the shipped PV series: 150 readings, about 13 MWh.
REPLAY = ReplayPlan("rehearsal", devices=1, size=400, after=START + 6 * 3600, steps=150, start_row=12000)
GRAMS_PER_MWH = 581_000
TOKEN = 10**6
PASSWORD = "rehearsal keystore password"
ETHER = 10**18


def role_key(role: str) -> bytes:
    return Web3.keccak(text=f"greenfi rehearsal key / {role}")


@dataclass
class Rehearsal:
    """The live-like node, one keystore per role, and `greenfi` run as each role."""

    url: str
    w3: Web3
    home: Path  # the working directory of every command: daemon stores, documents
    keys: Path
    deployments: Path
    address: dict[str, str] = field(default_factory=dict)
    sent: list[tuple[str, float]] = field(default_factory=list)  # (command, seconds) for the report

    @property
    def chain(self) -> Chain:
        return Chain(self.w3, self.deployments)

    def env(self, role: str | None) -> dict[str, str]:
        extra = {"REHEARSAL_RPC_URL": self.url, "GREENFI_DEPLOYMENTS": str(self.deployments)}
        if role is not None:
            extra |= {"GREENFI_KEYSTORE": str(self.keys / f"{role}.json"),
                      "GREENFI_KEYSTORE_PASSWORD_FILE": str(self.keys / "password")}
        return clean_env(**extra)

    def greenfi(self, role: str | None, *args: str, offline: bool = False, timeout: float = 300) -> str:
        """Run `greenfi ARGS --network rehearsal` (`offline`: without a network) signed by `role`'s
        keystore; its output, or a failed assertion with the output."""
        started = time.monotonic()
        network = [] if offline else ["--network", NETWORK]
        done = subprocess.run([GREENFI, *args, *network], capture_output=True, text=True,
                              timeout=timeout, env=self.env(role), cwd=self.home)
        self.sent.append((" ".join(args[:2]), time.monotonic() - started))
        output = done.stdout + done.stderr
        assert "Traceback" not in output, output
        assert done.returncode == 0, f"greenfi {' '.join(args)} (as {role}) exited {done.returncode}:\n{output}"
        return done.stdout

    def refused(self, role: str | None, *args: str) -> str:
        """Run a command that must be refused: exit code 1, one `error:` line on stderr, no traceback."""
        done = subprocess.run([GREENFI, *args, "--network", NETWORK], capture_output=True, text=True, timeout=120,
                              env=self.env(role), cwd=self.home)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 1 and len(lines) == 1 and lines[0].startswith("error: "), done.stdout + done.stderr
        return lines[0]


def write_keystores(directory: Path) -> dict[str, str]:
    """One encrypted keystore per role (scrypt with a small work factor: the test decrypts one per
    command) and the password file; returns role → address."""
    directory.mkdir()
    (directory / "password").write_text(PASSWORD + "\n")
    addresses = {}
    for role in ROLES:
        keystore = Account.encrypt(role_key(role), PASSWORD, kdf="scrypt", iterations=2**10)
        (directory / f"{role}.json").write_text(json.dumps(keystore))
        addresses[role] = Account.from_key(role_key(role)).address
    return addresses


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory, background):
    home = tmp_path_factory.mktemp("rehearsal")
    port = free_port()
    anvil = background.start("anvil", [executable("anvil"), "--port", str(port), "--chain-id", str(CHAIN_ID),
                                       "--block-time", str(BLOCK_TIME_S), "--accounts", "0", "--hardfork", "shanghai",
                                       "--timestamp", str(START),
                                       "--gas-limit", "30000000"], clean_env(), home)
    url = f"http://127.0.0.1:{port}"
    w3 = wait_for_rpc(url, anvil)
    r = Rehearsal(url, w3, home, home / "keys", home / "deployments")
    r.address = write_keystores(r.keys)
    for address in r.address.values():  # the faucet: gas money only, never an unlocked account
        w3.provider.make_request("anvil_setBalance", [address, hex(100 * ETHER)])
    yield r
    print("\nrehearsal commands (seconds): " + ", ".join(f"{c} {s:.1f}" for c, s in r.sent))


def test_the_node_is_live_like(rehearsal):
    w3 = rehearsal.w3
    assert w3.eth.chain_id == CHAIN_ID
    assert w3.eth.accounts == []  # nothing can be sent from an unlocked account
    assert w3.eth.get_block("latest")["baseFeePerGas"] > 0  # EIP-1559 fees
    first = w3.eth.block_number
    time.sleep(2.5 * BLOCK_TIME_S)
    assert w3.eth.block_number > first  # blocks come on a clock, not per transaction


def test_deploy_hands_governance_to_the_timelock(rehearsal):
    r = rehearsal
    out = r.greenfi("deployer", "deploy", "--yes", "--timelock-delay", str(TIMELOCK_DELAY_S),
                    "--admin-delay", str(ADMIN_DELAY_S), "--regulator", r.address["regulator"],
                    "--bank", r.address["bank"])
    assert f"plan for {NETWORK} (chain {CHAIN_ID})" in out
    timelock = r.chain.contract(TIMELOCK)
    assert timelock.functions.getMinDelay().call() == TIMELOCK_DELAY_S
    registry = r.chain.contract("ParticipantRegistry")
    governor = registry.functions.GOVERNOR_ROLE().call()
    assert registry.functions.hasRole(governor, timelock.address).call()
    assert not registry.functions.hasRole(governor, r.address["deployer"]).call()
    assert registry.functions.hasRole(registry.functions.REGULATOR_ROLE().call(), r.address["regulator"]).call()
    assert registry.functions.defaultAdminDelay().call() == ADMIN_DELAY_S
    assert r.chain.contract("MRVAnchor").functions.config().call()[0] == 2  # k = 2 on a live network
    token = r.chain.contract("SettlementToken")
    assert token.functions.hasRole(token.functions.MINTER_ROLE().call(), r.address["bank"]).call()


def test_the_deployment_refuses_a_short_timelock_on_a_live_network(rehearsal, tmp_path):
    """The live rules hold on this node: no timelock, or one under an hour, is refused with one line."""
    r = rehearsal
    done = subprocess.run([GREENFI, "deploy", "--network", NETWORK, "--yes", "--timelock-delay", "60"],
                          capture_output=True, text=True, timeout=120, cwd=r.home,
                          env={**r.env("deployer"), "GREENFI_DEPLOYMENTS": str(tmp_path)})
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().startswith("error: ") and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not any(tmp_path.iterdir())


def test_participants_funds_and_operators(rehearsal):
    r = rehearsal
    kinds = {"verifier": "verifier", "oracle": "oracle-operator", "cosigner": "oracle-operator",
             "developer": "project-developer",
             "enterprise": "enterprise", "supplier": "enterprise", "investor": "investor", "bank": "bank",
             "auditor": "auditor"}
    for role, kind in kinds.items():
        r.greenfi("regulator", "participant", "register", r.address[role], "--kind", kind, "--jurisdiction", "CN",
                  "--kyc-expiry", "2027-06-01")
    r.greenfi("bank", "token", "mint", r.address["investor"], "1000")
    r.greenfi("bank", "token", "mint", r.address["bank"], "10000")
    r.greenfi("regulator", "mrv", "operator", "add", r.address["oracle"])
    r.greenfi("regulator", "mrv", "operator", "add", r.address["cosigner"])
    r.greenfi("deployer", "role", "grant", "ModelRegistry", "MODEL_OPERATOR_ROLE", r.address["oracle"])
    registry, token = r.chain.contract("ParticipantRegistry"), r.chain.contract("SettlementToken")
    for role in kinds:
        assert registry.functions.canHold(r.address[role]).call() == 0, role  # Ok
    assert registry.functions.kindOf(r.address["oracle"]).call() == Kind.ORACLE_OPERATOR
    assert token.functions.balanceOf(r.address["investor"]).call() == 1000 * TOKEN
    anchor = r.chain.contract("MRVAnchor")
    assert anchor.functions.isOperator(r.address["oracle"]).call() and anchor.functions.isOperator(r.address["cosigner"]).call()


def test_project_and_governed_parameters_through_the_timelock(rehearsal):
    r = rehearsal
    r.greenfi("developer", "project", "submit", "--methodology", "ACM0002", "--methodology-version", "ACM0002 v21.0",
              "--jurisdiction", "CN", "--location", "Ningxia")
    r.greenfi("verifier", "project", "validate", "1", "--evidence", "validation report")
    r.greenfi("regulator", "project", "activate", "1", "--evidence", "registration decision")
    anchor, reports, risk = (r.chain.contract(n) for n in ("MRVAnchor", "MRVReports", "RiskOracle"))
    operator_role = "0x" + bytes(risk.functions.OPERATOR_ROLE().call()).hex()
    source = "0x" + bytes(Web3.keccak(text="China regional grid baseline 2026")).hex()
    changes = (("MRVReports", "setEmissionFactor", "1", str(GRAMS_PER_MWH), source),
               ("RiskOracle", "grantRole", operator_role, r.address["oracle"]))
    for change in changes:
        r.greenfi("deployer", "governance", "schedule", *change)
    # No direct change: each refusal is one line and sends nothing; a live clock cannot be moved.
    block = r.w3.eth.block_number
    nonces = {role: r.w3.eth.get_transaction_count(r.address[role]) for role in ("regulator", "deployer")}
    assert "AccessControlUnauthorizedAccount" in r.refused("regulator", "mrv", "factor", "set", "--project", "1",
                                                           "--grams-per-mwh", "1")
    assert f"greenfi governance schedule --network {NETWORK} RiskOracle grantRole {operator_role}" in \
        r.refused("deployer", "role", "grant", "RiskOracle", "OPERATOR_ROLE", r.address["oracle"])
    assert "its clock cannot be moved; wait until" in r.refused(None, "clock", "--advance", "1h")
    assert nonces == {role: r.w3.eth.get_transaction_count(r.address[role]) for role in nonces}
    assert r.w3.eth.get_block("latest")["timestamp"] - r.w3.eth.get_block(block)["timestamp"] < 600
    pass_time(r.w3, TIMELOCK_DELAY_S)
    for change in changes:
        r.greenfi("deployer", "governance", "execute", *change)
    assert anchor.functions.config().call()[0] == 2  # k stays 2: the sensor daemon collects a co-signature
    assert reports.functions.emissionFactor(1).call()[1][0] == GRAMS_PER_MWH
    assert risk.functions.hasRole(risk.functions.OPERATOR_ROLE().call(), r.address["oracle"]).call()
    assert r.chain.contract("ProjectRegistry").functions.isActive(1).call()


def test_devices(rehearsal):
    """simulate-devices registers (as the developer) and activates (as a verifier) with keystores:
    this node has no unlocked account to fall back on."""
    r = rehearsal
    [device] = REPLAY.fleet()
    fleet = ["oracle", "simulate-devices", *REPLAY.options()]
    out = r.greenfi("developer", *fleet, "--register", "--project", "1")
    assert "registered 1 devices in project 1 (0 already there)" in out, out
    out = r.greenfi("verifier", *fleet, "--activate")
    assert "activated 1 devices" in out, out
    record = contracts.fields(r.chain.contract("DeviceRegistry").functions.device(device.device_id))
    assert (record["status"], record["signer"], record["capacityW"]) == (2, device.address, device.capacity_w)  # Active
    assert record["activatedAt"] < REPLAY.after


def test_readings_through_the_sensor_daemon(rehearsal, background):
    """The oracle's sensor daemon anchors at k = 2 with the cosigner operator's co-signer, each with its own keystore."""
    r = rehearsal
    readings = REPLAY.readings(CHAIN_ID, r.chain.contract("MRVAnchor").address)
    pass_time(r.w3, max(x.period_end for x in readings) - r.chain.now() + 60)  # the replayed days are over
    cosigner_port, port = free_port(), free_port()
    cosigner = background.start("cosigner", [GREENFI, "oracle", "cosigner", "--network", NETWORK, "--port",
                                             str(cosigner_port), "--db", "cosigner.sqlite"], r.env("cosigner"), r.home)
    wait_for_port(cosigner_port, cosigner, background, "cosigner")
    sensor = background.start("sensor", [GREENFI, "oracle", "sensor", "--network", NETWORK, "--port", str(port),
                                         "--db", "sensor.sqlite", "--batch-size", str(len(readings)),
                                         "--window-s", "60", "--cosigner", f"http://127.0.0.1:{cosigner_port}"],
                              r.env("oracle"), r.home)
    wait_for_port(port, sensor, background, "sensor")
    out = r.greenfi(None, "oracle", "simulate-devices", "--url", f"http://127.0.0.1:{port}", "--speedup", "0",
                    *REPLAY.options())
    assert f"accepted {len(readings)}, rejected: none" in out, out
    deadline = time.monotonic() + 120
    while not anchored_batches(r.chain):
        assert sensor.poll() is None and time.monotonic() < deadline, background.log("sensor") + background.log("cosigner")
        time.sleep(1)
    for proc, name in ((sensor, "sensor"), (cosigner, "cosigner")):
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, background.log(name)
    [batch] = anchored_batches(r.chain)
    assert (batch["readingCount"], batch["energyWh"]) == (len(readings), sum(x.energy_wh for x in readings))
    operators = r.chain.contract("MRVAnchor").functions.operators().call()
    signers = {operators[slot] for slot in range(16) if batch["signers"] >> slot & 1}
    assert signers == {r.address["oracle"], r.address["cosigner"]}
    assert '"event": "cosigned"' in background.log("cosigner") and "cosigner_refused" not in background.log("sensor")


def test_report_and_credits(rehearsal):
    r = rehearsal
    pass_time(r.w3, r.chain.contract("MRVAnchor").functions.config().call()[2])  # the challenge window
    [batch] = anchored_batches(r.chain)
    root = "0x" + bytes(batch["root"]).hex()
    r.greenfi("verifier", "mrv", "batch", "finalize", root)
    (r.home / "report.txt").write_text("Monitoring report, project 1, 1-2 June 2026\n")
    r.greenfi("developer", "mrv", "report", "open", "--project", "1", "--start", "2026-06-01", "--end", "2026-06-03",
              "--batch", root, "--document", "report.txt")
    r.greenfi("verifier", "mrv", "report", "approve", "1", "--statement", "verified")
    r.greenfi("developer", "cai", "issue", "1")
    credits = r.chain.contract("CarbonCredits")
    issued = batch["energyWh"] * GRAMS_PER_MWH // 10**12
    supply = contracts.fields(credits.functions.supplyOf(1))
    assert supply["issued"] == issued >= 5
    assert credits.functions.balanceOf(r.address["developer"], 1).call() == issued - supply["buffered"]


def test_market_and_retirement(rehearsal):
    r = rehearsal
    r.greenfi("developer", "market", "list", "1", "2", "--price", "60", "--expiry", "2026-07-01")
    r.greenfi("investor", "market", "buy-and-retire", "1", "1", "--beneficiary-name", "Investor GmbH",
              "--jurisdiction", "DE")
    credits, market = r.chain.contract("CarbonCredits"), r.chain.contract("CarbonMarket")
    assert contracts.fields(credits.functions.supplyOf(1))["retired"] == 1
    assert credits.functions.certificateCount().call() == 1
    assert contracts.fields(market.functions.listing(1))["remaining"] == 1
    assert market.functions.credited(r.address["developer"]).call() > 0


def test_risk_scores_through_the_risk_daemon(rehearsal):
    r = rehearsal
    german = REPO_ROOT / "models" / "data" / "german_credit" / "german_credit.csv"
    r.greenfi(None, "model", "split", "--data", str(german), "--target", "credit_risk", "--train-out", "train.csv",
              "--validation-out", "validation.csv", offline=True)
    r.greenfi(None, "model", "train", "--data", "train.csv", "--target", "credit_risk", "--positive", "bad",
              "--out", "risk-model", "--folds", "2", "--repeats", "1", offline=True)
    r.greenfi(None, "model", "validate", "--model", "risk-model", "--data", "validation.csv", "--out", "validation.json",
              offline=True)
    r.greenfi("oracle", "oracle", "register-model", "--model", "risk-model")
    r.greenfi("auditor", "oracle", "approve-model", "--version", "1", "--report", "validation.json", "--yes")
    rows = german.read_text().splitlines()
    features = [f"subject,{rows[0].rsplit(',', 1)[0]}"] + \
        [f"{r.address[role]},{rows[n].rsplit(',', 1)[0]}" for role, n in (("enterprise", 1), ("supplier", 3))]
    (r.home / "features.csv").write_text("\n".join(features) + "\n")
    r.greenfi("oracle", "oracle", "risk", "--features", "features.csv", "--model", "risk-model", "--once",
              "--port", "0", "--outbox", "risk-outbox.sqlite")
    oracle = r.chain.contract("RiskOracle")
    for role in ("enterprise", "supplier"):
        score = contracts.fields(oracle.functions.latestScore(r.address[role]))
        assert score["modelVersion"] == 1 and 0 < score["scoreBps"] < 10_000, role


def test_bond_subscription(rehearsal):
    r = rehearsal
    r.greenfi("enterprise", "bond", "create", "--isin", "CNGB2026R01", "--name", "Rehearsal Green Bond",
              "--symbol", "RGB", "--denomination", "100", "--size", "100", "--minimum", "1",
              "--start", str(r.chain.now()), "--issue", "2026-07-01", "--periods", "4", "--coupon-bps", "500",
              "--frequency", "4")
    r.greenfi("investor", "bond", "subscribe", "CNGB2026R01", "5")
    token = r.chain.contract("SettlementToken")
    factory = r.chain.contract("GreenBondFactory")
    [series] = [log["args"]["bond"] for log in factory.events.BondCreated().get_logs(from_block=0)]
    assert token.functions.balanceOf(series).call() == 5 * 100 * TOKEN


def test_voucher_financed_at_a_risk_priced_rate(rehearsal):
    r = rehearsal
    for name in ("order", "delivery", "invoice"):
        (r.home / f"{name}.txt").write_text(f"{name} 2026-06\n")
    r.greenfi("enterprise", "voucher", "issue", r.address["supplier"], "5000", "--maturity", "2026-09-01",
              "--order", "order.txt", "--delivery", "delivery.txt", "--invoice", "invoice.txt")
    r.greenfi("supplier", "voucher", "finance", "1", "--offer-to", r.address["bank"], "--max-rate", "1500")
    r.greenfi("bank", "voucher", "finance", "1", "--rate", "1200")
    voucher = contracts.fields(r.chain.contract("CreditVoucher").functions.voucher(1))
    assert voucher["holder"] == r.address["bank"]
    paid = r.chain.contract("SettlementToken").functions.balanceOf(r.address["supplier"]).call()
    assert 0 < paid < 5000 * TOKEN


def wait_for_port(port: int, proc, background, name: str, timeout: float = 120) -> None:
    """Until the daemon `name` answers /health (its log in the failure otherwise)."""
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, background.log(name)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return
        except OSError:
            assert time.monotonic() < deadline, background.log(name)
            time.sleep(0.3)
