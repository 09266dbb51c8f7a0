"""The impact report of one green bond series, built from its events and views (ICMA GBP "reporting").

`collect(w3, bond_address)` reads the chain into a plain `BondFacts`; `markdown(facts)` and
`chart(facts, path)` render it; `build_report(w3, bond_address, out_dir)` writes both and returns their
paths. Everything but `collect` is pure, so it is tested on any facts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from web3 import Web3

from greenfi.chain import contracts
from greenfi.chain.contracts import BuildEnum

UNIT = 10**6  # settlement token base units
TONNE = 10**6  # grams
MWH = 10**6  # Wh
STATUSES = BuildEnum("IGreenBond.Status")
KPI_OUTCOMES = ["None", "Met", "Missed", "Missing", "Stale"]
EVENTS = ("Subscribed", "BondIssued", "IssueFailed", "Refunded", "ProceedsAllocated", "ProceedsReleased",
          "ProceedsReallocated", "ProceedsWithdrawn", "CouponFunded", "CouponClaimed", "CouponDefaultDeclared",
          "KpiObserved", "PrincipalDeposited", "Redeemed", "Transfer")


@dataclass
class Milestone:
    milestone_id: int
    project_id: int
    amount: int
    threshold_wh: int
    released: bool = False
    reallocated: bool = False


@dataclass
class BondFacts:
    address: str
    name: str
    symbol: str
    status: str
    denomination: int
    total_supply: int
    raised: int = 0
    refunded: int = 0
    risk_score_bps: int | None = None
    milestones: list[Milestone] = field(default_factory=list)
    coupons: list[dict[str, int]] = field(default_factory=list)  # period, rate_bps, per_bond, amount
    coupons_claimed: int = 0
    defaults: list[int] = field(default_factory=list)
    kpi: list[dict[str, Any]] = field(default_factory=list)  # index, outcome, kpi_grams, target_grams, steps
    redeemed: int = 0
    held: int = 0  # settlement tokens the bond contract holds
    project_impact: dict[int, tuple[int, int]] = field(default_factory=dict)  # project -> (Wh, grams) verified
    holders: dict[str, dict[str, int]] = field(default_factory=dict)  # holder -> bonds, wh, grams


def collect(w3: Web3, bond_address: str, from_block: int = 0) -> BondFacts:
    """Read a series' events and views into BondFacts."""
    bond = contracts.at(w3, "GreenBond", Web3.to_checksum_address(bond_address))
    f = bond.functions
    terms = contracts.fields(f.terms())
    facts = BondFacts(bond.address, f.name().call(), f.symbol().call(), STATUSES[f.status().call()],
                      terms["denomination"],
                      f.totalSupply().call())
    token = contracts.at(w3, "SettlementToken", f.settlementToken().call())
    facts.held = token.functions.balanceOf(bond.address).call()
    logs = []
    for name in EVENTS:
        for log in getattr(bond.events, name).get_logs(from_block=from_block):
            logs.append((log["blockNumber"], log["logIndex"], name, dict(log["args"])))
    logs.sort(key=lambda entry: entry[:2])
    holders = apply_events(facts, [(name, args) for _, _, name, args in logs])
    reports = contracts.at(w3, "IMonitoringReports", f.monitoringReports().call())
    for project_id in f.financedProjects().call():
        try:
            facts.project_impact[project_id] = tuple(reports.functions.verifiedTotals(project_id).call())
        except Exception:  # unreadable data shows as none; the KPI rule treats it the same way
            facts.project_impact[project_id] = (0, 0)
    for holder in sorted(holders):
        bonds = f.balanceOf(holder).call()
        if bonds:
            wh, grams = f.impactOf(holder).call()
            facts.holders[holder] = {"bonds": bonds, "wh": wh, "grams": grams}
    return facts


def apply_events(facts: BondFacts, events: list[tuple[str, dict[str, Any]]]) -> set[str]:
    """Fold a series' events (in chain order) into `facts`; returns every address that ever held bonds."""
    holders: set[str] = set()
    by_id: dict[int, Milestone] = {}
    for name, a in events:
        if name == "Subscribed":
            facts.raised += a["paid"]
        elif name == "BondIssued":
            facts.risk_score_bps = a["riskScoreBps"]
        elif name == "Refunded":
            facts.refunded += a["amount"]
        elif name == "ProceedsAllocated":
            by_id[a["milestoneId"]] = Milestone(a["milestoneId"], a["projectId"], a["amount"], a["thresholdWh"])
            facts.milestones.append(by_id[a["milestoneId"]])
        elif name == "ProceedsReleased":
            by_id[a["milestoneId"]].released = True
        elif name == "ProceedsReallocated":
            by_id[a["milestoneId"]].reallocated = True
        elif name == "CouponFunded":
            facts.coupons.append({"period": a["period"], "rate_bps": a["rateBps"], "per_bond": a["couponPerBond"],
                                  "amount": a["amount"]})
        elif name == "CouponClaimed":
            facts.coupons_claimed += a["amount"]
        elif name == "CouponDefaultDeclared":
            facts.defaults.append(a["period"])
        elif name == "KpiObserved":
            facts.kpi.append({"index": a["observationIndex"], "outcome": KPI_OUTCOMES[a["outcome"]],
                              "kpi_grams": a["kpiGrams"], "target_grams": a["targetGrams"], "steps": a["stepsAfter"]})
        elif name == "Redeemed":
            facts.redeemed += a["amount"]
        elif name == "Transfer" and int(a["to"], 16) != 0:
            holders.add(a["to"])
    return holders


def _money(base_units: int) -> str:
    whole, frac = divmod(int(base_units), UNIT)
    return f"{whole:,}.{frac:06d}"


def totals(facts: BondFacts) -> dict[str, int]:
    allocated = sum(m.amount for m in facts.milestones if not m.reallocated)
    released = sum(m.amount for m in facts.milestones if m.released)
    paid = sum(c["amount"] for c in facts.coupons)
    return {"raised": facts.raised, "allocated": allocated, "released": released, "coupons_funded": paid,
            "coupons_claimed": facts.coupons_claimed, "redeemed": facts.redeemed, "refunded": facts.refunded}


def markdown(facts: BondFacts, chart_name: str | None = None) -> str:
    t = totals(facts)
    lines = [f"# Impact report: {facts.name} ({facts.symbol})", "",
             f"Series `{facts.address}` — status **{facts.status}**, {facts.total_supply:,} bonds of "
             f"{_money(facts.denomination)} outstanding."
             + (f" Issuer risk score at issue: {facts.risk_score_bps} bps." if facts.risk_score_bps is not None else ""),
             "", "## Use and management of proceeds", "", "| | settlement units |", "|---|---:|"]
    for key, label in (("raised", "Raised"), ("refunded", "Refunded"), ("allocated", "Allocated (net)"),
                       ("released", "Released to projects"), ("coupons_funded", "Coupons funded"),
                       ("coupons_claimed", "Coupons paid"), ("redeemed", "Redeemed")):
        lines.append(f"| {label} | {_money(t[key])} |")
    lines.append(f"| Held by the bond contract | {_money(facts.held)} |")
    lines += ["", "## Milestones", "", "| # | project | amount | condition | state |", "|---:|---:|---:|---|---|"]
    for m in facts.milestones:
        condition = f"≥ {m.threshold_wh / MWH:,.3f} MWh verified" if m.threshold_wh else "verifier attestation"
        state = "released" if m.released else "reallocated" if m.reallocated else "open"
        lines.append(f"| {m.milestone_id} | {m.project_id} | {_money(m.amount)} | {condition} | {state} |")
    lines += ["", "## Coupons", "", "| period | rate (bps) | per bond | funded |", "|---:|---:|---:|---:|"]
    lines += [f"| {c['period']} | {c['rate_bps']} | {_money(c['per_bond'])} | {_money(c['amount'])} |"
              for c in facts.coupons]
    if facts.defaults:
        lines += ["", f"Declared defaults (periods funded late or not at all): {', '.join(map(str, facts.defaults))}"]
    lines += ["", "## Sustainability-linked KPI", "", "| observation | outcome | verified t CO2e | target t | steps |",
              "|---:|---|---:|---:|---:|"]
    lines += [f"| {k['index']} | {k['outcome']} | {k['kpi_grams'] / TONNE:,.3f} | {k['target_grams'] / TONNE:,.3f} | "
              f"{k['steps']} |" for k in facts.kpi]
    lines += ["", "## Verified impact of the financed projects", "", "| project | MWh | t CO2e |", "|---:|---:|---:|"]
    lines += [f"| {p} | {wh / MWH:,.3f} | {g / TONNE:,.3f} |" for p, (wh, g) in sorted(facts.project_impact.items())]
    lines += ["", "## Per-holder share (pro rata of the released proceeds' verified impact)", "",
              "| holder | bonds | share | MWh | t CO2e |", "|---|---:|---:|---:|---:|"]
    for holder, h in facts.holders.items():
        share = h["bonds"] / facts.total_supply if facts.total_supply else 0
        lines.append(f"| `{holder}` | {h['bonds']:,} | {share:.2%} | {h['wh'] / MWH:,.3f} | {h['grams'] / TONNE:,.3f} |")
    if chart_name:
        lines += ["", f"![proceeds, coupons and impact]({chart_name})"]
    return "\n".join(lines) + "\n"


def chart(facts: BondFacts, path: Path) -> Path:
    """A PNG: money by category, released per milestone, and each holder's share of the verified tCO2e."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = totals(facts)
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(15, 4.5))
    labels = ["raised", "allocated", "released", "coupons_claimed", "redeemed"]
    ax1.bar([label.replace("_", "\n") for label in labels], [t[k] / UNIT for k in labels], color="#2e7d32")
    ax1.set_title("Proceeds and payments (settlement units)")
    per_milestone = defaultdict(int)
    for m in facts.milestones:
        if m.released:
            per_milestone[f"#{m.milestone_id} (p{m.project_id})"] += m.amount
    ax2.bar(list(per_milestone) or ["none"], [v / UNIT for v in per_milestone.values()] or [0], color="#66bb6a")
    ax2.set_title("Released per milestone")
    grams = {h[:8]: v["grams"] / TONNE for h, v in facts.holders.items() if v["grams"]}
    if grams:
        ax3.pie(list(grams.values()), labels=list(grams), autopct="%1.0f%%")
    else:
        ax3.text(0.5, 0.5, "no verified impact yet", ha="center", va="center")
        ax3.axis("off")
    ax3.set_title("Verified t CO2e per holder")
    fig.suptitle(f"{facts.name}: where the money went and what it bought")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def build_report(w3: Web3, bond_address: str, out_dir: str | Path, from_block: int = 0) -> dict[str, Path]:
    """Write `<symbol>-impact.md` and `<symbol>-impact.png` into out_dir; returns {"markdown": ..., "chart": ...}."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    facts = collect(w3, bond_address, from_block)
    stem = f"{facts.symbol or 'bond'}-impact"
    png = chart(facts, out / f"{stem}.png")
    md = out / f"{stem}.md"
    md.write_text(markdown(facts, png.name))
    return {"markdown": md, "chart": png}
