"""`greenfi mrv`: register, activate and revoke metering devices, and open, approve and show
monitoring reports, with plain web3.py against the addresses in deployments/<chainId>.json.

Live networks sign with the key from the environment; local nodes with the unlocked account `--from`
names (default the first): greenfi.chain.signers.signer_for. The `show` commands only read and need no key. Free text (revocation reasons, verification
statements) stays off chain: only its keccak256 is sent, and a 0x-prefixed 32-byte value is taken
as an already computed hash.
"""

from __future__ import annotations

from pathlib import Path

import click

from greenfi.chain.contracts import fields
from greenfi.chain.hashes import file_hash, parse_bytes32, text_hash
from greenfi.chain.session import event_args
from greenfi.chain.transactions import decode_custom_error  # noqa: F401 (tests read it here)
from greenfi.cli.connected import Session, open_session
from greenfi.cli.options import EnumChoice, network_option, sender_option
from greenfi.domain.mrv import KINDS, device_lines, format_mwh, format_tonnes, report_lines  # noqa: F401 (format_mwh: tests)
from greenfi.domain.units import parse_address, parse_time
from greenfi.errors import ConfigError, GreenfiError
from greenfi.paths import DEPLOYMENTS

# Where deployment records are read; tests point it elsewhere.
DEPLOYMENTS_DIR: Path = DEPLOYMENTS

# ---------------------------------------------------------------- chain access


def _open(network_name: str, sender: str | None = None) -> Session:
    return open_session(network_name, sender, DEPLOYMENTS_DIR)


def _send(session: Session, call) -> dict:
    """Send `call`; a refusal names the function and the custom error (`registerDevice would revert: …`)."""
    return session.send(call, label=call.fn_name)


# ---------------------------------------------------------------- commands


@click.group("mrv")
def mrv() -> None:
    """Metering devices and monitoring reports (DeviceRegistry, MRVReports)."""


@mrv.group()
def device() -> None:
    """Register, activate, revoke and show metering devices."""


@device.command("register")
@network_option
@sender_option
@click.option("--device-id", required=True, help="0x-prefixed 32-byte device id.")
@click.option("--project", type=click.IntRange(min=0), required=True, help="Project id.")
@click.option("--signer", "device_signer", required=True, help="Address of the device's signing key.")
@click.option("--kind", type=EnumChoice(KINDS), default="pv-inverter", show_default=True)
@click.option("--capacity-w", type=click.IntRange(min=1, max=2**64 - 1), required=True, help="Rated capacity in W.")
@click.option("--commissioned", required=True, help="Commissioning date: unix seconds or ISO 8601 (UTC).")
def device_register(network_name: str, sender: str | None, device_id: str, project: int, device_signer: str, kind: str,
                    capacity_w: int, commissioned: str) -> None:
    """Register a device of a project (sent by the project's developer)."""
    args = (parse_bytes32(device_id, "--device-id"), project, parse_address(device_signer, "--signer"), KINDS.index(kind),
            capacity_w, parse_time(commissioned, "--commissioned"))
    session = _open(network_name, sender)
    registry = session.contract("DeviceRegistry")
    receipt = _send(session, registry.functions.registerDevice(*args))
    click.echo(f"registered device 0x{args[0].hex()} of project {project} (tx {receipt['transactionHash'].hex()})")


@device.command("activate")
@network_option
@sender_option
@click.argument("device_id")
def device_activate(network_name: str, sender: str | None, device_id: str) -> None:
    """Activate (or re-activate) a device (sent by a verifier)."""
    raw = parse_bytes32(device_id, "DEVICE_ID")
    session = _open(network_name, sender)
    registry = session.contract("DeviceRegistry")
    receipt = _send(session, registry.functions.activate(raw))
    click.echo(f"activated device 0x{raw.hex()} (tx {receipt['transactionHash'].hex()})")


@device.command("revoke")
@network_option
@sender_option
@click.argument("device_id")
@click.option("--reason", default="", help="Reason text (only its keccak256 goes on chain) or a 0x 32-byte hash.")
def device_revoke(network_name: str, sender: str | None, device_id: str, reason: str) -> None:
    """Revoke a device for good (sent by the project's developer or a verifier)."""
    raw = parse_bytes32(device_id, "DEVICE_ID")
    session = _open(network_name, sender)
    registry = session.contract("DeviceRegistry")
    receipt = _send(session, registry.functions.revoke(raw, text_hash(reason)))
    click.echo(f"revoked device 0x{raw.hex()} (tx {receipt['transactionHash'].hex()})")


@device.command("show")
@network_option
@click.argument("device_id")
def device_show(network_name: str, device_id: str) -> None:
    """Show a device's record."""
    raw = parse_bytes32(device_id, "DEVICE_ID")
    registry = _open(network_name).contract("DeviceRegistry").functions
    call = registry.device(raw)
    record, suspensions = call.call(), registry.suspensions(raw).call()
    if fields(call, record)["status"] == 0:
        raise GreenfiError(f"unknown device 0x{raw.hex()}")
    click.echo("\n".join(device_lines(raw, record, suspensions)))


@mrv.group()
def report() -> None:
    """Open, approve and show monitoring reports."""


@report.command("open")
@network_option
@sender_option
@click.option("--project", type=click.IntRange(min=0), required=True, help="Project id.")
@click.option("--start", required=True, help="Period start (inclusive): unix seconds or ISO 8601 (UTC).")
@click.option("--end", required=True, help="Period end (exclusive): unix seconds or ISO 8601 (UTC).")
@click.option("--batch", "batches", multiple=True, required=True, help="A finalized batch id (Merkle root); repeat.")
@click.option("--document", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The published monitoring report; its keccak256 is the report hash.")
@click.option("--report-hash", help="The report hash itself (0x 32 bytes), instead of --document.")
def report_open(network_name: str, sender: str | None, project: int, start: str, end: str, batches: tuple[str, ...],
                document: Path | None, report_hash: str | None) -> None:
    """Open a report over finalized batches (sent by the project's developer)."""
    if (document is None) == (report_hash is None):
        raise ConfigError("give exactly one of --document and --report-hash")
    digest = file_hash(document) if document else parse_bytes32(report_hash, "--report-hash")
    ids = [parse_bytes32(b, "--batch") for b in batches]
    args = (project, parse_time(start, "--start"), parse_time(end, "--end"), ids, digest)
    session = _open(network_name, sender)
    reports = session.contract("MRVReports")
    receipt = _send(session, reports.functions.openReport(*args))
    opened = event_args(reports, receipt, "ReportOpened")
    click.echo(f"opened report {opened['reportId']}: {opened['netGenerationWh']:,} Wh, "
               f"{format_tonnes(opened['reductionGrams'])} (factor version {opened['factorVersion']})")


@report.command("approve")
@network_option
@sender_option
@click.argument("report_id", type=click.IntRange(min=1))
@click.option("--statement", default="", help="Verification statement text (only its keccak256 goes on chain) "
                                             "or a 0x 32-byte hash.")
def report_approve(network_name: str, sender: str | None, report_id: int, statement: str) -> None:
    """Approve an open report (sent by a verifier)."""
    session = _open(network_name, sender)
    reports = session.contract("MRVReports")
    receipt = _send(session, reports.functions.approveReport(report_id, text_hash(statement)))
    click.echo(f"approved report {report_id} (tx {receipt['transactionHash'].hex()})")


@report.command("show")
@network_option
@click.argument("report_id", type=click.IntRange(min=1))
def report_show(network_name: str, report_id: int) -> None:
    """Show a report."""
    reports = _open(network_name).contract("MRVReports")
    call = reports.functions.report(report_id)
    record = call.call()
    report = fields(call, record)
    if report["status"] == 0:
        raise GreenfiError(f"unknown report {report_id}")
    factor = fields(reports.functions.emissionFactorAt(report["projectId"], report["factorVersion"]))["gramsPerMWh"]
    click.echo("\n".join(report_lines(report_id, record, factor)))
