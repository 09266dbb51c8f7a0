"""`greenfi mrv`: metering devices (register, activate, revoke, show), monitoring reports (open,
approve, reject, show), the oracle operators and their threshold (the regulator), emission factors
(set, show), and anchored batches (list, show, finalize, challenge from the published document),
with plain web3.py against the addresses in deployments/<chainId>.json (or --deployments).

Live networks sign with the key from the environment; local nodes with the unlocked account `--from`
names (default the first): greenfi.chain.signers.signer_for. The `show` and `list` commands only
read and need no key. Free text (revocation reasons, verification statements) stays off chain: only
its keccak256 is sent, and a 0x-prefixed 32-byte value is taken as an already computed hash.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from greenfi.chain.contracts import fields
from greenfi.chain.hashes import file_hash, parse_bytes32, text_hash
from greenfi.chain.session import event_args
from greenfi.chain.transactions import decode_custom_error  # noqa: F401 (tests read it here)
from greenfi.cli.connected import Session, open_session
from greenfi.cli.options import EnumChoice, read_options, write_options
from greenfi.domain.mrv import FAULTS, KINDS, batch_line, device_lines, format_mwh, format_tonnes, report_lines, signed_abi
from greenfi.domain.units import format_date, parse_address, parse_time
from greenfi.errors import ConfigError, GreenfiError
from greenfi.paths import DEPLOYMENTS

# Where deployment records are read; tests point it elsewhere.
DEPLOYMENTS_DIR: Path = DEPLOYMENTS

# ---------------------------------------------------------------- chain access


def _open(network_name: str, sender: str | None = None, deployments: Path | None = None) -> Session:
    return open_session(network_name, sender, deployments or DEPLOYMENTS_DIR)


def _send(session: Session, call) -> dict:
    """Send `call`; a refusal names the function and the custom error (`registerDevice would revert: …`)."""
    return session.send(call, label=call.fn_name)


# ---------------------------------------------------------------- commands


@click.group("mrv")
def mrv() -> None:
    """Metering devices, monitoring reports, oracle operators, emission factors and anchored batches
    (DeviceRegistry, MRVReports, MRVAnchor)."""


@mrv.group()
def device() -> None:
    """Register, activate, revoke and show metering devices."""


@device.command("register")
@write_options
@click.option("--device-id", required=True, help="0x-prefixed 32-byte device id.")
@click.option("--project", type=click.IntRange(min=0), required=True, help="Project id.")
@click.option("--signer", "device_signer", required=True, help="Address of the device's signing key.")
@click.option("--kind", type=EnumChoice(KINDS), default="pv-inverter", show_default=True)
@click.option("--capacity-w", type=click.IntRange(min=1, max=2**64 - 1), required=True, help="Rated capacity in W.")
@click.option("--commissioned", required=True, help="Commissioning date: unix seconds or ISO 8601 (UTC).")
def device_register(network_name: str, sender: str | None, deployments: Path | None, device_id: str, project: int,
                    device_signer: str, kind: str, capacity_w: int, commissioned: str) -> None:
    """Register a device of a project (sent by the project's developer)."""
    args = (parse_bytes32(device_id, "--device-id"), project, parse_address(device_signer, "--signer"), KINDS.index(kind),
            capacity_w, parse_time(commissioned, "--commissioned"))
    session = _open(network_name, sender, deployments)
    registry = session.contract("DeviceRegistry")
    receipt = _send(session, registry.functions.registerDevice(*args))
    click.echo(f"registered device 0x{args[0].hex()} of project {project} (tx {receipt['transactionHash'].hex()})")


@device.command("activate")
@write_options
@click.argument("device_id")
def device_activate(network_name: str, sender: str | None, deployments: Path | None, device_id: str) -> None:
    """Activate (or re-activate) a device (sent by a verifier)."""
    raw = parse_bytes32(device_id, "DEVICE_ID")
    session = _open(network_name, sender, deployments)
    registry = session.contract("DeviceRegistry")
    receipt = _send(session, registry.functions.activate(raw))
    click.echo(f"activated device 0x{raw.hex()} (tx {receipt['transactionHash'].hex()})")


@device.command("revoke")
@write_options
@click.argument("device_id")
@click.option("--reason", default="", help="Reason text (only its keccak256 goes on chain) or a 0x 32-byte hash.")
def device_revoke(network_name: str, sender: str | None, deployments: Path | None, device_id: str, reason: str) -> None:
    """Revoke a device for good (sent by the project's developer or a verifier)."""
    raw = parse_bytes32(device_id, "DEVICE_ID")
    session = _open(network_name, sender, deployments)
    registry = session.contract("DeviceRegistry")
    receipt = _send(session, registry.functions.revoke(raw, text_hash(reason)))
    click.echo(f"revoked device 0x{raw.hex()} (tx {receipt['transactionHash'].hex()})")


@device.command("show")
@read_options
@click.argument("device_id")
def device_show(network_name: str, deployments: Path | None, device_id: str) -> None:
    """Show a device's record."""
    raw = parse_bytes32(device_id, "DEVICE_ID")
    registry = _open(network_name, deployments=deployments).contract("DeviceRegistry").functions
    call = registry.device(raw)
    record, suspensions = call.call(), registry.suspensions(raw).call()
    if fields(call, record)["status"] == 0:
        raise GreenfiError(f"unknown device 0x{raw.hex()}")
    click.echo("\n".join(device_lines(raw, record, suspensions)))


@mrv.group()
def report() -> None:
    """Open, approve and show monitoring reports."""


@report.command("open")
@write_options
@click.option("--project", type=click.IntRange(min=0), required=True, help="Project id.")
@click.option("--start", required=True, help="Period start (inclusive): unix seconds or ISO 8601 (UTC).")
@click.option("--end", required=True, help="Period end (exclusive): unix seconds or ISO 8601 (UTC).")
@click.option("--batch", "batches", multiple=True, required=True, help="A finalized batch id (Merkle root); repeat.")
@click.option("--document", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The published monitoring report; its keccak256 is the report hash.")
@click.option("--report-hash", help="The report hash itself (0x 32 bytes), instead of --document.")
def report_open(network_name: str, sender: str | None, deployments: Path | None, project: int, start: str, end: str, batches: tuple[str, ...],
                document: Path | None, report_hash: str | None) -> None:
    """Open a report over finalized batches (sent by the project's developer)."""
    if (document is None) == (report_hash is None):
        raise ConfigError("give exactly one of --document and --report-hash")
    digest = file_hash(document) if document else parse_bytes32(report_hash, "--report-hash")
    ids = [parse_bytes32(b, "--batch") for b in batches]
    args = (project, parse_time(start, "--start"), parse_time(end, "--end"), ids, digest)
    session = _open(network_name, sender, deployments)
    reports = session.contract("MRVReports")
    receipt = _send(session, reports.functions.openReport(*args))
    opened = event_args(reports, receipt, "ReportOpened")
    click.echo(f"opened report {opened['reportId']}: {opened['netGenerationWh']:,} Wh, "
               f"{format_tonnes(opened['reductionGrams'])} (factor version {opened['factorVersion']})")


@report.command("approve")
@write_options
@click.argument("report_id", type=click.IntRange(min=1))
@click.option("--statement", default="", help="Verification statement text (only its keccak256 goes on chain) "
                                             "or a 0x 32-byte hash.")
def report_approve(network_name: str, sender: str | None, deployments: Path | None, report_id: int, statement: str) -> None:
    """Approve an open report (sent by a verifier)."""
    session = _open(network_name, sender, deployments)
    reports = session.contract("MRVReports")
    receipt = _send(session, reports.functions.approveReport(report_id, text_hash(statement)))
    click.echo(f"approved report {report_id} (tx {receipt['transactionHash'].hex()})")


@report.command("show")
@read_options
@click.argument("report_id", type=click.IntRange(min=1))
def report_show(network_name: str, deployments: Path | None, report_id: int) -> None:
    """Show a report."""
    reports = _open(network_name, deployments=deployments).contract("MRVReports")
    call = reports.functions.report(report_id)
    record = call.call()
    report = fields(call, record)
    if report["status"] == 0:
        raise GreenfiError(f"unknown report {report_id}")
    factor = fields(reports.functions.emissionFactorAt(report["projectId"], report["factorVersion"]))["gramsPerMWh"]
    click.echo("\n".join(report_lines(report_id, record, factor)))


@report.command("reject")
@write_options
@click.argument("report_id", type=click.IntRange(min=1))
@click.option("--reason", default="", help="Reason text (only its keccak256 goes on chain) or a 0x 32-byte hash.")
def report_reject(network_name: str, sender: str | None, deployments: Path | None, report_id: int, reason: str) -> None:
    """Reject an open report (sent by a verifier other than the developer); its period and batches can
    be reported again."""
    session = _open(network_name, sender, deployments)
    _send(session, session.contract("MRVReports").functions.rejectReport(report_id, text_hash(reason)))
    click.echo(f"rejected report {report_id}: its period and batches can be reported again")


# ---------------------------------------------------------------- operators (MRVAnchor, REGULATOR_ROLE)


@mrv.group()
def operator() -> None:
    """The oracle operators that anchor batches: add, remove, threshold, list."""


def _operator_command(name: str, function: str, done: str, doc: str) -> None:
    @write_options
    @click.argument("address", metavar="ADDRESS")
    def command(network_name: str, sender: str | None, deployments: Path | None, address: str) -> None:
        account = parse_address(address, "ADDRESS")
        session = _open(network_name, sender, deployments)
        _send(session, getattr(session.contract("MRVAnchor").functions, function)(account))
        click.echo(f"{done} operator {account}")

    command.__doc__ = doc
    operator.command(name)(command)


_operator_command("add", "addOperator", "added",
                  "Add an oracle-operator participant to the operator set (sent by the regulator).")
_operator_command("remove", "removeOperator", "removed",
                  "Remove an operator; batches it signed stay attributed to it (sent by the regulator).")


@operator.command("threshold")
@write_options
@click.argument("k", type=click.IntRange(1, 16), metavar="K")
def operator_threshold(network_name: str, sender: str | None, deployments: Path | None, k: int) -> None:
    """K operators must sign each batch anchored from now on (sent by the regulator; 1 <= K <= operators)."""
    session = _open(network_name, sender, deployments)
    _send(session, session.contract("MRVAnchor").functions.setThreshold(k))
    click.echo(f"threshold set: {k} operator signatures per batch")


@operator.command("list")
@read_options
def operator_list(network_name: str, deployments: Path | None) -> None:
    """The operators, the threshold, the challenge window and the capacity tolerance."""
    anchor = _open(network_name, deployments=deployments).contract("MRVAnchor").functions
    config = fields(anchor.config())
    for slot, account in enumerate(anchor.operators().call()):
        if int(account, 16):
            click.echo(f"slot {slot:2}  {account}")
    click.echo(f"{config['threshold']} of {config['operatorCount']} operators sign a batch; challenge window "
               f"{config['challengeWindow']:,} s; capacity tolerance {config['toleranceBps'] / 100:g} %")


# ---------------------------------------------------------------- emission factors (MRVReports)


@mrv.group()
def factor() -> None:
    """Grid emission factors per project (versioned, forward-only): set, show."""


PROJECT_OPTION = click.option("--project", type=click.IntRange(min=1), required=True, help="Project id.")


@factor.command("set")
@write_options
@PROJECT_OPTION
@click.option("--grams-per-mwh", type=click.IntRange(min=1, max=2**64 - 1), required=True,
              help="Grams CO2e per MWh (at most MAX_GRAMS_PER_MWH, 2,000,000).")
@click.option("--source", default="", help="The published source (text, or a 0x 32-byte hash); its keccak256 goes on chain.")
def factor_set(network_name: str, sender: str | None, deployments: Path | None, project: int, grams_per_mwh: int,
               source: str) -> None:
    """A new version of a project's emission factor; reports opened from now on use it (sent by
    GOVERNOR_ROLE or METHODOLOGY_ROLE on MRVReports)."""
    session = _open(network_name, sender, deployments)
    reports = session.contract("MRVReports")
    receipt = _send(session, reports.functions.setEmissionFactor(project, grams_per_mwh, text_hash(source)))
    version = event_args(reports, receipt, "EmissionFactorSet")["version"]
    click.echo(f"project {project}: emission factor version {version}, {grams_per_mwh:,} g/MWh "
               f"({format_tonnes(grams_per_mwh)} per MWh)")


@factor.command("show")
@read_options
@PROJECT_OPTION
def factor_show(network_name: str, deployments: Path | None, project: int) -> None:
    """A project's current emission factor."""
    reports = _open(network_name, deployments=deployments).contract("MRVReports").functions
    version = reports.emissionFactor(project).call()[0]
    if version == 0:
        raise GreenfiError(f"NoEmissionFactor({project}): set one with `greenfi mrv factor set --project {project} "
                           f"--grams-per-mwh G`")
    current = fields(reports.emissionFactorAt(project, version))
    click.echo(f"project {project}: version {version}, {current['gramsPerMWh']:,} g/MWh since "
               f"{format_date(current['setAt'])}")


# ---------------------------------------------------------------- batches (MRVAnchor)


@mrv.group()
def batch() -> None:
    """Anchored batches of readings: list, show, finalize, challenge."""


ROOT = click.argument("root", metavar="ROOT")


def _batch(session: Session, raw: bytes) -> dict:
    found = fields(session.contract("MRVAnchor").functions.batch(raw))
    if found["status"] == 0:
        raise GreenfiError(f"UnknownBatch(0x{raw.hex()}): see `greenfi mrv batch list`")
    return found


def _now(session: Session) -> int:
    return session.w3.eth.get_block("latest")["timestamp"]


@batch.command("list")
@read_options
@click.option("--project", type=click.IntRange(min=1), help="Only this project's batches.")
def batch_list(network_name: str, deployments: Path | None, project: int | None) -> None:
    """Anchored batches (from BatchAnchored events), oldest first, with their status now."""
    session = _open(network_name, deployments=deployments)
    anchor = session.contract("MRVAnchor")
    logs = anchor.events.BatchAnchored().get_logs(from_block=session.from_block("MRVAnchor"),
                                                  argument_filters={"projectId": project} if project else None)
    now = _now(session)
    for log in logs:
        click.echo(batch_line(log["args"]["batchId"], _batch(session, log["args"]["batchId"]), now))
    if not logs:
        click.echo("no batches anchored")


@batch.command("show")
@read_options
@ROOT
def batch_show(network_name: str, deployments: Path | None, root: str) -> None:
    """One batch: project, window, energy, readings, status and challenge end."""
    raw = parse_bytes32(root, "ROOT")
    session = _open(network_name, deployments=deployments)
    click.echo(batch_line(raw, _batch(session, raw), _now(session)))


@batch.command("finalize")
@write_options
@ROOT
def batch_finalize(network_name: str, sender: str | None, deployments: Path | None, root: str) -> None:
    """Count a batch into its project's finalized energy once its challenge window has passed (anyone)."""
    raw = parse_bytes32(root, "ROOT")
    session = _open(network_name, sender, deployments)
    receipt = _send(session, session.contract("MRVAnchor").functions.finalize(raw))
    done = event_args(session.contract("MRVAnchor"), receipt, "BatchFinalized")
    click.echo(f"finalized batch 0x{raw.hex()}: {format_mwh(done['energyWh'])} counted for project {done['projectId']}")


MAX_SCANNED = 4096  # readings a challenge without --reading checks, one view call each
ZERO_SIGNED = ((bytes(32), 0, 0, 0, 0), bytes(32), bytes(32))  # the unused reading of an inner node's proof


@batch.command("challenge")
@write_options
@ROOT
@click.option("--document", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="The batch document as published (GET /batches/{root}/document): a JSON array of signed readings.")
@click.option("--reading", "index", type=click.IntRange(min=0), help="Challenge the N-th reading of the document "
              "(0-based); default: the first one the anchor finds at fault.")
def batch_challenge(network_name: str, sender: str | None, deployments: Path | None, root: str, document: Path,
                    index: int | None) -> None:
    """Reject a batch by proving one of its readings at fault, or its stated totals false (anyone,
    before the challenge end)."""
    raw = parse_bytes32(root, "ROOT")
    items, tree = read_batch_document(document, raw)
    if index is not None and index >= len(items):
        raise ConfigError(f"--reading {index}: the document holds {len(items)} readings")
    session = _open(network_name, sender, deployments)
    candidates = [index] if index is not None else range(min(len(items), MAX_SCANNED))
    done = _challenge_reading(session, raw, items, tree, candidates)
    if done is None and index is None:
        done = _challenge_totals(session, raw, items)
    if done is None:
        checked = f"reading {index} is not at fault" if index is not None else \
            f"no reading of the {len(candidates)} checked is at fault, and the stated totals are the readings' sums"
        raise GreenfiError(f"nothing to challenge in batch 0x{raw.hex()}: {checked}")
    click.echo(f"rejected batch 0x{raw.hex()}: {done}")


def _challenge_reading(session: Session, raw: bytes, items, tree, candidates) -> str | None:
    """challengeReading with the first candidate the anchor's readingFault view finds at fault."""
    anchor = session.contract("MRVAnchor")
    for i in candidates:
        args = (raw, signed_abi(items[i]), tree.path(i).to_abi())
        fault = session.read(anchor.functions.readingFault(*args))
        if fault:
            _send(session, anchor.functions.challengeReading(*args))
            reading = items[i].reading
            return f"reading {i} (device 0x{reading.device_id.hex()}, sequence {reading.sequence}) is at fault: " \
                   f"{FAULTS.name(fault)}"
    return None


def _challenge_totals(session: Session, raw: bytes, items) -> str | None:
    """challengeTotals with the root opened when the header's totals (the batch's plus what replays
    excluded) are not the sums of the document's readings."""
    from oracles.sumtree import false_statement, open_tree

    anchor = session.contract("MRVAnchor")
    batch, excluded = _batch(session, raw), fields(anchor.functions.excluded(raw))
    root = open_tree(sorted(items, key=lambda item: item.leaf()))
    root.energy_wh = batch["energyWh"] + excluded["energyWh"]
    root.count = batch["readingCount"] + excluded["readingCount"]
    proof = false_statement(root)
    if proof is None:
        return None
    opened = proof.to_abi(signed_abi(proof.node.reading) if proof.node.reading is not None else ZERO_SIGNED)
    fault = session.read(anchor.functions.totalsFault(raw, opened))
    if not fault:
        return None
    _send(session, anchor.functions.challengeTotals(raw, opened))
    return (f"the stated totals ({format_mwh(root.energy_wh)} in {root.count} readings) are not the readings' sums: "
            f"{FAULTS.name(fault)}")


def read_batch_document(path: Path, root: bytes):
    """The signed readings of a published batch document and their Merkle-sum tree, checked against `root`."""
    from oracles.codec import batch_tree, from_json

    try:
        rows = json.loads(path.read_text())
        items = [from_json(row) for row in rows] if isinstance(rows, list) else None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"--document {path}: not a batch document (a JSON array of signed readings): {exc}") from None
    if not items:
        raise ConfigError(f"--document {path}: not a batch document (a JSON array of signed readings)")
    tree = batch_tree(items)
    if tree.root != root:
        raise ConfigError(f"--document {path} is the document of batch 0x{tree.root.hex()}, not of 0x{root.hex()}")
    return items, tree
