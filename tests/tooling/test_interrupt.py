"""Ctrl-C: an interrupted command lists every transaction it sent (hash, mined or not), says how to
resume, and exits with status 130 (docs/operator-cli.md, "Progress and Ctrl-C")."""

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass

from greenfi.chain import journal
from greenfi.chain.networks import Network
from greenfi.chain.node import embedded
from greenfi.cli import interrupt


@dataclass(frozen=True)
class SlowChain(Network):
    """anvil mining a block a second: a deployment takes long enough to be interrupted midway."""

    def launch_command(self, port: int) -> list[str]:
        return [*super().launch_command(port), "--block-time", "1"]


def test_ctrl_c_mid_deploy_lists_the_sent_transactions_and_how_to_resume(tmp_path):
    with embedded(SlowChain("development", embedded=True, chain_id=31337)) as conn:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "GREENFI_RPC_URL": conn.w3.provider.endpoint_uri}
        deploy = subprocess.Popen(
            [sys.executable, "-m", "greenfi.cli", "deploy", "--network", "development", "--deployments", str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            # A suite started in the background (`make test &`) inherits SIGINT ignored; a terminal's Ctrl-C is not.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        progress = []
        for line in deploy.stdout:  # up to the first contract's progress line (its mined transaction before it)
            progress.append(line)
            if line.startswith("  [1/"):
                break
        deploy.send_signal(signal.SIGINT)
        out, err = deploy.communicate(timeout=120)
    assert deploy.returncode == 130, "".join(progress) + out + err
    assert "deploy" in progress[-1] and any("mined in block" in line for line in progress), progress
    record = json.loads((tmp_path / "31337.json").read_text())["contracts"]
    assert record and "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[0].startswith("interrupted: ") and "transaction(s) sent" in lines[0]
    for name, deployed in record.items():  # every contract recorded is listed with its hash, mined
        assert f"  deploy {name}: {deployed['tx_hash']} (mined in block {deployed['block']})" in err
    assert len(record) < 15, "the deployment ended before the interrupt: nothing was tested"
    assert lines[-1].startswith("resume: run the same `greenfi deploy` again: ") and str(tmp_path) in lines[-1]


def test_the_report_names_pending_transactions_and_the_default_resume():
    interrupt.reset()
    mined = journal.sent("approve(5) for subscribe(5)", b"\x01" * 32)
    journal.mined(mined, 7)
    journal.sent("subscribe(5)", "0x" + "02" * 32)
    interrupt.note("posted 12 readings")
    lines = interrupt.report(["bond", "subscribe", "X", "5"])
    assert lines == [
        "interrupted: 2 transaction(s) sent:",
        f"  approve(5) for subscribe(5): 0x{'01' * 32} (mined in block 7)",
        f"  subscribe(5): 0x{'02' * 32} (sent, not yet mined)",
        "  posted 12 readings",
        "a transaction not yet mined may still be: look its hash up before sending it again",
        "resume: check the state, then run `greenfi bond subscribe X 5` again",
    ]
    interrupt.reset()
    assert interrupt.report([])[0] == "interrupted: 0 transaction(s) sent."
