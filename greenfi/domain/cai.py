"""Carbon batches by Carbon Asset Identifier (CAI), assembled from contract events.

A CAI is a bytes32: the high 24 bytes commit to (chain, CarbonCredits address, project, vintage,
serial range, monitoring-report hash), the low 8 bytes are the batch id. Its readable form is
`CAI-<jurisdiction>-<project>-<vintage>-<batch>-<serialStart>-<serialEnd>`, e.g.
`CAI-CN-1-2025-3-1001-1900`. `load_events` reads the events; the assembly (`index_batches`, `trace`,
the formatters) is pure.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from web3 import Web3

from greenfi.chain import contracts
from greenfi.chain.contracts import BuildEnum
from greenfi.errors import GreenfiError

CONTRACTS = ("ProjectRegistry", "CarbonCredits", "CarbonMarket")
ZERO = "0x0000000000000000000000000000000000000000"
STATUS = BuildEnum("IProjectRegistry.ProjectStatus")
# A credit class as its short name and unit: VerifiedEmissionReduction -> "VER (tCO2e)".
UNITS = {"VerifiedEmissionReduction": "tCO2e", "GreenElectricityCertificate": "MWh"}
CREDIT_CLASS = BuildEnum("IProjectRegistry.CreditClass",
                         lambda m: "".join(c for c in m if c.isupper()) + f" ({UNITS.get(m, '?')})")
REASON = {1: "voluntary offset", 2: "compliance obligation", 3: "green-electricity claim", 4: "other"}
_READABLE = re.compile(r"^CAI-([A-Z]{2})-(\d+)-(\d{4}(?:_\d{4})?)-(\d+)-(\d+)-(\d+)$")
_HEX = re.compile(r"^0x[0-9a-fA-F]{64}$")


# ---------------------------------------------------------------------------- CAI strings


def vintage_label(start: int, end: int) -> str:
    """The UTC year of a vintage [start, end), or `Y1_Y2` when it spans years."""
    first = datetime.fromtimestamp(start, timezone.utc).year
    last = datetime.fromtimestamp(max(start, end - 1), timezone.utc).year
    return str(first) if first == last else f"{first}_{last}"


def cai_string(jurisdiction: str, project_id: int, vintage_start: int, vintage_end: int, batch_id: int,
               serial_start: int, serial_end: int) -> str:
    """The readable CAI: CAI-<jurisdiction>-<project>-<vintage>-<batch>-<serialStart>-<serialEnd>."""
    return (f"CAI-{jurisdiction}-{project_id}-{vintage_label(vintage_start, vintage_end)}-{batch_id}-"
            f"{serial_start}-{serial_end}")


@dataclass(frozen=True)
class CaiQuery:
    """What the user gave: a batch id, and the CAI hash or readable fields to check it against."""

    batch_id: int
    cai: str | None = None  # 0x-hex bytes32, when given as hash
    readable: str | None = None  # the readable string, when given so


def parse_cai(text: str) -> CaiQuery:
    """A CAI as hash (0x + 64 hex), readable string, or plain batch id; GreenfiError otherwise."""
    text = text.strip()
    if _HEX.match(text):
        cai = text.lower()
        return CaiQuery(int(cai[-16:], 16), cai=cai)
    match = _READABLE.match(text)
    if match:
        return CaiQuery(int(match.group(4)), readable=text)
    if text.isdigit() and int(text) > 0:
        return CaiQuery(int(text))
    raise GreenfiError(f"not a CAI: {text!r} (give 0x + 64 hex digits, CAI-CC-project-vintage-batch-start-end, "
                       "or a batch id)")


# ---------------------------------------------------------------------------- events -> batches


@dataclass
class Batch:
    batch_id: int
    cai: str
    project_id: int
    report_id: int
    report: dict[str, Any]
    serial_start: int
    serial_end: int
    quantity: int
    developer: str
    jurisdiction: str = "??"
    credit_class: int = 0
    buffered: int = 0
    retired: int = 0
    cancelled: int = 0
    balances: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def readable(self) -> str:
        return cai_string(self.jurisdiction, self.project_id, self.report["periodStart"], self.report["periodEnd"],
                          self.batch_id, self.serial_start, self.serial_end)

    def supply(self, market: str | None) -> dict[str, int]:
        # As CarbonCredits.supplyOf: escrowed (listed) units are not circulating.
        escrowed = self.balances.get(market, 0) if market else 0
        circulating = sum(self.balances.values()) - escrowed
        return {"issued": self.quantity, "circulating": circulating, "escrowed": escrowed,
                "retired": self.retired, "cancelled": self.cancelled, "buffered": self.buffered}

    def holders(self) -> dict[str, int]:
        return {a: b for a, b in sorted(self.balances.items(), key=lambda kv: -kv[1]) if b}


def _order(events: list[dict]) -> list[dict]:
    return sorted(events, key=lambda e: (e["block"], e["log_index"]))


def _hex(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value)


def _jurisdiction(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("ascii", "replace")
    text = str(value)
    return bytes.fromhex(text[2:]).decode("ascii", "replace") if text.startswith("0x") else text


def index_batches(events: list[dict]) -> dict[int, Batch]:
    """Every batch with its supply by status and its holders, replayed from decoded events.

    An event is a dict: contract, event, args (decoded, plain), block, log_index, tx.
    """
    projects: dict[int, dict] = {}
    batches: dict[int, Batch] = {}
    for e in _order(events):
        name, a = e["event"], e["args"]
        if name == "ProjectSubmitted":
            projects[a["projectId"]] = a
        elif name == "Issued":
            report = dict(a["report"])
            batches[a["batchId"]] = Batch(a["batchId"], _hex(a["cai"]), a["projectId"], a["reportId"], report,
                                          a["serialStart"], a["serialEnd"], a["quantity"], a["developer"],
                                          buffered=a["buffered"])
        elif name == "TransferSingle" and a["id"] in batches:
            _move(batches[a["id"]], a["from"], a["to"], a["value"])
        elif name == "TransferBatch":
            for token_id, value in zip(a["ids"], a["values"]):
                if token_id in batches:
                    _move(batches[token_id], a["from"], a["to"], value)
        elif name == "Retired" and a["batchId"] in batches:
            batches[a["batchId"]].retired += a["amount"]
        elif name == "Cancelled" and a["batchId"] in batches:
            batches[a["batchId"]].cancelled += a["amount"]
        elif name == "Reversed" and a["batchId"] in batches:
            b = batches[a["batchId"]]
            b.cancelled += a["amount"]
            b.buffered -= a["fromBuffer"]
    for b in batches.values():
        p = projects.get(b.project_id)
        if p:
            b.jurisdiction, b.credit_class = _jurisdiction(p["jurisdiction"]), p["creditClass"]
    return batches


def _move(batch: Batch, sender: str, recipient: str, value: int) -> None:
    if sender != ZERO:
        batch.balances[sender] -= value
    if recipient != ZERO:
        batch.balances[recipient] += value


def resolve(query: CaiQuery, batches: dict[int, Batch]) -> Batch:
    """The batch `query` names; GreenfiError when unknown or when the CAI does not match it."""
    batch = batches.get(query.batch_id)
    if batch is None:
        raise GreenfiError(f"no batch {query.batch_id} on this chain")
    if query.cai and query.cai != batch.cai.lower():
        raise GreenfiError(f"CAI {query.cai} does not match batch {query.batch_id} (its CAI is {batch.cai})")
    if query.readable and query.readable != batch.readable:
        raise GreenfiError(f"{query.readable} does not match batch {query.batch_id} (it is {batch.readable})")
    return batch


# ---------------------------------------------------------------------------- trace


@dataclass(frozen=True)
class Step:
    block: int
    log_index: int
    tx: str
    kind: str
    text: str


def trace(events: list[dict], batch_id: int, market: str | None = None) -> list[Step]:
    """The chain of custody of batch `batch_id`, in chain order: its project's registration and
    status changes, the monitoring report and its verifier, issuance, transfers, market listings,
    fills and cancellations, retirements with certificates, cancellations and reversals."""
    batches = index_batches(events)
    if batch_id not in batches:
        raise GreenfiError(f"no batch {batch_id} on this chain")
    batch = batches[batch_id]
    listings: set[int] = set()
    steps: list[Step] = []

    def add(e: dict, kind: str, text: str) -> None:
        steps.append(Step(e["block"], e["log_index"], e.get("tx", ""), kind, text))

    for e in _order(events):
        name, a = e["event"], e["args"]
        if a.get("projectId") == batch.project_id and e["contract"] == "ProjectRegistry":
            if name == "ProjectSubmitted":
                add(e, "project", f"project {batch.project_id} submitted by {a['developer']}: "
                                  f"{CREDIT_CLASS[a['creditClass']]}, {_jurisdiction(a['jurisdiction'])}, "
                                  f"methodology {_hex(a['methodologyId'])[:18]}…")
            elif name == "ProjectStatusChanged" and a["from"] != 0:
                add(e, "project", f"project {batch.project_id} {STATUS[a['from']]} -> {STATUS[a['to']]} "
                                  f"by {a['actor']} (evidence {_hex(a['evidenceHash'])[:18]}…)")
            elif name == "DocumentUpdated":
                add(e, "document", f"document {_hex(a['name'])[:18]}… at {a['uri']}")
        elif name == "Issued" and a["batchId"] == batch_id:
            r = a["report"]
            add(e, "report", f"monitoring report {a['reportId']} (hash {_hex(r['reportHash'])}) verified by "
                             f"{r['verifier']}: {r['reductionGrams']} gCO2e, {r['netGenerationWh']} Wh, "
                             f"period {_date(r['periodStart'])} to {_date(r['periodEnd'])}")
            add(e, "issuance", f"batch {batch_id} issued: {a['quantity']} units, serials {a['serialStart']}-"
                               f"{a['serialEnd']}, {a['buffered']} to the buffer pool, "
                               f"{a['quantity'] - a['buffered']} to {a['developer']}")
        elif name == "TransferSingle" and a["id"] == batch_id and ZERO not in (a["from"], a["to"]):
            if a["to"] == market or a["from"] == market:
                continue  # escrow legs: shown as the listing, fill or cancellation
            add(e, "transfer", f"{a['value']} from {a['from']} to {a['to']}")
        elif name == "Listed" and a["batchId"] == batch_id:
            listings.add(a["listingId"])
            add(e, "listing", f"listing {a['listingId']}: {a['amount']} units by {a['seller']} at "
                              f"{a['unitPrice']} per unit until {_date(a['expiry'])}")
        elif name == "Filled" and a["batchId"] == batch_id:
            add(e, "fill", f"listing {a['listingId']}: {a['quantity']} units to {a['buyer']} for {a['cost']} "
                           f"(fee {a['fee']})")
        elif name == "ListingCancelledBySeller" and a["listingId"] in listings:
            add(e, "listing", f"listing {a['listingId']} cancelled, {a['returned']} units back to {a['seller']}")
        elif name == "Retired" and a["batchId"] == batch_id:
            c = a["claim"]
            add(e, "retirement", f"certificate {a['certificateId']}: {a['amount']} units retired by "
                                 f"{a['retiree']} for {c['beneficiary']} ({REASON.get(c['reasonCode'], c['reasonCode'])}, "
                                 f"{_jurisdiction(c['jurisdiction'])}, {_date(c['periodStart'])} to "
                                 f"{_date(c['periodEnd'])})")
        elif name == "Cancelled" and a["batchId"] == batch_id:
            add(e, "cancellation", f"{a['amount']} units of {a['holder']} cancelled by the regulator "
                                   f"(reason {_hex(a['reasonHash'])[:18]}…)")
        elif name == "Reversed" and a["batchId"] == batch_id:
            add(e, "reversal", f"{a['amount']} units reversed: {a['fromBuffer']} from the buffer pool, "
                               f"{a['fromHolder']} from {a['holder']} (reason {_hex(a['reasonHash'])[:18]}…)")
    return steps


def _date(ts: int) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d")


# ---------------------------------------------------------------------------- formatting


def format_supply(supply: dict[str, int]) -> str:
    return "  ".join(f"{k} {v}" for k, v in supply.items())


def format_list(batches: dict[int, Batch], market: str | None) -> list[str]:
    if not batches:
        return ["no batches issued"]
    return [f"{b.batch_id:>5}  {b.readable}  {format_supply(b.supply(market))}" for b in batches.values()]


def format_show(batch: Batch, market: str | None) -> list[str]:
    lines = [
        f"batch       {batch.batch_id}",
        f"CAI         {batch.readable}",
        f"CAI hash    {batch.cai}",
        f"project     {batch.project_id} ({CREDIT_CLASS[batch.credit_class]}, {batch.jurisdiction})",
        f"vintage     {_date(batch.report['periodStart'])} to {_date(batch.report['periodEnd'])}",
        f"serials     {batch.serial_start}-{batch.serial_end}",
        f"report      {batch.report_id} {_hex(batch.report['reportHash'])} verified by {batch.report['verifier']}",
        f"supply      {format_supply(batch.supply(market))}",
        "holders",
    ]
    holders = batch.holders()
    lines += [f"  {a}  {v}{'  (market escrow)' if a == market else ''}" for a, v in holders.items()] or ["  none"]
    return lines


def format_trace(batch: Batch, steps: list[Step]) -> list[str]:
    lines = [f"{batch.readable}", f"{batch.cai}"]
    lines += [f"  block {s.block:>6}  {s.kind:<12} {s.text}" for s in steps]
    return lines


# ---------------------------------------------------------------------------- chain I/O


def plain(value: Any) -> Any:
    """web3's decoded values (AttributeDict, HexBytes, tuples) as plain Python."""
    if isinstance(value, dict) or hasattr(value, "items"):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (bytes, bytearray)) and len(value) == 2:
        return bytes(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return value


def load_events(w3: Web3, addresses: dict[str, str], from_block: int = 0) -> list[dict]:
    """All events of the carbon contracts in `addresses`, decoded and plain."""
    events = []
    for name in CONTRACTS:
        if name not in addresses:
            continue
        contract = contracts.at(w3, name, addresses[name])
        for item in contract.abi:
            if item.get("type") != "event":
                continue
            for log in getattr(contract.events, item["name"])().get_logs(from_block=from_block):
                events.append({
                    "contract": name, "event": log["event"], "args": plain(log["args"]),
                    "block": log["blockNumber"], "log_index": log["logIndex"],
                    "tx": "0x" + bytes(log["transactionHash"]).hex(),
                })
    return events
