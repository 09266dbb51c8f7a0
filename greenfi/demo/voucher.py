"""Demo step 6: a supply-chain e-credit voucher (CreditVoucher, docs/vouchers.md).

The core enterprise issues a green-tagged voucher to its first-tier supplier; it is split down
three tiers (each split's receiver accepts), the third tier discounts its part with the bank at the
risk-priced rate (`risk_priced_rate`: the contract's pricing applied to the core enterprise's score
that step 4 posted to RiskOracle), the core enterprise repays, the chain's clock passes maturity and
every holder claims. The tree is read back from the contract's events with the `greenfi voucher`
CLI's own functions (build_tree, format_tree).
"""

from __future__ import annotations

from web3 import Web3

from greenfi.demo import risk as demo_risk
from greenfi.domain import vouchers as voucher_ids
from greenfi.chain.contracts import fields
from greenfi.demo.context import ONE_DAY, TOKEN_UNIT, DemoContext
from greenfi.errors import GreenfiError

FACE = 1_000_000 * TOKEN_UNIT
TENOR = 90 * ONE_DAY
# (holder, [(receiver, amount)...]); the remainder stays with the holder; the first receiver's
# part is split next, so the voucher goes core → tier 1 → tier 2 → tier 3.
SPLITS = [
    ("supplier_tier1", [("supplier_tier2", 600_000 * TOKEN_UNIT)]),
    ("supplier_tier2", [("supplier_tier3", 350_000 * TOKEN_UNIT)]),
]
DISCOUNTER = "supplier_tier3"


def risk_priced_rate(score_bps: int, pricing: tuple[int, int, int], green_active: bool) -> int:
    """The annual discount rate in bps for an obligor whose posted PD is `score_bps`, under
    CreditVoucher's `pricing()` (base, spread factor, green discount): what the contract quotes."""
    base, factor, green = pricing
    return voucher_ids.quote_rate(score_bps, base, factor, green, green_active)


def run(ctx: DemoContext) -> None:
    vouchers, token = ctx.c["CreditVoucher"], ctx.c["SettlementToken"]
    project_id = ctx.report.get("project_id", 0)
    maturity = ctx.now() + TENOR
    documents = [Web3.keccak(text=f"demo {kind} #{ctx.run_tag}") for kind in ("order", "delivery", "invoice")]
    receipt = ctx.send("core_enterprise", vouchers.functions.issue(
        ctx.cast["supplier_tier1"], FACE, maturity, *documents, project_id))
    root = vouchers.events.VoucherIssued().process_receipt(receipt)[0]["args"]["id"]
    ctx.log(f"    core_enterprise issued voucher {root}: {FACE / TOKEN_UNIT:,.0f} tdCNY to supplier_tier1, "
            f"maturity in {TENOR // ONE_DAY} days, green-tagged to project {project_id}")

    node = root
    for holder, parts in SPLITS:
        held = fields(vouchers.functions.voucher(node))["amount"]
        amounts = [amount for _, amount in parts] + [held - sum(amount for _, amount in parts)]
        recipients = [ctx.cast[receiver] for receiver, _ in parts] + [ctx.cast[holder]]
        ctx.send(holder, vouchers.functions.split(node, amounts, recipients))
        children = [voucher_ids.child_id(node, i) for i in range(len(amounts))]
        for (receiver, amount), child in zip(parts, children):
            ctx.send(receiver, vouchers.functions.accept(child))
            ctx.log(f"    {holder} split voucher {voucher_ids.path_of(node)}: {amount / TOKEN_UNIT:,.0f} to {receiver} "
                    f"({voucher_ids.path_of(child)}, accepted), {amounts[-1] / TOKEN_UNIT:,.0f} kept "
                    f"({voucher_ids.path_of(children[-1])})")
        node = children[0]

    discounted = node
    if ctx.now() - ctx.report["risk"]["scores"]["core_enterprise"]["timestamp"] > ONE_DAY:
        ctx.log("    the scores are older than a day (the bond step moved the clock): the risk oracle runs again")
        demo_risk.post_scores(ctx)
    score = ctx.report["risk"]["scores"]["core_enterprise"]["score_bps"]
    green_active = project_id != 0 and ctx.c["ProjectRegistry"].functions.isActive(project_id).call()
    pricing = tuple(vouchers.functions.pricing().call())
    rate = risk_priced_rate(score, pricing, green_active)
    quoted, quoted_score = vouchers.functions.quoteRate(discounted).call()
    if (quoted, quoted_score) != (rate, score):
        raise GreenfiError(f"CreditVoucher quotes {quoted} bps on score {quoted_score}; "
                           f"the demo priced {rate} bps on the posted score {score}")
    ctx.send(DISCOUNTER, vouchers.functions.offer(discounted, ctx.cast["bank"], rate))
    face = fields(vouchers.functions.voucher(discounted))["amount"]
    ctx.send("bank", token.functions.approve(vouchers.address, face))
    ctx.send("bank", vouchers.functions.acceptOffer(discounted, rate))
    ctx.log(f"    {DISCOUNTER} offered {voucher_ids.path_of(discounted)} to the bank; obligor PD {score / 100:.2f} % → "
            f"risk-priced rate {rate / 100:.2f} %/year; the bank accepted")

    ctx.send("core_enterprise", token.functions.approve(vouchers.address, FACE))
    ctx.send("core_enterprise", vouchers.functions.repay(root, FACE))
    ctx.advance_to(maturity + 1)
    ctx.log(f"    core_enterprise repaid {FACE / TOKEN_UNIT:,.0f}; chain time moved past maturity")

    roles = {address: role for role, address in ctx.cast.items()}
    for leaf in _tree(ctx, root).leaves():
        ctx.send(roles[leaf.holder], vouchers.functions.claim(leaf.id))
        ctx.log(f"    {roles[leaf.holder]} claimed {leaf.amount / TOKEN_UNIT:,.0f} on {leaf.path}")
    tree = _tree(ctx, root)
    ctx.log("    greenfi voucher tree:")
    for line in voucher_ids.format_tree(tree, ctx.now()).splitlines():
        ctx.log(f"      {line}")
    financing = tree.nodes[discounted].financing
    ctx.report["voucher"] = {
        "root": root, "face": tree.face, "maturity": tree.maturity, "deposited": tree.deposited, "paid": tree.paid,
        "discounted": voucher_ids.path_of(discounted), "score_bps": score, "rate_bps": rate,
        "pricing": {"base_rate_bps": pricing[0], "spread_factor_bps": pricing[1], "green_discount_bps": pricing[2],
                    "green_active": green_active},
        "price": financing["price"], "discounted_face": face,
        "nodes": [{"path": n.path, "parent": voucher_ids.path_of(voucher_ids.parent_of(n.id)) if n.id != root else None,
                   "holder": roles.get(n.holder, n.holder), "amount": n.amount, "state": n.state, "claimed": n.claimed}
                  for n in tree.nodes.values()],
    }


def _tree(ctx: DemoContext, root: int) -> voucher_ids.Tree:
    events = voucher_ids.fetch_events(ctx.c["CreditVoucher"], root, ctx.from_block)
    return voucher_ids.build_tree(root, events)
