"""Metering devices and monitoring reports off chain: kinds, statuses, units and the text of a record."""

from __future__ import annotations

from decimal import Decimal

from greenfi.chain.contracts import BuildEnum, kebab
from greenfi.domain.units import format_date, format_time

KINDS = BuildEnum("IDeviceRegistry.DeviceKind", kebab)  # pv-inverter, energy-meter, ...
DEVICE_STATUSES = BuildEnum("IDeviceRegistry.DeviceStatus", str.lower)
REPORT_STATUSES = BuildEnum("IMRVReports.ReportStatus", str.lower)
GRAMS_PER_TONNE = 10**6
WH_PER_MWH = 10**6

def format_tonnes(grams: int) -> str:
    """Grams CO2e as exact tonnes."""
    return f"{Decimal(grams) / GRAMS_PER_TONNE:f} tCO2e"


def format_mwh(wh: int) -> str:
    return f"{Decimal(wh) / WH_PER_MWH:f} MWh"


def device_lines(device_id: bytes, record: tuple | list, suspensions: list | tuple = ()) -> list[str]:
    """Human-readable lines for an IDeviceRegistry.Device record and its suspensions."""
    signer, kind, status, commissioned, project, capacity, activated, revoked = record
    kind_name = KINDS.name(kind)
    return [
        f"device      0x{bytes(device_id).hex()}",
        f"status      {DEVICE_STATUSES[status]}",
        f"project     {project}",
        f"kind        {kind_name}",
        f"signer      {signer}",
        f"capacity    {capacity:,} W",
        f"commissioned {format_time(commissioned)}",
        f"activated   {format_time(activated)}",
        *(f"suspended   {format_time(start)}" + (f" until {format_time(end)}" if end else "")
          for start, end in suspensions),
        f"revoked     {format_time(revoked)}",
    ]


def report_lines(report_id: int, record: tuple | list, factor_g_per_mwh: int | None = None) -> list[str]:
    """Human-readable lines for an IMRVReports.Report record."""
    (project, start, end, _previous_end, version, status, developer, verifier, net_wh, reduction_g, report_hash,
     decision_hash) = record
    factor = f" ({factor_g_per_mwh:,} g/MWh)" if factor_g_per_mwh is not None else ""
    return [
        f"report      {report_id}",
        f"status      {REPORT_STATUSES[status]}",
        f"project     {project}",
        f"period      {format_time(start)} .. {format_time(end)}",
        f"generation  {net_wh:,} Wh = {format_mwh(net_wh)}",
        f"factor      version {version}{factor}",
        f"reduction   {reduction_g:,} g = {format_tonnes(reduction_g)}",
        f"developer   {developer}",
        f"verifier    {verifier if int(verifier, 16) else '-'}",
        f"report hash 0x{bytes(report_hash).hex()}",
        f"decision    0x{bytes(decision_hash).hex()}" if int.from_bytes(bytes(decision_hash), "big") else "decision    -",
    ]


BATCH_STATUSES = BuildEnum("IMRVAnchor.BatchStatus", str.lower)
FAULTS = BuildEnum("IMRVAnchor.Fault")


def batch_line(root: bytes, batch: dict, now: int) -> str:
    """One anchored batch (an IMRVAnchor.Batch by field name) as `greenfi mrv batch show|list` print it."""
    status = BATCH_STATUSES.name(batch["status"])
    if batch["status"] == 1:  # Anchored: say whether it can still be challenged or can be finalized
        status += (f", challenges until {format_date(batch['challengeEnd'])}" if now < batch["challengeEnd"]
                   else f", final since {format_date(batch['challengeEnd'])}: finalize it")
    return (f"0x{bytes(root).hex()}  project {batch['projectId']}  {format_date(batch['windowStart'])} to "
            f"{format_date(batch['windowEnd'])}  {format_mwh(batch['energyWh'])} in {batch['readingCount']} readings  "
            f"{status}")


def signed_abi(signed) -> tuple:
    """An oracles.codec.SignedReading as the IMRVAnchor.SignedReading struct ((reading), r, vs)."""
    r = signed.reading
    return ((r.device_id, r.sequence, r.period_start, r.period_end, r.energy_wh), signed.signature[:32],
            signed.signature[32:])
