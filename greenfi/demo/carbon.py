"""Demo step 3: CAI credits from the approved report, traded on the market, retired with
certificates, and the batch's `greenfi cai trace` (the pure trace functions of greenfi.cli.cai)."""

from __future__ import annotations

from web3 import Web3

from greenfi.domain import cai as cai_ids
from greenfi.demo.context import ONE_DAY, TOKEN_UNIT, DemoContext
from greenfi.errors import GreenfiError

UNIT_PRICE = 60 * TOKEN_UNIT  # tdCNY per tCO2e
RETIRE_REASON_VOLUNTARY = 1


def run(ctx: DemoContext) -> None:
    credits, market, token = ctx.c["CarbonCredits"], ctx.c["CarbonMarket"], ctx.c["SettlementToken"]
    report_id = ctx.report["mrv"]["report_id"]
    receipt = ctx.send("pv_developer", credits.functions.issue(report_id))
    batch_id = credits.functions.batchCount().call()
    issued = _supply(credits, batch_id)
    if issued["issued"] == 0:
        raise GreenfiError("the report's reduction is below one credit: replay more days or devices")
    cai = credits.functions.caiString(batch_id).call()
    developer_units = credits.functions.balanceOf(ctx.cast["pv_developer"], batch_id).call()
    ctx.log(f"    issued batch {batch_id} ({cai}): {issued['issued']} tCO2e, {issued['buffered']} to the buffer pool, "
            f"{developer_units} to pv_developer (tx {receipt['transactionHash'].hex()[:12]}…)")

    # The developer lists most of its credits; two investors buy.
    listed = max(1, developer_units * 3 // 4)
    ctx.send("pv_developer", credits.functions.setApprovalForAll(market.address, True))
    ctx.send("pv_developer", market.functions.list(batch_id, listed, UNIT_PRICE, ctx.now() + 30 * ONE_DAY))
    listing_id = market.functions.listingCount().call()
    ctx.log(f"    pv_developer listed {listed} at {UNIT_PRICE / TOKEN_UNIT:.0f} tdCNY/t (listing {listing_id})")
    fills = {}
    for buyer, share in (("investor_a", 2), ("core_enterprise", 1)):
        quantity = max(1, listed * share // 4)
        ctx.send(buyer, token.functions.approve(market.address, quantity * UNIT_PRICE))
        ctx.send(buyer, market.functions.fill(listing_id, quantity))
        fills[buyer] = quantity
        ctx.log(f"    {buyer} bought {quantity} t for {quantity * UNIT_PRICE / TOKEN_UNIT:,.0f} tdCNY")
    proceeds = market.functions.credited(ctx.cast["pv_developer"]).call()
    ctx.send("pv_developer", market.functions.withdraw())
    ctx.log(f"    pv_developer withdrew {proceeds / TOKEN_UNIT:,.2f} tdCNY of proceeds (after the market fee)")

    # Retirements with certificates: the enterprise offsets its footprint, the investor part of its holding.
    mrv = ctx.report["mrv"]
    certificates = []
    for holder, quantity in (("core_enterprise", fills["core_enterprise"]), ("investor_a", max(1, fills["investor_a"] // 2))):
        claim = (ctx.cast[holder], Web3.keccak(text=f"demo {holder}"), RETIRE_REASON_VOLUNTARY, b"CN",
                 mrv["period_start"], mrv["period_end"])
        ctx.send(holder, credits.functions.retire(batch_id, quantity, claim))
        certificate_id = credits.functions.certificateCount().call()
        certificates.append({"id": certificate_id, "holder": holder, "quantity": quantity})
        ctx.log(f"    {holder} retired {quantity} t: certificate {certificate_id}")

    supply = _supply(credits, batch_id)
    ctx.report["carbon"] = {"batch_id": batch_id, "cai": cai, "supply": supply, "listed": listed,
                            "unit_price": UNIT_PRICE, "fills": fills, "developer_proceeds": proceeds,
                            "certificates": certificates}
    ctx.log("    supply: " + ", ".join(f"{k} {v}" for k, v in supply.items()))
    events = cai_ids.load_events(ctx.w3, ctx.addresses)
    batch = cai_ids.resolve(cai_ids.parse_cai(str(batch_id)), cai_ids.index_batches(events))
    lines = cai_ids.format_trace(batch, cai_ids.trace(events, batch_id, market.address))
    ctx.report["carbon"]["trace"] = lines
    ctx.log(f"    greenfi cai trace {batch_id}:")
    for line in lines:
        ctx.log(f"      {line}")


def _supply(credits, batch_id: int) -> dict[str, int]:
    issued, circulating, escrowed, retired, cancelled, buffered = credits.functions.supplyOf(batch_id).call()
    return {"issued": issued, "circulating": circulating, "escrowed": escrowed, "retired": retired,
            "cancelled": cancelled, "buffered": buffered}
