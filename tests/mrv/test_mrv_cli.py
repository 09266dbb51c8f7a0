"""`greenfi mrv`: argument parsing and formatting, decoded custom errors, and the device and report
commands end to end against the test chain (as a live network, signing with the role's key)."""

import pytest
from brownie import chain, web3
from click.testing import CliRunner
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector, keccak
from tests.mrv.support import chain_now, DAY, FACTOR, HOUR, PROJECT, make_batch, make_device

from greenfi.cli import mrv as mrv_cli
from greenfi.cli import cli
from greenfi.chain.deployments import Deployed, DeploymentRecord
from greenfi.errors import ConfigError
from greenfi.chain.networks import LOCAL_MNEMONIC

Account.enable_unaudited_hdwallet_features()


def key_of(index):
    return Account.from_mnemonic(LOCAL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key.hex()


# ---------------------------------------------------------------- pure parts


def test_parse_bytes32():
    assert mrv_cli.parse_bytes32("0x" + "ab" * 32, "id") == b"\xab" * 32
    for bad in ("ab" * 32, "0x12", "0x" + "zz" * 32, "0x" + "ab" * 33):
        with pytest.raises(ConfigError, match="id must be 0x followed by 64 hex digits"):
            mrv_cli.parse_bytes32(bad, "id")


@pytest.mark.parametrize(
    "text, expected",
    [("1767225600", 1767225600), ("2026-01-01", 1767225600), ("2026-01-01T01:00:00Z", 1767229200),
     ("2026-01-01T08:00:00+08:00", 1767225600)],
)
def test_parse_time(text, expected):
    assert mrv_cli.parse_time(text, "--start") == expected


def test_parse_time_rejects_nonsense():
    with pytest.raises(ConfigError, match="--start must be unix seconds or an ISO 8601"):
        mrv_cli.parse_time("yesterday", "--start")


def test_hashes_of_text_and_given_hashes():
    assert mrv_cli.text_hash("site visit 2026-03") == keccak(text="site visit 2026-03")
    assert mrv_cli.text_hash("0x" + "11" * 32) == b"\x11" * 32


def test_units_are_exact():
    assert mrv_cli.format_tonnes(716) == "0.000716 tCO2e"
    assert mrv_cli.format_tonnes(581_000_000) == "581 tCO2e"
    assert mrv_cli.format_mwh(1_234_567) == "1.234567 MWh"


def test_custom_errors_are_decoded_with_the_abi(anchor):
    selector = function_signature_to_4byte_selector("NotLaterBatch(bytes32,bytes32)")
    data = "0x" + (selector + abi_encode(["bytes32", "bytes32"], [b"\x01" * 32, b"\x02" * 32])).hex()
    assert mrv_cli.decode_custom_error(anchor.abi, data) == f"NotLaterBatch(0x{'01' * 32}, 0x{'02' * 32})"
    assert mrv_cli.decode_custom_error(anchor.abi, "0xdeadbeef") == "0xdeadbeef"


# ---------------------------------------------------------------- commands


@pytest.fixture
def runner(monkeypatch, tmp_path, devices, reports):
    """A CLI whose network `mrvtest` is this test chain, with its deployment record in tmp_path."""
    record = DeploymentRecord(web3.eth.chain_id, directory=tmp_path)
    for contract in (devices, reports):
        record.put(contract._name, Deployed(contract.address, None, None, "", ""))
    monkeypatch.setattr(mrv_cli, "DEPLOYMENTS_DIR", tmp_path)
    monkeypatch.setattr("greenfi.cli._load_dotenv", lambda: None)
    monkeypatch.setenv("MRVTEST_RPC_URL", web3.provider.endpoint_uri)
    monkeypatch.delenv("GREENFI_KEYSTORE", raising=False)
    return CliRunner()


def run(runner, account_index, *args):
    return runner.invoke(cli, ["mrv", *args], env={"GREENFI_PRIVATE_KEY": key_of(account_index)})


@pytest.mark.parametrize("command", [["device", "register"], ["device", "activate"], ["device", "revoke"],
                                     ["device", "show"], ["report", "open"], ["report", "approve"],
                                     ["report", "show"]])
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli, ["mrv", *command, "--help"])
    assert result.exit_code == 0 and "Usage: cli mrv " + " ".join(command) in result.output


def test_bad_arguments_are_one_line_errors(runner):
    result = run(runner, 4, "device", "register", "--network", "mrvtest", "--device-id", "0x12", "--project", "1",
                 "--signer", "0x" + "11" * 20, "--capacity-w", "5000", "--commissioned", "2026-01-01")
    assert result.exit_code == 1 and result.stderr.strip() == (
        "error: --device-id must be 0x followed by 64 hex digits, got '0x12'")
    result = run(runner, 4, "report", "open", "--network", "mrvtest", "--project", "1", "--start", "1", "--end", "2",
                 "--batch", "0x" + "11" * 32)
    assert result.exit_code == 1 and "give exactly one of --document and --report-hash" in result.stderr


def test_device_register_activate_show_revoke(runner, devices, developer, verifier):
    device = make_device(70)
    result = run(runner, 4, "device", "register", "--network", "mrvtest", "--device-id", device.hex_id,
                 "--project", str(PROJECT), "--signer", device.address, "--kind", "energy-meter",
                 "--capacity-w", "5000", "--commissioned", str(chain_now() - DAY))
    assert result.exit_code == 0, result.output + result.stderr
    record = devices.device(device.device_id)
    assert (record[0], int(record[1]), int(record[2])) == (device.address, 1, 1)

    again = run(runner, 4, "device", "register", "--network", "mrvtest", "--device-id", device.hex_id,
                "--project", str(PROJECT), "--signer", device.address, "--capacity-w", "5000",
                "--commissioned", str(chain_now() - DAY))
    assert again.exit_code == 1 and f"registerDevice would revert: DeviceExists({device.hex_id})" in again.stderr

    assert run(runner, 2, "device", "activate", "--network", "mrvtest", device.hex_id).exit_code == 0
    shown = run(runner, 2, "device", "show", "--network", "mrvtest", device.hex_id)
    assert "status      active" in shown.output and "kind        energy-meter" in shown.output
    assert "capacity    5,000 W" in shown.output

    result = run(runner, 4, "device", "revoke", "--network", "mrvtest", device.hex_id, "--reason", "meter replaced")
    assert result.exit_code == 0, result.stderr
    assert devices.device(device.device_id)[2] == 4


def test_report_open_approve_show(runner, reports, anchor, fleet, oracle_operator, tmp_path):
    own, _, t0 = fleet
    batch = make_batch(anchor, own, t0)
    anchor.anchorBatch(batch.header(), [], {"from": oracle_operator})
    chain.sleep(DAY)
    chain.mine()
    document = tmp_path / "report.pdf"
    document.write_bytes(b"%PDF monitoring report")
    result = run(runner, 4, "report", "open", "--network", "mrvtest", "--project", str(PROJECT), "--start", str(t0),
                 "--end", str(t0 + 4 * HOUR), "--batch", batch.root, "--document", str(document))
    assert result.exit_code == 0, result.output + result.stderr
    reduction = batch.energy * FACTOR // 10**6
    assert result.output.startswith(f"opened report 1: {batch.energy:,} Wh, {mrv_cli.format_tonnes(reduction)}")
    assert reports.report(1)[10] == "0x" + keccak(b"%PDF monitoring report").hex()

    denied = run(runner, 4, "report", "approve", "--network", "mrvtest", "1")
    assert denied.exit_code == 1 and "VerifierIsDeveloper(1, " in denied.stderr
    assert run(runner, 2, "report", "approve", "--network", "mrvtest", "1", "--statement", "ok").exit_code == 0
    shown = run(runner, 2, "report", "show", "--network", "mrvtest", "1")
    assert "status      approved" in shown.output
    assert f"factor      version 1 ({FACTOR:,} g/MWh)" in shown.output
    assert f"reduction   {reduction:,} g = {mrv_cli.format_tonnes(reduction)}" in shown.output
    missing = run(runner, 2, "report", "show", "--network", "mrvtest", "9")
    assert missing.exit_code == 1 and missing.stderr.strip() == "error: unknown report 9"
