"""Supply-chain e-credit vouchers off chain: ids and paths (mirror VoucherIds.sol), amounts, the
discount formula and the tree assembled from CreditVoucher's events, with its text form.

Pure functions the CLI, the demo and the tests call directly; `fetch_events` is the one reader.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import keccak
from web3 import Web3

from greenfi.chain.contracts import BuildEnum
from greenfi.domain.invoices import InvoiceError, invoice_file_hash
from greenfi.domain.units import format_amount, parse_amount
from greenfi.errors import InvalidValue

ROOT_BITS = 64
DIGIT_BITS = 4
MAX_DEPTH = 48
YEAR_BPS = 10_000 * 365 * 24 * 3600  # basis points × seconds in a 365-day year
STATES = BuildEnum("ICreditVoucher.State")
NODE_EVENTS = ("VoucherIssued", "VoucherSplit", "TransferProposed", "TransferAccepted", "TransferReclaimed",
               "FinancingOffered", "OfferCancelled", "Financed", "Repaid", "Claimed", "MarkedOverdue",
               "TreeFrozen", "TreeUnfrozen")


# ---------------------------------------------------------------- ids and paths (mirror VoucherIds.sol)


def root_of(voucher_id: int) -> int:
    return voucher_id & (2**ROOT_BITS - 1)


def depth_of(voucher_id: int) -> int:
    """The number of path digits above the root bits (digits are never 0, so they are contiguous)."""
    depth, rest = 0, voucher_id >> ROOT_BITS
    while rest:
        depth, rest = depth + 1, rest >> DIGIT_BITS
    return depth


def child_id(parent_id: int, index: int) -> int:
    """The id of part `index` (0-based) of `parent_id`, as CreditVoucher.childId computes it."""
    depth = depth_of(parent_id)
    if depth >= MAX_DEPTH or not 0 <= index < 15:
        raise ValueError(f"no child {index} of voucher {parent_id}")
    return parent_id | ((index + 1) << (ROOT_BITS + DIGIT_BITS * depth))


def parent_of(voucher_id: int) -> int:
    depth = depth_of(voucher_id)
    if depth == 0:
        return 0
    return voucher_id & ~(0xF << (ROOT_BITS + DIGIT_BITS * (depth - 1)))


def path_of(voucher_id: int) -> str:
    """`1.2.1`: root 1, its second part, that part's first part."""
    digits = [str(root_of(voucher_id))]
    rest = voucher_id >> ROOT_BITS
    while rest:
        digits.append(str(rest & 0xF))
        rest >>= DIGIT_BITS
    return ".".join(digits)


def parse_voucher_id(text: str) -> int:
    """A voucher id from its path (`1.2.1`) or its integer form (decimal or 0x hex)."""
    text = text.strip()
    try:
        if text.lower().startswith("0x"):
            return int(text, 16)
        parts = [int(p) for p in text.split(".")]
    except ValueError:
        raise InvalidValue(f"not a voucher id or path: {text!r}") from None
    root, digits = parts[0], parts[1:]
    if len(digits) == 0:
        if root <= 0:
            raise InvalidValue(f"voucher ids start at 1: {text!r}")
        return root
    if not 0 < root < 2**ROOT_BITS or len(digits) > MAX_DEPTH or any(not 1 <= d <= 15 for d in digits):
        raise InvalidValue(f"not a voucher path: {text!r} (root ≥ 1, then part numbers 1..15)")
    voucher_id = root
    for depth, digit in enumerate(digits):
        voucher_id |= digit << (ROOT_BITS + DIGIT_BITS * depth)
    return voucher_id


# ---------------------------------------------------------------- amounts and pricing


def discounted_price(face: int, rate_bps: int, remaining_seconds: int) -> int:
    """face × (1 − rate × remaining / 365 days), rounded down: CreditVoucher.discountedPrice."""
    discount = rate_bps * remaining_seconds
    if discount >= YEAR_BPS:
        return 0
    return face * (YEAR_BPS - discount) // YEAR_BPS


def quote_rate(score_bps: int, base_rate_bps: int, spread_factor_bps: int, green_discount_bps: int,
               green_active: bool, max_rate_bps: int = 10_000) -> int:
    """base + score × factor / 10 000 − green discount (if the project is active), within [0, max]."""
    rate = base_rate_bps + score_bps * spread_factor_bps // 10_000
    if green_active:
        rate = max(rate - green_discount_bps, 0)
    return min(rate, max_rate_bps)


def parse_document(text: str) -> bytes:
    """A trade-document hash: 0x + 64 hex digits, or a file whose keccak256 is taken."""
    if re.fullmatch(r"0x[0-9a-fA-F]{64}", text):
        return bytes.fromhex(text[2:])
    path = Path(text)
    if path.is_file():
        return keccak(path.read_bytes())
    raise InvalidValue(f"neither a 32-byte hex hash nor a file: {text!r}")


def parse_invoice(text: str) -> bytes:
    """The invoice hash: a `.json` file in its canonical form (greenfi.domain.invoices), else as parse_document."""
    path = Path(text)
    if path.suffix.lower() == ".json" and path.is_file():
        try:
            return invoice_file_hash(path)
        except InvoiceError as exc:
            raise InvalidValue(str(exc), param_hint="--invoice") from None
    return parse_document(text)


def parse_part(text: str) -> tuple[str, int]:
    """`RECIPIENT:AMOUNT` of a split."""
    recipient, sep, amount = text.partition(":")
    if not sep or not Web3.is_address(recipient):
        raise InvalidValue(f"a part is ADDRESS:AMOUNT, got {text!r}")
    return Web3.to_checksum_address(recipient), parse_amount(amount)


# ---------------------------------------------------------------- the tree, from events


@dataclass
class Node:
    id: int
    holder: str
    amount: int
    state: str = "Active"
    pending_from: str | None = None
    accept_deadline: int | None = None
    offer: dict[str, Any] | None = None  # {"bank", "max_rate_bps"}
    financing: dict[str, Any] | None = None  # {"bank", "seller", "price", "rate_bps", "quoted_rate_bps", "score_bps", "model_version"}
    claimed: int = 0
    children: list["Node"] = field(default_factory=list)

    @property
    def path(self) -> str:
        return path_of(self.id)


@dataclass
class Tree:
    root: Node
    obligor: str
    maturity: int
    project_id: int
    documents: tuple[str, str, str]
    face: int
    deposited: int = 0
    paid: int = 0
    frozen: bool = False
    overdue_marked: bool = False
    nodes: dict[int, Node] = field(default_factory=dict)

    def leaves(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.state != "Split"]


def build_tree(root_id: int, events: list[dict[str, Any]]) -> Tree:
    """The tree of `root_id` from CreditVoucher events in chain order.

    Each event is `{"event": name, "args": {...}}` (web3's decoded logs fit as they are); events
    of other roots are ignored. Raises ValueError when the root's issue is missing.
    """
    tree: Tree | None = None
    for ev in events:
        name, a = ev["event"], ev["args"]
        if name == "VoucherIssued":
            if a["id"] != root_id:
                continue
            node = Node(root_id, a["holder"], a["amount"])
            tree = Tree(node, a["obligor"], a["maturity"], a["projectId"],
                        tuple("0x" + bytes(a[k]).hex() for k in ("orderHash", "deliveryHash", "invoiceHash")),
                        a["amount"], nodes={root_id: node})
            continue
        if tree is None or a.get("rootId") != root_id:
            continue
        if name == "VoucherSplit":
            parent = tree.nodes[a["parentId"]]
            parent.state = "Split"
            for i, (recipient, amount) in enumerate(zip(a["recipients"], a["amounts"])):
                own = recipient == a["holder"]
                child = Node(child_id(parent.id, i), recipient, amount, "Active" if own else "Pending",
                             None if own else a["holder"], None if own else a["acceptDeadline"])
                parent.children.append(child)
                tree.nodes[child.id] = child
        elif name == "TransferProposed":
            node = tree.nodes[a["id"]]
            node.holder, node.state, node.pending_from, node.accept_deadline = a["to"], "Pending", a["from"], a["acceptDeadline"]
        elif name in ("TransferAccepted", "TransferReclaimed"):
            node = tree.nodes[a["id"]]
            node.holder = a["holder"] if name == "TransferAccepted" else a["to"]
            node.state, node.pending_from, node.accept_deadline = "Active", None, None
        elif name == "FinancingOffered":
            node = tree.nodes[a["id"]]
            node.state, node.offer = "Offered", {"bank": a["bank"], "max_rate_bps": a["maxRateBps"]}
        elif name == "OfferCancelled":
            node = tree.nodes[a["id"]]
            node.state, node.offer = "Active", None
        elif name == "Financed":
            node = tree.nodes[a["id"]]
            node.state, node.offer, node.holder = "Active", None, a["bank"]
            node.financing = {"bank": a["bank"], "seller": a["seller"], "price": a["price"], "rate_bps": a["rateBps"],
                              "quoted_rate_bps": a["quotedRateBps"], "score_bps": a["scoreBps"],
                              "model_version": a["modelVersion"]}
        elif name == "Repaid":
            tree.deposited = a["deposited"]
        elif name == "Claimed":
            node = tree.nodes[a["id"]]
            node.claimed = a["claimed"]
            tree.paid += a["amount"]
            if node.claimed == node.amount:
                node.state = "Redeemed"
        elif name == "MarkedOverdue":
            tree.overdue_marked = True
        elif name in ("TreeFrozen", "TreeUnfrozen"):
            tree.frozen = name == "TreeFrozen"
    if tree is None:
        raise ValueError(f"voucher {root_id} was never issued")
    return tree


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


def _when(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _pct(bps: int) -> str:
    return f"{bps / 100:.2f}%"


def format_tree(tree: Tree, now: int | None = None) -> str:
    """The tree as text: a header with the root's aggregates, then one line per node."""
    flags = [f for f, on in (("FROZEN", tree.frozen), ("OVERDUE", tree.overdue_marked or (
        now is not None and now >= tree.maturity and tree.deposited < tree.face))) if on]
    green = f"  green project {tree.project_id}" if tree.project_id else ""
    lines = [
        f"voucher {tree.root.id}  obligor {tree.obligor}  face {format_amount(tree.face)}  "
        f"maturity {_when(tree.maturity)}{green}" + (f"  [{', '.join(flags)}]" if flags else ""),
        f"deposited {format_amount(tree.deposited)}  paid {format_amount(tree.paid)}",
    ]

    rows: list[tuple[str, Node]] = []

    def walk(node: Node, prefix: str, last: bool, top: bool) -> None:
        branch = "" if top else ("└─ " if last else "├─ ")
        rows.append((f"{prefix}{branch}{node.path}", node))
        child_prefix = prefix if top else prefix + ("   " if last else "│  ")
        for i, child in enumerate(node.children):
            walk(child, child_prefix, i == len(node.children) - 1, False)

    walk(tree.root, "", True, True)
    width = max(len(label) for label, _ in rows)
    for label, node in rows:
        text = f"{label:<{width}}  {node.state:<8} {format_amount(node.amount):>20}  {node.holder}"
        if node.state == "Pending":
            text += f"  (from {_short(node.pending_from)}, accept before {_when(node.accept_deadline)})"
        if node.offer:
            text += f"  (offered to {_short(node.offer['bank'])} at ≤ {_pct(node.offer['max_rate_bps'])})"
        if node.financing:
            f = node.financing
            text += (f"  financed: {_short(f['seller'])} sold for {format_amount(f['price'])} at {_pct(f['rate_bps'])}"
                     f" (quote {_pct(f['quoted_rate_bps'])}, score {f['score_bps']} bps, model {f['model_version']})")
        if node.claimed and node.state != "Redeemed":
            text += f"  claimed {format_amount(node.claimed)}"
        lines.append(text)
    return "\n".join(lines)


def fetch_events(voucher_contract, root_id: int, from_block: int = 0) -> list[dict[str, Any]]:
    """Every CreditVoucher event of `root_id`'s tree, in chain order."""
    found = []
    for name in NODE_EVENTS:
        event = getattr(voucher_contract.events, name)
        filters = {"id": root_id} if name == "VoucherIssued" else {"rootId": root_id}
        for log in event.get_logs(from_block=from_block, argument_filters=filters):
            found.append({"event": name, "args": dict(log["args"]), "order": (log["blockNumber"], log["logIndex"])})
    found.sort(key=lambda e: e["order"])
    return found
