"""Demo step 6: a supply-chain e-credit voucher (CreditVoucher, docs/vouchers.md).

The core enterprise issues a green-tagged voucher to its first-tier supplier; it is split down
three tiers (each split's receiver accepts), the third tier discounts its part with the bank at the
risk-based quote (the core enterprise's RiskOracle score from step 4), the core enterprise repays,
the chain's clock passes maturity and every holder claims.
"""

from __future__ import annotations

from web3 import Web3

from greenfi.demo import ONE_DAY, TOKEN_UNIT, DemoContext

FACE = 1_000_000 * TOKEN_UNIT
TENOR = 90 * ONE_DAY
# (holder, [(receiver, amount)...]); the remainder stays with the holder
SPLITS = [
    ("supplier_tier1", [("supplier_tier2", 600_000 * TOKEN_UNIT)]),
    ("supplier_tier2", [("supplier_tier3", 350_000 * TOKEN_UNIT)]),
]
MAX_PARTS = 8
STATES = ["None", "Active", "Pending", "Offered", "Split", "Redeemed"]


def run(ctx: DemoContext) -> None:
    vouchers, token = ctx.c["CreditVoucher"], ctx.c["SettlementToken"]
    maturity = ctx.now() + TENOR
    documents = [Web3.keccak(text=f"demo {kind} #{ctx.report['started_at']}") for kind in ("order", "delivery", "invoice")]
    receipt = ctx.send("core_enterprise", vouchers.functions.issue(
        ctx.cast["supplier_tier1"], FACE, maturity, *documents, ctx.report.get("project_id", 0)))
    root = vouchers.events.VoucherIssued().process_receipt(receipt)[0]["args"]["id"]
    ctx.log(f"    core_enterprise issued voucher {root}: {FACE / TOKEN_UNIT:,.0f} tdCNY to supplier_tier1, "
            f"maturity in {TENOR // ONE_DAY} days, green-tagged to project {ctx.report.get('project_id', 0)}")

    node = root
    for holder, parts in SPLITS:
        held = vouchers.functions.voucher(node).call()[1]
        amounts = [amount for _, amount in parts] + [held - sum(amount for _, amount in parts)]
        recipients = [ctx.cast[receiver] for receiver, _ in parts] + [ctx.cast[holder]]
        ctx.send(holder, vouchers.functions.split(node, amounts, recipients))
        children = [vouchers.functions.childId(node, i).call() for i in range(len(amounts))]
        for (receiver, amount), child in zip(parts, children):
            ctx.send(receiver, vouchers.functions.accept(child))
            ctx.log(f"    {holder} split voucher {node}: {amount / TOKEN_UNIT:,.0f} to {receiver} (voucher {child}, accepted), "
                    f"{amounts[-1] / TOKEN_UNIT:,.0f} kept (voucher {children[-1]})")
        node = children[0]

    # The third tier discounts its part with the bank at the risk-based quote.
    discounted = node
    quote, score = vouchers.functions.quoteRate(discounted).call()
    ctx.send("supplier_tier3", vouchers.functions.offer(discounted, ctx.cast["bank"], quote))
    face = vouchers.functions.voucher(discounted).call()[1]
    ctx.send("bank", token.functions.approve(vouchers.address, face))
    before = token.functions.balanceOf(ctx.cast["supplier_tier3"]).call()
    ctx.send("bank", vouchers.functions.acceptOffer(discounted, quote))
    price = token.functions.balanceOf(ctx.cast["supplier_tier3"]).call() - before
    ctx.log(f"    supplier_tier3 discounted voucher {discounted} with the bank: obligor PD {score / 100:.2f} % → "
            f"quote {quote / 100:.2f} %/year, paid {price / TOKEN_UNIT:,.2f} for {face / TOKEN_UNIT:,.0f}")

    ctx.send("core_enterprise", token.functions.approve(vouchers.address, FACE))
    ctx.send("core_enterprise", vouchers.functions.repay(root, FACE))
    ctx.advance_to(maturity + 1)
    ctx.log(f"    core_enterprise repaid {FACE / TOKEN_UNIT:,.0f}; chain time moved past maturity")

    tree = _tree(ctx, root)
    claims = {}
    for node_info in tree:
        if node_info["state"] == "Active":
            holder = node_info["holder_role"]
            ctx.send(holder, vouchers.functions.claim(node_info["id"]))
            claims[str(node_info["id"])] = {"holder": holder, "amount": node_info["amount"]}
            ctx.log(f"    {holder} claimed {node_info['amount'] / TOKEN_UNIT:,.0f} on voucher {node_info['id']}")
    tree = _tree(ctx, root)
    ctx.report["voucher"] = {"root": root, "face": FACE, "maturity": maturity, "discounted": discounted,
                             "quote_bps": quote, "score_bps": score, "price": price, "discounted_face": face,
                             "claims": claims, "tree": tree,
                             "root_info": [int(x) if isinstance(x, int) else x for x in
                                           _plain(vouchers.functions.rootInfo(root).call())]}


def _tree(ctx: DemoContext, root: int) -> list[dict]:
    """Every node under `root`, depth first: id, parent, holder, amount, state, claimed."""
    vouchers = ctx.c["CreditVoucher"]
    roles = {address: role for role, address in ctx.cast.items()}
    nodes, stack = [], [root]
    while stack:
        vid = stack.pop()
        v = vouchers.functions.voucher(vid).call()
        nodes.append({"id": vid, "parent": v[4], "depth": v[3], "holder": v[0], "holder_role": roles.get(v[0], v[0]),
                      "amount": v[1], "state": STATES[v[2]], "claimed": v[8]})
        if STATES[v[2]] == "Split":
            children = []
            for i in range(MAX_PARTS):
                child = vouchers.functions.childId(vid, i).call()
                if vouchers.functions.voucher(child).call()[2] == 0:  # State.None: past the last part
                    break
                children.append(child)
            stack.extend(reversed(children))
    return nodes


def _plain(values):
    return [v.hex() if isinstance(v, bytes) else v for v in values]
