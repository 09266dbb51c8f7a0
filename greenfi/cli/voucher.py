"""`greenfi voucher ...`: issue, split, pass on, discount and redeem supply-chain e-credit vouchers.

The pure parts (voucher ids and paths, amounts, the discount formula, the tree assembled from
CreditVoucher's events and its text form) are plain functions that tests call directly; the
click commands around them only read the chain and send transactions (plain web3.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click
from eth_utils import keccak
from web3 import Web3

from greenfi.chain import contracts, networks, node as chain
from greenfi.cli.options import address_option, network_option, sender_option
from greenfi.errors import ConfigError, GreenfiError
from greenfi.chain.signers import Signer, signer_for
from greenfi.chain.transactions import transact

DECIMALS = 6  # settlement token
UNIT = 10**DECIMALS
ROOT_BITS = 64
DIGIT_BITS = 4
MAX_DEPTH = 48
YEAR_BPS = 10_000 * 365 * 24 * 3600  # basis points × seconds in a 365-day year
STATES = ["None", "Active", "Pending", "Offered", "Split", "Redeemed"]
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
        raise click.BadParameter(f"not a voucher id or path: {text!r}") from None
    root, digits = parts[0], parts[1:]
    if len(digits) == 0:
        if root <= 0:
            raise click.BadParameter(f"voucher ids start at 1: {text!r}")
        return root
    if not 0 < root < 2**ROOT_BITS or len(digits) > MAX_DEPTH or any(not 1 <= d <= 15 for d in digits):
        raise click.BadParameter(f"not a voucher path: {text!r} (root ≥ 1, then part numbers 1..15)")
    voucher_id = root
    for depth, digit in enumerate(digits):
        voucher_id |= digit << (ROOT_BITS + DIGIT_BITS * depth)
    return voucher_id


# ---------------------------------------------------------------- amounts and pricing


def parse_amount(text: str) -> int:
    """`1250.5` settlement-token units → base units (6 decimals), refusing finer amounts."""
    try:
        value = Decimal(text.replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise click.BadParameter(f"not an amount: {text!r}") from None
    base = value * UNIT
    if value <= 0 or base != base.to_integral_value():
        raise click.BadParameter(f"amount must be positive with at most {DECIMALS} decimals: {text!r}")
    return int(base)


def format_amount(base_units: int) -> str:
    whole, frac = divmod(int(base_units), UNIT)
    return f"{whole:,}.{frac:0{DECIMALS}d}"


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
    raise click.BadParameter(f"neither a 32-byte hex hash nor a file: {text!r}")


def parse_part(text: str) -> tuple[str, int]:
    """`RECIPIENT:AMOUNT` of a split."""
    recipient, sep, amount = text.partition(":")
    if not sep or not Web3.is_address(recipient):
        raise click.BadParameter(f"a part is ADDRESS:AMOUNT, got {text!r}")
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


# ---------------------------------------------------------------- chain access


@dataclass
class Session:
    w3: Web3
    signer: Signer
    voucher: Any  # web3 Contract
    from_block: int = 0


def open_session(network_name: str, sender: str | None, address: str | None) -> Session:
    from greenfi.chain.deployments import DeploymentRecord

    network = networks.resolve(network_name)
    w3 = chain.attach(network).w3
    signer = signer_for(w3, network, sender)
    from_block = 0
    if address is None:
        deployed = DeploymentRecord(w3.eth.chain_id).get("CreditVoucher")
        if deployed is None:
            raise ConfigError(f"no CreditVoucher in deployments/{w3.eth.chain_id}.json: deploy it or pass --address")
        address, from_block = deployed.address, deployed.block or 0
    elif not Web3.is_address(address):
        raise ConfigError(f"--address is not an address: {address}")
    return Session(w3, signer, contracts.at(w3, "CreditVoucher", address), from_block)


def tree_text(voucher_contract, root_id: int, from_block: int = 0, now: int | None = None) -> str:
    events = fetch_events(voucher_contract, root_id, from_block)
    try:
        return format_tree(build_tree(root_id, events), now)
    except ValueError as exc:
        raise GreenfiError(str(exc)) from None


# ---------------------------------------------------------------- commands

VOUCHER_ID = click.argument("voucher_id", metavar="ID")


def _common(fn):
    return network_option(sender_option(address_option("--address", "address", "CreditVoucher")(fn)))


def _send(session: Session, call) -> Any:
    receipt = transact(session.w3, session.signer, call)
    click.echo(f"mined in block {receipt['blockNumber']}, gas {receipt['gasUsed']:,}")
    return receipt


def _token(session: Session):
    return contracts.at(session.w3, "SettlementToken", session.voucher.functions.settlementToken().call())


@click.group("voucher")
def voucher_cli() -> None:
    """Supply-chain e-credit vouchers: issue, split, transfer, accept, finance, repay, claim, tree."""


@voucher_cli.command()
@_common
@click.argument("holder")
@click.argument("amount")
@click.option("--maturity", required=True, metavar="YYYY-MM-DD", help="Maturity date (00:00 UTC).")
@click.option("--order", required=True, metavar="HASH|FILE", help="Purchase order: 0x hash or a file to hash.")
@click.option("--delivery", required=True, metavar="HASH|FILE", help="Delivery note: 0x hash or a file to hash.")
@click.option("--invoice", required=True, metavar="HASH|FILE", help="Invoice: 0x hash or a file to hash.")
@click.option("--project", type=int, default=0, show_default=True, help="Green project id (0: not green-tagged).")
def issue(network_name, sender, address, holder, amount, maturity, order, delivery, invoice, project):
    """Issue a voucher of AMOUNT (settlement-token units) from the caller to HOLDER."""
    if not Web3.is_address(holder):
        raise click.BadParameter(f"not an address: {holder}", param_hint="HOLDER")
    try:
        when = int(dt.datetime.strptime(maturity, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc).timestamp())
    except ValueError:
        raise click.BadParameter(f"not a date YYYY-MM-DD: {maturity}", param_hint="--maturity") from None
    base = parse_amount(amount)
    docs = [parse_document(d) for d in (order, delivery, invoice)]
    s = open_session(network_name, sender, address)
    receipt = _send(s, s.voucher.functions.issue(Web3.to_checksum_address(holder), base, when, *docs, project))
    issued = s.voucher.events.VoucherIssued().process_receipt(receipt)[0]["args"]
    click.echo(f"issued voucher {issued['id']}: {format_amount(base)} to {holder}, maturity {_when(when)}")


@voucher_cli.command()
@_common
@VOUCHER_ID
@click.option("--part", "parts", multiple=True, required=True, metavar="ADDRESS:AMOUNT",
              help="One part (repeat, 2..8); a part to yourself keeps the remainder.")
def split(network_name, sender, address, voucher_id, parts):
    """Split voucher ID into parts; parts to others wait for their acceptance."""
    vid = parse_voucher_id(voucher_id)
    pairs = [parse_part(p) for p in parts]
    if not 2 <= len(pairs) <= 8:
        raise click.BadParameter("a split has 2 to 8 parts", param_hint="--part")
    s = open_session(network_name, sender, address)
    _send(s, s.voucher.functions.split(vid, [a for _, a in pairs], [r for r, _ in pairs]))
    for i, (recipient, amount) in enumerate(pairs):
        click.echo(f"  part {path_of(child_id(vid, i))}: {format_amount(amount)} to {recipient}")


@voucher_cli.command()
@_common
@VOUCHER_ID
@click.argument("to")
def transfer(network_name, sender, address, voucher_id, to):
    """Transfer the whole of voucher ID to TO (pending until TO accepts)."""
    if not Web3.is_address(to):
        raise click.BadParameter(f"not an address: {to}", param_hint="TO")
    s = open_session(network_name, sender, address)
    _send(s, s.voucher.functions.transfer(parse_voucher_id(voucher_id), Web3.to_checksum_address(to)))


@voucher_cli.command()
@_common
@VOUCHER_ID
def accept(network_name, sender, address, voucher_id):
    """Accept pending voucher ID."""
    s = open_session(network_name, sender, address)
    _send(s, s.voucher.functions.accept(parse_voucher_id(voucher_id)))


@voucher_cli.command()
@_common
@VOUCHER_ID
@click.option("--offer-to", "bank", metavar="BANK", help="Holder: offer the voucher to this bank.")
@click.option("--max-rate", type=click.IntRange(0, 10_000), help="Holder: the highest discount rate accepted (bps a year).")
@click.option("--rate", type=click.IntRange(0, 10_000), help="Bank: accept the offer at this rate (bps a year).")
def finance(network_name, sender, address, voucher_id, bank, max_rate, rate):
    """Discount voucher ID: the holder offers it (--offer-to, --max-rate), the bank buys it (--rate)."""
    if (bank is None) == (rate is None):
        raise click.UsageError("give either --offer-to BANK --max-rate BPS (holder) or --rate BPS (bank)")
    if bank is not None and (max_rate is None or not Web3.is_address(bank)):
        raise click.UsageError("an offer needs a bank address and --max-rate")
    vid = parse_voucher_id(voucher_id)
    s = open_session(network_name, sender, address)
    if bank is not None:
        _send(s, s.voucher.functions.offer(vid, Web3.to_checksum_address(bank), max_rate))
        return
    v = s.voucher.functions.voucher(vid).call()
    quote, score = s.voucher.functions.quoteRate(vid).call()
    remaining = max(v[10] - s.w3.eth.get_block("latest")["timestamp"] - 3600, 0)  # an hour's margin for mining
    _send(s, _token(s).functions.approve(s.voucher.address, discounted_price(v[1], rate, remaining)))
    receipt = _send(s, s.voucher.functions.acceptOffer(vid, rate))
    done = s.voucher.events.Financed().process_receipt(receipt)[0]["args"]
    click.echo(f"financed {path_of(vid)}: paid {format_amount(done['price'])} for {format_amount(done['face'])} "
               f"at {_pct(rate)} (risk quote {_pct(quote)}, score {score} bps)")


@voucher_cli.command()
@_common
@click.argument("root_id", metavar="ROOT_ID")
@click.argument("amount")
def repay(network_name, sender, address, root_id, amount):
    """Obligor: deposit AMOUNT towards root voucher ROOT_ID."""
    base = parse_amount(amount)
    s = open_session(network_name, sender, address)
    _send(s, _token(s).functions.approve(s.voucher.address, base))
    _send(s, s.voucher.functions.repay(parse_voucher_id(root_id), base))


@voucher_cli.command()
@_common
@VOUCHER_ID
def claim(network_name, sender, address, voucher_id):
    """Holder: claim what is payable on voucher ID after maturity."""
    s = open_session(network_name, sender, address)
    receipt = _send(s, s.voucher.functions.claim(parse_voucher_id(voucher_id)))
    done = s.voucher.events.Claimed().process_receipt(receipt)[0]["args"]
    click.echo(f"claimed {format_amount(done['amount'])} ({format_amount(done['claimed'])} in total)")


@voucher_cli.command()
@_common
@click.argument("root_id", metavar="ROOT_ID")
def tree(network_name, sender, address, root_id):
    """Print the split tree of root voucher ROOT_ID: holders, amounts, states, financing."""
    rid = parse_voucher_id(root_id)
    if root_of(rid) != rid:
        raise click.BadParameter(f"{root_id} is not a root voucher", param_hint="ROOT_ID")
    s = open_session(network_name, sender, address)
    click.echo(tree_text(s.voucher, rid, s.from_block, s.w3.eth.get_block("latest")["timestamp"]))
