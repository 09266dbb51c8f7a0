"""`greenfi mrv`: register, activate and revoke metering devices, and open, approve and show
monitoring reports, with plain web3.py against the addresses in deployments/<chainId>.json.

Live networks sign with the key from the environment (greenfi.chain.signers.signer_from_env); embedded
chains with the node's first unlocked account. Free text (revocation reasons, verification
statements) stays off chain: only its keccak256 is sent, and a 0x-prefixed 32-byte value is taken
as an already computed hash.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from web3 import Web3

from greenfi.chain import contracts, networks, node as chain
from greenfi.cli.options import network_option
from greenfi.chain.deployments import DeploymentRecord
from greenfi.errors import ConfigError, GreenfiError
from greenfi.chain.hashes import file_hash, parse_bytes32, text_hash
from greenfi.paths import DEPLOYMENTS
from greenfi.chain.signers import Signer, UnlockedSigner, signer_from_env
from greenfi.chain.transactions import decode_custom_error, transact  # noqa: F401 (decode_custom_error: tests)
from greenfi.domain.mrv import KINDS, device_lines, format_mwh, format_tonnes, report_lines  # noqa: F401 (format_mwh: tests)
from greenfi.domain.units import parse_address, parse_time

# Where deployment records are read; tests point it elsewhere.
DEPLOYMENTS_DIR: Path = DEPLOYMENTS

# ---------------------------------------------------------------- chain access


@contextlib.contextmanager
def _session(network_name: str) -> Iterator[tuple[Web3, Signer, dict[str, str]]]:
    network = networks.resolve(network_name)
    signer: Signer | None = None if network.embedded else signer_from_env()  # fail before connecting
    conn = chain.attach(network)
    signer = signer or UnlockedSigner(conn.w3.eth.accounts[0])
    yield conn.w3, signer, DeploymentRecord(conn.chain_id, directory=DEPLOYMENTS_DIR).addresses()


def _contract(w3: Web3, addresses: dict[str, str], name: str):
    if name not in addresses:
        raise ConfigError(f"{name} is not deployed on chain {w3.eth.chain_id}: run `greenfi deploy` first")
    return contracts.at(w3, name, addresses[name])


def _send(w3: Web3, signer: Signer, contract, call) -> dict:
    """Send `call`, naming the custom error if it would revert."""
    return transact(w3, signer, call, label=call.fn_name)


def _event(contract, receipt, name: str) -> dict[str, Any]:
    events = getattr(contract.events, name)().process_receipt(receipt)
    if not events:
        raise GreenfiError(f"no {name} event in transaction {receipt['transactionHash'].hex()}")
    return dict(events[0]["args"])


# ---------------------------------------------------------------- commands


@click.group("mrv")
def mrv() -> None:
    """Metering devices and monitoring reports (DeviceRegistry, MRVReports)."""


@mrv.group()
def device() -> None:
    """Register, activate, revoke and show metering devices."""


@device.command("register")
@network_option
@click.option("--device-id", required=True, help="0x-prefixed 32-byte device id.")
@click.option("--project", type=click.IntRange(min=0), required=True, help="Project id.")
@click.option("--signer", "device_signer", required=True, help="Address of the device's signing key.")
@click.option("--kind", type=click.Choice(list(KINDS)), default="pv-inverter", show_default=True)
@click.option("--capacity-w", type=click.IntRange(min=1, max=2**64 - 1), required=True, help="Rated capacity in W.")
@click.option("--commissioned", required=True, help="Commissioning date: unix seconds or ISO 8601 (UTC).")
def device_register(network_name: str, device_id: str, project: int, device_signer: str, kind: str,
                    capacity_w: int, commissioned: str) -> None:
    """Register a device of a project (sent by the project's developer)."""
    args = (parse_bytes32(device_id, "--device-id"), project, parse_address(device_signer, "--signer"), KINDS[kind],
            capacity_w, parse_time(commissioned, "--commissioned"))
    with _session(network_name) as (w3, signer, addresses):
        registry = _contract(w3, addresses, "DeviceRegistry")
        receipt = _send(w3, signer, registry, registry.functions.registerDevice(*args))
    click.echo(f"registered device 0x{args[0].hex()} of project {project} (tx {receipt['transactionHash'].hex()})")


@device.command("activate")
@network_option
@click.argument("device_id")
def device_activate(network_name: str, device_id: str) -> None:
    """Activate (or re-activate) a device (sent by a verifier)."""
    raw = parse_bytes32(device_id, "DEVICE_ID")
    with _session(network_name) as (w3, signer, addresses):
        registry = _contract(w3, addresses, "DeviceRegistry")
        receipt = _send(w3, signer, registry, registry.functions.activate(raw))
    click.echo(f"activated device 0x{raw.hex()} (tx {receipt['transactionHash'].hex()})")


@device.command("revoke")
@network_option
@click.argument("device_id")
@click.option("--reason", default="", help="Reason text (only its keccak256 goes on chain) or a 0x 32-byte hash.")
def device_revoke(network_name: str, device_id: str, reason: str) -> None:
    """Revoke a device for good (sent by the project's developer or a verifier)."""
    raw = parse_bytes32(device_id, "DEVICE_ID")
    with _session(network_name) as (w3, signer, addresses):
        registry = _contract(w3, addresses, "DeviceRegistry")
        receipt = _send(w3, signer, registry, registry.functions.revoke(raw, text_hash(reason)))
    click.echo(f"revoked device 0x{raw.hex()} (tx {receipt['transactionHash'].hex()})")


@device.command("show")
@network_option
@click.argument("device_id")
def device_show(network_name: str, device_id: str) -> None:
    """Show a device's record."""
    raw = parse_bytes32(device_id, "DEVICE_ID")
    with _session(network_name) as (w3, _signer, addresses):
        record = _contract(w3, addresses, "DeviceRegistry").functions.device(raw).call()
    if record[2] == 0:
        raise GreenfiError(f"unknown device 0x{raw.hex()}")
    click.echo("\n".join(device_lines(raw, record)))


@mrv.group()
def report() -> None:
    """Open, approve and show monitoring reports."""


@report.command("open")
@network_option
@click.option("--project", type=click.IntRange(min=0), required=True, help="Project id.")
@click.option("--start", required=True, help="Period start (inclusive): unix seconds or ISO 8601 (UTC).")
@click.option("--end", required=True, help="Period end (exclusive): unix seconds or ISO 8601 (UTC).")
@click.option("--batch", "batches", multiple=True, required=True, help="A finalized batch id (Merkle root); repeat.")
@click.option("--document", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The published monitoring report; its keccak256 is the report hash.")
@click.option("--report-hash", help="The report hash itself (0x 32 bytes), instead of --document.")
def report_open(network_name: str, project: int, start: str, end: str, batches: tuple[str, ...],
                document: Path | None, report_hash: str | None) -> None:
    """Open a report over finalized batches (sent by the project's developer)."""
    if (document is None) == (report_hash is None):
        raise ConfigError("give exactly one of --document and --report-hash")
    digest = file_hash(document) if document else parse_bytes32(report_hash, "--report-hash")
    ids = [parse_bytes32(b, "--batch") for b in batches]
    args = (project, parse_time(start, "--start"), parse_time(end, "--end"), ids, digest)
    with _session(network_name) as (w3, signer, addresses):
        reports = _contract(w3, addresses, "MRVReports")
        receipt = _send(w3, signer, reports, reports.functions.openReport(*args))
        opened = _event(reports, receipt, "ReportOpened")
    click.echo(f"opened report {opened['reportId']}: {opened['netGenerationWh']:,} Wh, "
               f"{format_tonnes(opened['reductionGrams'])} (factor version {opened['factorVersion']})")


@report.command("approve")
@network_option
@click.argument("report_id", type=click.IntRange(min=1))
@click.option("--statement", default="", help="Verification statement text (only its keccak256 goes on chain) "
                                             "or a 0x 32-byte hash.")
def report_approve(network_name: str, report_id: int, statement: str) -> None:
    """Approve an open report (sent by a verifier)."""
    with _session(network_name) as (w3, signer, addresses):
        reports = _contract(w3, addresses, "MRVReports")
        receipt = _send(w3, signer, reports, reports.functions.approveReport(report_id, text_hash(statement)))
    click.echo(f"approved report {report_id} (tx {receipt['transactionHash'].hex()})")


@report.command("show")
@network_option
@click.argument("report_id", type=click.IntRange(min=1))
def report_show(network_name: str, report_id: int) -> None:
    """Show a report."""
    with _session(network_name) as (w3, _signer, addresses):
        reports = _contract(w3, addresses, "MRVReports")
        record = reports.functions.report(report_id).call()
        if record[5] == 0:
            raise GreenfiError(f"unknown report {report_id}")
        factor = reports.functions.emissionFactorAt(record[0], record[4]).call()[0]
    click.echo("\n".join(report_lines(report_id, record, factor)))
