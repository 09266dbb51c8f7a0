"""Demo step 8: the report folder (reports/<timestamp>/ by default).

    summary.json          every figure the steps gathered (the DemoContext's `report` dict)
    summary.md            the same, readable: one section per step
    pv_generation.csv     the replayed PV series: 5-minute energy of all devices
    pv_generation.png     PV power over the replayed days; per day, signed vs anchored energy
    credits_by_status.png the credit batch's supply by status
    bond_proceeds.png     the green bond's raised, released and withdrawn proceeds, coupons
    bond/                 the series' impact report (greenfi bond report: Markdown + PNG)
    voucher_tree.png      the voucher tree: who holds which part, financed and redeemed parts
    loan.png              the green loan: balance and margin over time, DSCR per observed month
    deployments/          the chain's deployment record (embedded runs)

`write_report(result, out_dir)` only reads the plain `result` dict, so it is tested without a chain.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from greenfi.demo.context import TOKEN_UNIT, DemoContext

SERIES_KEY = "pv_series"  # [(period start, Wh)], written as CSV rather than into summary.json
CREDIT_STATUSES = ("circulating", "escrowed", "retired", "buffered", "cancelled")
BOND_FIGURES = ("raised", "released", "withdrawn", "unallocated", "coupon_funded", "coupon_claimed")  # tdCNY base units


def run(ctx: DemoContext) -> None:
    ctx.report["timings_s"]["total"] = round(time.monotonic() - ctx.started_monotonic, 1)
    out_dir = ctx.options.out_dir
    files = write_report(ctx.report, out_dir)
    ctx.report["report_dir"] = str(out_dir)
    ctx.log(f"    {out_dir}: " + ", ".join(sorted(p.name for p in files)))


def write_report(result: dict[str, Any], out_dir: Path) -> list[Path]:
    """Write summary.json, summary.md, the series CSV and the charts; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = {k: v for k, v in result.items() if k != SERIES_KEY}
    files = [out_dir / "summary.json", out_dir / "summary.md"]
    files[0].write_text(json.dumps(figures, indent=2, sort_keys=True, default=_plain) + "\n")
    files[1].write_text(summary_markdown(figures))
    if result.get(SERIES_KEY):
        csv = out_dir / "pv_generation.csv"
        csv.write_text("period_start,energy_wh\n" + "".join(f"{t},{wh}\n" for t, wh in result[SERIES_KEY]))
        files.append(csv)
    files += write_charts(result, out_dir)
    return files


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


# ---------------------------------------------------------------------------------------- summary.md

def _tcny(base_units: int) -> str:
    return f"{base_units / TOKEN_UNIT:,.2f}"


def _date(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


def _table(columns: list[str], rows) -> list[str]:
    """A Markdown table; a column named with a trailing `>` is right-aligned (numbers)."""
    head = "| " + " | ".join(c.rstrip(">") for c in columns) + " |"
    rule = "|" + "|".join("---:" if c.endswith(">") else "---" for c in columns) + "|"
    return [head, rule, *("| " + " | ".join(str(x) for x in row) + " |" for row in rows), ""]


def summary_markdown(r: dict[str, Any]) -> str:
    """summary.md from the figures; a section is left out when its step produced nothing."""
    out = ["# greenfi demo report", ""]
    if "started_at" in r:
        where = "an attached node" if r.get("attached") else "a fresh embedded chain"
        out.append(f"Run of {_date(r['started_at'])} on {where} ({r.get('network', '?')}, chain id {r.get('chain_id', '?')}).")
        out.append("")
    if r.get("timings_s"):
        out += _table(["step", "seconds>"], r["timings_s"].items())
    if r.get("participants"):
        out += ["## 1. Suite and participants", ""]
        out += _table(["role", "kind", "jurisdiction", "address"],
                      ([role, p["kind"], p["jurisdiction"], f"`{p['address']}`"] for role, p in r["participants"].items()))
        out += [f"{len(r.get('contracts', {}))} contracts: "
                + ", ".join(f"{name} `{address}`" for name, address in r.get("contracts", {}).items()), ""]
    if r.get("mrv"):
        m = r["mrv"]
        out += ["## 2. PV project, readings, anchored batches, monitoring report", "",
                f"Project {r.get('project_id')}, {len(r.get('devices', []))} devices, "
                f"emission factor {m['emission_factor_g_per_mwh']:,} g CO2e/MWh.", ""]
        out += _table(["day>", "series date", "readings>", "accepted>", "held for review>", "generated MWh>", "accepted MWh>"],
                      ([d["day"] + 1, d["seriesDate"], d["readings"], d["accepted"], d.get("flagged", 0),
                        f"{d['generatedWh'] / 1e6:,.3f}", f"{d['acceptedWh'] / 1e6:,.3f}"] for d in r.get("pv_days", [])))
        out += _table(["batch>", "root", "readings>", "MWh>", "anchor tx"],
                      ([b["daemonId"], f"`{b['root'][:18]}…`", b["readingCount"], f"{b['energyWh'] / 1e6:,.3f}",
                        f"`{(b['txHash'] or '')[:18]}…`"] for b in m["batches"]))
        out += [f"Monitoring report {m['report_id']} ({_date(m['period_start'])} to {_date(m['period_end'])}): "
                f"{m['net_generation_wh'] / 1e6:,.3f} MWh net generation, {m['reduction_grams'] / 1e6:,.3f} t CO2e, "
                "approved by the verifier.", "", "![PV generation](pv_generation.png)", ""]
    if r.get("carbon"):
        c = r["carbon"]
        out += ["## 3. CAI credits", "", f"Batch {c['batch_id']}: `{c['cai']}`.", ""]
        out += _table(["status", "tCO2e>"], c["supply"].items())
        out += [f"Listed {c['listed']} at {_tcny(c['unit_price'])} tdCNY/t; fills: "
                + ", ".join(f"{who} {q}" for who, q in c["fills"].items())
                + f"; developer proceeds {_tcny(c['developer_proceeds'])} tdCNY.", "",
                "Certificates: " + ", ".join(f"#{x['id']} {x['holder']} {x['quantity']} t" for x in c["certificates"]),
                "", "`greenfi cai trace`:", "", "```", *c.get("trace", []), "```", "",
                "![credits by status](credits_by_status.png)", ""]
    if r.get("risk"):
        k = r["risk"]
        out += ["## 4. Credit-risk model and scores", "",
                f"Model `{k['model_hash']}`, version {k['model_version']} (approved); metrics (bps) "
                f"AUC/KS/Brier/accuracy {'/'.join(str(x) for x in k['metrics_bps'])}.", ""]
        out += _table(["participant", "German Credit row>", "PD>"],
                      ([who, s["row"], f"{s['score_bps'] / 100:.2f} %"] for who, s in k["scores"].items()))
    out += ["## 5. Green bond", ""]
    if r.get("bond", {}).get("skipped"):
        out += [f"Skipped: {r['bond']['skipped']}.", ""]
    elif r.get("bond"):
        b = r["bond"]
        out += _table(["figure", "tdCNY>"], ([name.replace("_", " "), _tcny(b[name])] for name in BOND_FIGURES if name in b))
        out += [f"Series {b.get('isin', '?')} at `{b['address']}`: {b['bonds']} bonds. Proceeds released on the verifier's "
                f"attestation. KPI observation 1: "
                f"{b.get('kpi_grams', 0) / 1e6:,.3f} t attributed (verified after the allocation) vs {b.get('kpi_target_grams', 0) / 1e6:,.0f} t target → "
                f"{b.get('kpi_outcome', '-')}; coupon rate {b.get('coupon_rate_bps', 0) / 100:.2f} % → "
                f"{b.get('next_coupon_rate_bps', 0) / 100:.2f} % for period 2."
                + (f" The series' impact report: [{b['impact_report']}]({b['impact_report']})." if b.get("impact_report") else ""),
                "", "![bond proceeds](bond_proceeds.png)", ""]
    if r.get("voucher"):
        v = r["voucher"]
        out += ["## 6. E-credit voucher", "",
                f"Voucher {v['root']}: face {_tcny(v['face'])} tdCNY, maturity {_date(v['maturity'])}. "
                f"Part {v['discounted']} discounted with the bank at {v['rate_bps'] / 100:.2f} %/year "
                f"(obligor PD {v['score_bps'] / 100:.2f} %): paid {_tcny(v['price'])} for {_tcny(v['discounted_face'])}. "
                f"Repaid {_tcny(v['deposited'])}, claimed {_tcny(v['paid'])}.", ""]
        out += _table(["part", "holder", "amount>", "state", "claimed>"],
                      ([n["path"], n["holder"], _tcny(n["amount"]), n["state"], _tcny(n["claimed"])] for n in v["nodes"]))
        out += ["![voucher tree](voucher_tree.png)", ""]
    out += loan_markdown(r.get("loan"))
    return "\n".join(out) + "\n"


def loan_markdown(loan: dict[str, Any] | None) -> list[str]:
    if not loan:
        return []
    if loan.get("skipped"):
        return ["## 7. Green loan", "", f"Skipped: {loan['skipped']}.", ""]
    out = ["## 7. Green loan", "",
           f"Sized from {loan['history_days']:.1f} days of verified generation: P50 {loan['p50_wh'] / 1e6:,.0f} MWh/year, "
           f"P90 {loan['p90_wh'] / 1e6:,.0f} MWh/year (yield model v{loan['yield_model_version']}, estimate "
           f"`{loan['estimate_hash']}` in the AI ledger); debt at the target DSCR on P90 {_tcny(loan['sized_debt'])} tdCNY. "
           f"Facility {loan['loan_id']} at `{loan['address']}`: {_tcny(loan['commitment'])} tdCNY, priced on PD "
           f"{loan['pd_bps'] / 100:.2f} % → credit margin {loan['credit_margin_bps'] / 100:.2f} %; the loan's share of the "
           f"project's new output {loan['attributed_share']:.0%}. Ended {loan.get('state', '-')}: interest "
           f"{_tcny(loan.get('interest_paid', 0))}, fees {_tcny(loan.get('fees_paid', 0))} tdCNY.", ""]
    out += _table(["month", "verified MWh>", "attributed MWh>", "KPI", "DSCR>", "margin>", "paid>", "principal>"],
                  ([p["period"], f"{p['verified_wh'] / 1e6:,.1f}", f"{p['attributed_wh'] / 1e6:,.1f}", p["kpi"],
                    f"{p['dscr_bps'] / 1e4:.2f}x" + (" lock-up" if p["locked_up"] else ""),
                    f"{p['margin_bps'] / 100:.2f} %", _tcny(p["paid"]), _tcny(p["principal"])] for p in loan["periods"]))
    return out + ["![green loan](loan.png)", ""]


# ---------------------------------------------------------------------------------------- charts

def write_charts(r: dict[str, Any], out_dir: Path) -> list[Path]:
    """The PNG charts whose figures are present in `r`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for name, draw, present in (
        ("pv_generation.png", _pv_chart, bool(r.get(SERIES_KEY)) and "mrv" in r),
        ("credits_by_status.png", _credits_chart, "carbon" in r),
        ("bond_proceeds.png", _bond_chart, bool(r.get("bond")) and not r["bond"].get("skipped")),
        ("voucher_tree.png", _voucher_chart, "voucher" in r),
        ("loan.png", _loan_chart, bool(r.get("loan", {}).get("periods"))),
    ):
        if not present:
            continue
        fig = draw(plt, r)
        path = out_dir / name
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


def _pv_chart(plt, r):
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), gridspec_kw={"height_ratios": [3, 2]})
    series = r[SERIES_KEY]
    start = series[0][0]
    hours = [(t - start) / 3600 for t, _ in series]
    top.plot(hours, [wh * 12 / 1e6 for _, wh in series], color="#e69f00", lw=1)  # Wh per 5 min → MW
    top.set(xlabel="hours since the first replayed midnight", ylabel="PV power, all devices (MW)",
            title="Replayed PV generation (signed 5-minute readings)")
    days = r.get("pv_days", [])
    batches = r["mrv"]["batches"]
    x = range(len(days))
    bottom.bar([i - 0.2 for i in x], [d["generatedWh"] / 1e6 for d in days], 0.4, label="signed readings", color="#e69f00")
    bottom.bar([i + 0.2 for i in x], [b["energyWh"] / 1e6 for b in batches[:len(days)]], 0.4,
               label="anchored batch", color="#009e73")
    bottom.set_xticks(list(x), [d["seriesDate"] for d in days])
    bottom.set(ylabel="MWh per day", title="Energy per day: readings vs anchored on MRVAnchor")
    bottom.legend()
    fig.tight_layout()
    return fig


def _credits_chart(plt, r):
    supply = r["carbon"]["supply"]
    fig, ax = plt.subplots(figsize=(7, 4))
    bars = ax.bar(CREDIT_STATUSES, [supply.get(s, 0) for s in CREDIT_STATUSES],
                  color=["#0072b2", "#cc79a7", "#009e73", "#999999", "#d55e00"])
    ax.bar_label(bars)
    ax.set(ylabel="tCO2e", title=f"{r['carbon']['cai']}: {supply['issued']} issued, by status")
    return fig


def _bond_chart(plt, r):
    b = r["bond"]
    names = [n for n in BOND_FIGURES if n in b]
    fig, ax = plt.subplots(figsize=(8.5, 4))
    bars = ax.bar([n.replace("_", "\n") for n in names], [b[n] / TOKEN_UNIT for n in names],
                  color=["#0072b2", "#009e73", "#009e73", "#999999", "#e69f00", "#e69f00"][:len(names)])
    ax.bar_label(bars, fmt="{:,.0f}")
    ax.set(ylabel="tdCNY", title="Green bond: proceeds and coupons")
    return fig


def _loan_chart(plt, r):
    """Balance and margin over time, DSCR per observed month (with the lock-up and default levels)."""
    loan = r["loan"]
    days = [(h["time"] - loan["history"][0]["time"]) / 86_400 for h in loan["history"]]
    fig, (balance, margin, dscr) = plt.subplots(1, 3, figsize=(13, 3.8))
    balance.step(days, [h["principal"] / TOKEN_UNIT for h in loan["history"]], where="post", color="#0072b2")
    balance.set(xlabel="days since drawdown", ylabel="tdCNY", title="Principal outstanding")
    margin.step(days, [h["margin_bps"] / 100 for h in loan["history"]], where="post", color="#d55e00")
    margin.set(xlabel="days since drawdown", ylabel="%", title="Margin (credit + KPI ratchet)")
    periods = loan["periods"]
    values = [min(p["dscr_bps"], 50_000) / 1e4 for p in periods]
    bars = dscr.bar([str(p["period"]) for p in periods], values,
                    color=["#d55e00" if p["locked_up"] else "#009e73" for p in periods])
    dscr.bar_label(bars, fmt="{:.2f}x")
    lockup, default = loan["lockup_dscr_bps"] / 1e4, loan["default_dscr_bps"] / 1e4
    for level, style in ((lockup, "--"), (default, ":")):
        dscr.axhline(level, color="#555555", linestyle=style, linewidth=1)
    dscr.set(xlabel="month", ylabel="DSCR", title=f"DSCR per period (lock-up {lockup:.2f}x, default {default:.2f}x)")
    fig.tight_layout()
    return fig


def voucher_layout(nodes: list[dict]) -> dict[str, tuple[float, int]]:
    """(x, depth) per node path: leaves left to right in tree order, parents centred over children."""
    children: dict[str | None, list[str]] = {}
    for n in nodes:
        children.setdefault(n["parent"], []).append(n["path"])
    place: dict[str, tuple[float, int]] = {}
    next_x = [0.0]

    def walk(path: str, depth: int) -> float:
        kids = children.get(path, [])
        if kids:
            x = sum(walk(k, depth + 1) for k in kids) / len(kids)
        else:
            x, next_x[0] = next_x[0], next_x[0] + 1
        place[path] = (x, depth)
        return x

    for root in children.get(None, []):
        walk(root, 0)
    return place


def _voucher_chart(plt, r):
    v = r["voucher"]
    place = voucher_layout(v["nodes"])
    width = max(x for x, _ in place.values()) + 1
    depth = max(d for _, d in place.values()) + 1
    fig, ax = plt.subplots(figsize=(max(6, 2.8 * width), 1.8 * depth + 1))
    colours = {"Split": "#dddddd", "Redeemed": "#b7e4c7", "Active": "#cfe2f3", "Pending": "#ffe599", "Offered": "#f4cccc"}
    for n in v["nodes"]:
        x, d = place[n["path"]]
        if n["parent"] is not None:
            px, pd_ = place[n["parent"]]
            ax.plot([px, x], [-pd_, -d], color="#888888", zorder=1)
        label = f"{n['path']}\n{n['holder']}\n{n['amount'] / TOKEN_UNIT:,.0f} tdCNY\n{n['state']}"
        if n["path"] == v["discounted"]:
            label += f" (financed {v['rate_bps'] / 100:.2f} %)"
        ax.text(x, -d, label, ha="center", va="center", fontsize=8, zorder=2,
                bbox={"boxstyle": "round", "facecolor": colours.get(n["state"], "white"), "edgecolor": "#555555"})
    ax.set_xlim(-0.7, width - 0.3)
    ax.set_ylim(-depth + 0.4, 0.6)
    ax.axis("off")
    ax.set_title(f"Voucher {v['root']}: {v['face'] / TOKEN_UNIT:,.0f} tdCNY through three supplier tiers")
    return fig
