// greenfi dashboard: reads the suite's contracts through the exported ABIs (GET /abi/…) and the
// dashboard server's read-only JSON-RPC proxy (POST /rpc). Signing a retirement goes through an
// injected wallet (window.ethereum), never through the server. See docs/dashboard.md.
import { ethers } from "/vendor/ethers.js";

import {
  REASON, ENUMS, KIND, CREDIT_CLASS, PROJECT_STATUS, LISTING_STATUS, BOND_STATUS, KPI_OUTCOME, VOUCHER_STATE,
  MODEL_STATUS, enumName, ZERO, LOG_SLICE, h, short, num, money, pct, ratio, date, mwh, tonnes, hex, ascii,
  badge, table, right, fill, wholeNumber,
} from "/ui.js";
import { Refused, connectWallet, errorNamer, perform, wallet } from "/actions.js";
import { claimFor, investorActions, loadPortfolio, renderPortfolio } from "/portfolio.js";
import { consoleAction, loadConsole, renderConsole } from "/console.js";
import { estimateSubjects, loadLoans, renderLoans } from "/loans.js";

// ------------------------------------------------------------------------------ chain access

class Chain {
  constructor(config, abis) {
    this.config = config;
    this.abis = abis;
    const url = new URL(config.rpc, window.location.href).href;
    this.provider = new ethers.JsonRpcProvider(url, Number(config.chainId), { staticNetwork: true, batchMaxCount: 25 });
    this.labels = new Map();
  }

  has(name) {
    return Boolean(this.config.addresses[name]) && Boolean(this.abis[name]);
  }

  contract(name, address = this.config.addresses[name], runner = this.provider) {
    return new ethers.Contract(address, this.abis[name], runner);
  }

  async events(name, address) {
    if (!address && !this.has(name)) return [];
    const contract = this.contract(name, address);
    const latest = await this.provider.getBlockNumber();
    const logs = [];
    // in slices: public RPC endpoints cap the block range of one eth_getLogs
    for (let from = Number(this.config.fromBlock || 0); from <= latest; from += LOG_SLICE) {
      logs.push(...(await contract.queryFilter("*", from, Math.min(from + LOG_SLICE - 1, latest))));
    }
    return logs.filter((log) => log.eventName).map((log) => ({
      contract: name, address: log.address, event: log.eventName, args: log.args,
      block: log.blockNumber, index: log.index, tx: log.transactionHash,
    }));
  }

  async label(address) {
    if (!address || address === ZERO) return "—";
    if (!this.labels.has(address)) {
      let kind = 0;
      if (this.has("ParticipantRegistry")) {
        try { kind = Number(await this.contract("ParticipantRegistry").kindOf(address)); } catch { kind = 0; }
      }
      const own = Object.entries(this.config.addresses).find(([, a]) => a.toLowerCase() === address.toLowerCase());
      this.labels.set(address, own ? own[0] : kind ? enumName(KIND, kind) : "unregistered");
    }
    return this.labels.get(address);
  }

  async who(address) {
    const name = await this.label(address);
    return h("span", { class: "who", title: address }, h("span", {}, name), " ", h("span", { class: "mono muted" }, short(address)));
  }
}

const byOrder = (a, b) => a.block - b.block || a.index - b.index;

// ------------------------------------------------------------------------------ transactions

// A link from an event row to its transaction (the "Transaction" panel, also `/?tx=0x…`).
const txLink = (hash) => h("a", { href: `?tx=${hash}`, class: "tx mono", "data-tx": hash, title: hash }, hex(hash, 10));

// The events of a receipt, decoded by whichever exported ABI knows them.
function decodeLogs(chain, logs) {
  const interfaces = Object.entries(chain.abis).map(([name, abi]) => [name, new ethers.Interface(abi)]);
  return logs.map((log) => {
    for (const [name, iface] of interfaces) {
      try {
        const parsed = iface.parseLog(log);
        if (parsed) return `${name}.${parsed.name}(${parsed.args.map((a) => String(a)).join(", ")})`;
      } catch { /* not this ABI */ }
    }
    return `log of ${log.address} (unknown event)`;
  });
}

async function showTransaction(chain, hash) {
  const [tx, receipt] = await Promise.all([chain.provider.getTransaction(hash), chain.provider.getTransactionReceipt(hash)]);
  const box = document.getElementById("tx-view");
  box.hidden = false;
  if (!tx || !receipt) {
    fill("tx-body", h("p", { class: "empty" }, `no transaction ${hash} on chain ${chain.config.chainId}`));
    return;
  }
  const block = await chain.provider.getBlock(receipt.blockNumber);
  fill("tx-body", h("dl", { class: "facts", "data-testid": "tx" },
    h("dt", {}, "hash"), h("dd", { class: "mono" }, hash),
    h("dt", {}, "block"), h("dd", {}, `${receipt.blockNumber} (${new Date(block.timestamp * 1000).toISOString().replace(".000Z", "Z")})`),
    h("dt", {}, "from"), h("dd", {}, await chain.who(tx.from)),
    h("dt", {}, "to"), h("dd", {}, tx.to ? await chain.who(tx.to) : "contract creation"),
    h("dt", {}, "status"), h("dd", {}, badge(receipt.status === 1 ? "success" : "reverted", receipt.status === 1 ? "" : "bad")),
    h("dt", {}, "gas used"), h("dd", {}, num(receipt.gasUsed)),
    h("dt", {}, "events"), h("dd", {}, h("ol", {}, decodeLogs(chain, receipt.logs).map((line) => h("li", { class: "mono" }, line))))));
  box.scrollIntoView();
}

// ------------------------------------------------------------------------------ carbon credits

async function loadCarbon(chain) {
  const [projectEvents, creditEvents, marketEvents, reportEvents, anchorEvents] = await Promise.all([
    chain.events("ProjectRegistry"), chain.events("CarbonCredits"), chain.events("CarbonMarket"),
    chain.events("MRVReports"), chain.events("MRVAnchor"),
  ]);
  const events = [...projectEvents, ...creditEvents, ...marketEvents, ...reportEvents, ...anchorEvents].sort(byOrder);
  const credits = chain.has("CarbonCredits") ? chain.contract("CarbonCredits") : null;
  const batches = [];
  for (const e of events.filter((x) => x.event === "Issued")) {
    const id = e.args.batchId;
    const [cai, supply] = await Promise.all([credits.caiString(id), credits.supplyOf(id)]);
    batches.push({ id, hash: e.args.cai, cai, supply, issued: e, projectId: e.args.projectId, reportId: e.args.reportId });
  }
  const listings = [];
  if (chain.has("CarbonMarket")) {
    const market = chain.contract("CarbonMarket");
    const count = Number(await market.listingCount());
    for (let id = 1; id <= count; id++) listings.push({ id, ...(await market.listing(id)).toObject() });
  }
  const certificates = [];
  for (const e of events.filter((x) => x.event === "Retired")) {
    const c = await credits.certificate(e.args.certificateId);
    certificates.push({ id: e.args.certificateId, event: e, retiredAt: c.retiredAt });
  }
  return { events, batches, listings, certificates, market: chain.config.addresses.CarbonMarket };
}

function findBatch(carbon, text) {
  const query = text.trim();
  if (!query) return null;
  if (/^0x[0-9a-fA-F]{64}$/.test(query)) return carbon.batches.find((b) => b.hash.toLowerCase() === query.toLowerCase());
  if (/^CAI-/i.test(query)) return carbon.batches.find((b) => b.cai.toUpperCase() === query.toUpperCase());
  if (/^\d+$/.test(query)) return carbon.batches.find((b) => b.id === BigInt(query));
  return null;
}

// The chain of custody of one batch, as greenfi/cli/cai.py's `trace` assembles it, with the MRV
// layer in front: project -> monitoring report -> anchored batches -> issuance -> transfers ->
// market -> retirements and certificates -> cancellations and reversals.
async function traceOf(chain, carbon, batch) {
  const steps = [];
  const market = (carbon.market || "").toLowerCase();
  const batchId = batch.id;
  const projectId = batch.projectId;
  const report = carbon.events.find((e) => e.event === "ReportOpened" && e.args.reportId === batch.reportId);
  const anchored = new Set(report ? report.args.batchIds.map((b) => b.toLowerCase()) : []);
  const listings = new Set();
  const add = (e, kind, ...text) => steps.push({ block: e.block, index: e.index, tx: e.tx, kind, text });
  for (const e of carbon.events) {
    const a = e.args;
    if (e.contract === "ProjectRegistry" && a.projectId === projectId) {
      if (e.event === "ProjectSubmitted") {
        add(e, "project", `project ${projectId} submitted by `, await chain.who(a.developer),
          `: ${enumName(CREDIT_CLASS, Number(a.creditClass))}, ${ascii(a.jurisdiction)}`);
      } else if (e.event === "ProjectStatusChanged" && Number(a.from) !== 0) {
        add(e, "project", `project ${projectId} ${enumName(PROJECT_STATUS, Number(a.from))} → ${enumName(PROJECT_STATUS, Number(a.to))} by `, await chain.who(a.actor));
      } else if (e.event === "DocumentUpdated") {
        add(e, "document", `document ${hex(a.name, 18)} at ${a.uri}`);
      }
    } else if (e.contract === "MRVAnchor" && e.event === "BatchAnchored" && anchored.has(a.batchId.toLowerCase())) {
      add(e, "anchored", `sensor batch ${hex(a.batchId, 14)}: ${num(a.readingCount)} signed readings, ${mwh(a.energyWh)}, `,
        `${date(a.windowStart)} to ${date(a.windowEnd)}, anchored by `, await chain.who(a.submitter));
    } else if (e.contract === "MRVAnchor" && e.event === "BatchFinalized" && anchored.has(a.batchId.toLowerCase())) {
      add(e, "anchored", `sensor batch ${hex(a.batchId, 14)} final after its challenge window (${mwh(a.energyWh)})`);
    } else if (e.event === "ReportOpened" && report && a.reportId === batch.reportId) {
      add(e, "report", `monitoring report ${a.reportId} opened: ${mwh(a.netGenerationWh)}, ${tonnes(a.reductionGrams)}, `,
        `period ${date(a.periodStart)} to ${date(a.periodEnd)}, ${a.batchIds.length} anchored batch(es)`);
    } else if (e.event === "ReportApproved" && a.reportId === batch.reportId) {
      add(e, "report", `monitoring report ${a.reportId} verified by `, await chain.who(a.verifier));
    } else if (e.event === "Issued" && a.batchId === batchId) {
      if (!report) {
        add(e, "report", `monitoring report ${a.reportId} (hash ${hex(a.report.reportHash, 14)}) verified by `,
          await chain.who(a.report.verifier), `: ${tonnes(a.report.reductionGrams)}, ${mwh(a.report.netGenerationWh)}`);
      }
      add(e, "issuance", `batch ${batchId} issued: ${num(a.quantity)} units, serials ${a.serialStart}-${a.serialEnd}, `,
        `${num(a.buffered)} to the buffer pool, ${num(a.quantity - a.buffered)} to `, await chain.who(a.developer));
    } else if (e.event === "TransferSingle" && a.id === batchId && a.from !== ZERO && a.to !== ZERO) {
      if (a.to.toLowerCase() === market || a.from.toLowerCase() === market) continue; // escrow legs: see the listing
      add(e, "transfer", `${num(a.value)} units from `, await chain.who(a.from), " to ", await chain.who(a.to));
    } else if (e.event === "Listed" && a.batchId === batchId) {
      listings.add(a.listingId);
      add(e, "listing", `listing ${a.listingId}: ${num(a.amount)} units by `, await chain.who(a.seller),
        ` at ${money(a.unitPrice)} per unit until ${date(a.expiry)}`);
    } else if (e.event === "Filled" && a.batchId === batchId) {
      add(e, "market fill", `listing ${a.listingId}: ${num(a.quantity)} units to `, await chain.who(a.buyer),
        ` for ${money(a.cost)} (fee ${money(a.fee)})`);
    } else if (e.event === "ListingCancelledBySeller" && listings.has(a.listingId)) {
      add(e, "listing", `listing ${a.listingId} cancelled, ${num(a.returned)} units back to `, await chain.who(a.seller));
    } else if (e.event === "Retired" && a.batchId === batchId) {
      const c = a.claim;
      add(e, "retirement", `certificate ${a.certificateId}: ${num(a.amount)} units retired by `, await chain.who(a.retiree),
        " for ", await chain.who(c.beneficiary), ` (${REASON[Number(c.reasonCode)] || c.reasonCode}, ${ascii(c.jurisdiction)}, `,
        `${date(c.periodStart)} to ${date(c.periodEnd)})`);
    } else if (e.event === "Cancelled" && a.batchId === batchId) {
      add(e, "cancellation", `${num(a.amount)} units of `, await chain.who(a.holder), ` cancelled by the regulator`);
    } else if (e.event === "Reversed" && a.batchId === batchId) {
      add(e, "reversal", `${num(a.amount)} units reversed: ${num(a.fromBuffer)} from the buffer pool, ${num(a.fromHolder)} from `,
        await chain.who(a.holder));
    }
  }
  return steps;
}

const KIND_TONE = { retirement: "info", cancellation: "bad", reversal: "bad", listing: "warn", "market fill": "warn" };

async function showTrace(chain, carbon, text) {
  const batch = findBatch(carbon, text);
  if (!batch) {
    fill("cai-trace", h("p", { class: "empty" }, `no batch matches “${text}” on chain ${chain.config.chainId}`));
    return;
  }
  const steps = await traceOf(chain, carbon, batch);
  fill("cai-trace",
    h("div", { class: "head" }, h("div", { class: "cai", "data-testid": "trace-cai" }, batch.cai),
      h("div", { class: "mono muted" }, batch.hash)),
    h("ol", {}, steps.map((s) => h("li", { dataset: { kind: s.kind } },
      h("span", { class: "block" }, `block ${s.block}`), txLink(s.tx), " ", h("span", { class: "kind" }, badge(s.kind, KIND_TONE[s.kind] || "")), " ",
      ...s.text))));
}

async function renderCarbon(chain, carbon) {
  const rows = [];
  for (const b of carbon.batches) {
    const s = b.supply;
    rows.push([h("a", { href: "#credits", class: "cai", "data-batch": b.id.toString() }, b.cai), `project ${b.projectId}`,
      right(num(s.issued)), right(num(s.circulating)), right(num(s.escrowed)), right(num(s.retired)), right(num(s.cancelled)),
      right(num(s.buffered))]);
  }
  fill("batches", table(["CAI", "Project", "Issued ", "Circulating ", "In escrow ", "Retired ", "Cancelled ", "Buffer "], rows,
    { testid: "batches", empty: "no credits issued yet" }));
  document.querySelectorAll("#batches a[data-batch]").forEach((a) => a.addEventListener("click", (ev) => {
    ev.preventDefault();
    document.getElementById("cai-input").value = a.textContent;
    showTrace(chain, carbon, a.textContent);
  }));

  const listingRows = [];
  for (const l of carbon.listings) {
    const batch = carbon.batches.find((b) => b.id === BigInt(l.batchId));
    const status = enumName(LISTING_STATUS, Number(l.status));
    const expired = Number(l.expiry) * 1000 < chain.now * 1000 && status === "Open";
    listingRows.push([right(l.id), h("span", { class: "cai" }, batch ? batch.cai : `batch ${l.batchId}`), await chain.who(l.seller),
      right(money(l.unitPrice)), right(num(l.remaining)), date(l.expiry),
      badge(expired ? "Expired" : status, status === "Open" && !expired ? "" : "warn")]);
  }
  fill("listings", table(["#", "CAI", "Seller", "Unit price ", "Remaining ", "Expires", "Status"], listingRows,
    { testid: "listings", empty: "no listings" }));

  const certRows = [];
  for (const c of carbon.certificates) {
    const a = c.event.args;
    const batch = carbon.batches.find((b) => b.id === a.batchId);
    certRows.push([right(c.id), h("span", { class: "cai" }, batch ? batch.cai : `batch ${a.batchId}`), right(num(a.amount)),
      await chain.who(a.retiree), await chain.who(a.claim.beneficiary), REASON[Number(a.claim.reasonCode)] || a.claim.reasonCode,
      ascii(a.claim.jurisdiction), h("span", { class: "nowrap" }, `${date(a.claim.periodStart)} – ${date(a.claim.periodEnd)}`),
      h("span", { class: "nowrap" }, date(c.retiredAt)), txLink(c.event.tx)]);
  }
  fill("certificates", table(["#", "CAI", "Units ", "Retired by", "Beneficiary", "Reason", "Where", "Claim period", "Retired on", "Transaction"],
    certRows, { testid: "certificates", empty: "no retirements yet" }));

  fill("retire-batch", carbon.batches.map((b) => h("option", { value: b.id.toString() }, b.cai)));
}

// ------------------------------------------------------------------------------ bonds

async function loadBonds(chain) {
  if (!chain.has("GreenBondFactory") || !chain.abis.GreenBond) return [];
  const factory = chain.contract("GreenBondFactory");
  const count = Number(await factory.bondCount());
  const bonds = [];
  for (let i = 0; i < count; i++) {
    const address = await factory.bondAt(i);
    const bond = chain.contract("GreenBond", address);
    const [name, symbol, terms, status, ledgerResult, milestoneCount, projects, risk, steps, supply] = await Promise.all([
      bond.name(), bond.symbol(), bond.terms(), bond.status(), bond.ledger(), bond.milestoneCount(),
      bond.financedProjects(), bond.riskScoreUsed(), bond.stepCount(), bond.totalSupply()]);
    const ledger = ledgerResult.toObject(); // IGreenBond.Ledger: subscribed, refunded, allocatedNet, released, ...
    const milestones = [];
    for (let m = 0; m < Number(milestoneCount); m++) milestones.push({ id: m, ...(await bond.milestone(m)).toObject() });
    const events = await chain.events("GreenBond", address);
    const reportsAddress = await bond.monitoringReports();
    const impact = [];
    for (const projectId of projects) {
      let totals = [0n, 0n];
      try { totals = await chain.contract("MRVReports", reportsAddress).verifiedTotals(projectId); } catch { /* not an MRVReports */ }
      const allocated = milestones.filter((m) => m.projectId === projectId && !m.reallocated).reduce((s, m) => s + m.amount, 0n);
      const released = milestones.filter((m) => m.projectId === projectId && m.released).reduce((s, m) => s + m.amount, 0n);
      // The series' own impact: only output verified after it financed the project, shared with co-financiers.
      let attributed = [0n, 0n];
      try { attributed = await chain.contract("ImpactAttribution", await bond.attribution()).attributed(address, projectId); } catch { /* no attribution */ }
      impact.push({ projectId, generationWh: totals[0], reductionGrams: totals[1], allocated, released, attributed });
    }
    bonds.push({ address, name, symbol, terms, status: Number(status), ledger, milestones, events, impact, risk, steps, supply });
  }
  return bonds;
}

async function renderBonds(chain, bonds) {
  if (!bonds.length) {
    fill("bond-list", h("p", { class: "empty" }, chain.has("GreenBondFactory") ? "no bonds issued yet" : "GreenBondFactory is not deployed on this chain"));
    return;
  }
  const cards = [];
  for (const b of bonds) {
    const t = b.terms;
    const l = b.ledger;
    const raised = l.subscribed - l.refunded;
    const share = (x) => (raised > 0n ? `${Number((x * 10000n) / raised) / 100}%` : "0%");
    const coupons = b.events.filter((e) => e.event === "CouponFunded");
    const kpis = b.events.filter((e) => e.event === "KpiObserved");
    const milestoneRows = b.milestones.map((m) => [right(m.id), `project ${m.projectId}`, right(money(m.amount)),
      Number(m.thresholdWh) ? `generation attributed since allocation ≥ ${mwh(m.thresholdWh)}` : "verifier attestation",
      m.released ? badge("released") : m.reallocated ? badge("reallocated", "warn") : m.expired ? badge("expired", "warn")
        : badge("allocated", "info")]);
    const impactRows = b.impact.map((p) => [`project ${p.projectId}`, right(money(p.released)), right(mwh(p.generationWh)),
      right(tonnes(p.reductionGrams)), right(`${mwh(p.attributed[0])} / ${tonnes(p.attributed[1])}`)]);
    const couponRows = coupons.map((e) => [right(e.args.period), pct(e.args.rateBps), right(money(e.args.couponPerBond)), right(money(e.args.amount))]);
    cards.push(h("article", { class: "bond", "data-testid": "bond", "data-address": b.address },
      h("h4", {}, `${b.name} `, h("span", { class: "mono muted" }, `${ascii(t.isin)} · ${b.symbol}`), " ",
        badge(enumName(BOND_STATUS, b.status), b.status === 2 ? "bad" : b.status === 0 ? "warn" : "")),
      h("div", { class: "muted" }, `Issuer `, await chain.who(await chain.contract("GreenBond", b.address).issuer()),
        ` · ${num(b.supply)} bonds of ${money(t.denomination)} · coupon ${pct(t.couponRateBps)} ×${t.couponFrequency}/year`,
        Number(t.kpiStepBps) ? ` (+${pct(t.kpiStepBps)} per missed KPI, ${b.steps} step(s) applied)` : "",
        ` · matures ${date(t.maturityDate)}`,
        Number(b.risk.modelVersion) ? ` · issuer risk at settlement ${pct(b.risk.scoreBps)} (model v${b.risk.modelVersion})` : ""),
      h("div", { class: "kv" },
        h("div", {}, h("span", {}, "Raised"), h("b", { "data-testid": "bond-raised" }, money(raised))),
        h("div", {}, h("span", {}, "Allocated to projects"), h("b", {}, money(l.allocatedNet))),
        h("div", {}, h("span", {}, "Released proceeds"), h("b", { "data-testid": "bond-released" }, money(l.released))),
        h("div", {}, h("span", {}, "Withdrawn by developers"), h("b", {}, money(l.withdrawn))),
        h("div", {}, h("span", {}, "Coupons funded"), h("b", {}, money(l.couponsDeposited))),
        h("div", {}, h("span", {}, "Coupons claimed"), h("b", {}, money(l.couponsClaimed))),
        h("div", {}, h("span", {}, "Principal deposited"), h("b", {}, money(l.principalDeposited))),
        h("div", {}, h("span", {}, "KPI observations"), h("b", {}, kpis.length ? kpis.map((e) => enumName(KPI_OUTCOME, Number(e.args.outcome))).join(", ") : "none yet"))),
      h("div", { class: "bar", title: `released ${share(l.released)}, allocated ${share(l.allocatedNet)} of the raise` },
        h("i", { class: "released", style: `width:${share(l.released)}` }),
        h("i", { class: "allocated", style: `width:${share(l.allocatedNet - l.released)}` })),
      h("h3", {}, "Use of proceeds (milestones)"),
      table(["#", "Project", "Amount ", "Released on", "Status"], milestoneRows, { testid: "bond-milestones", empty: "nothing allocated yet" }),
      h("h3", {}, "Verified impact"),
      table(["Project", "Released ", "Verified generation ", "Verified reduction ", "Attributed to this bond "], impactRows,
        { testid: "bond-impact", empty: "no financed projects yet" }),
      coupons.length ? [h("h3", {}, "Coupons"), table(["Period #", "Rate", "Per bond ", "Funded "], couponRows)] : null));
  }
  fill("bond-list", cards);
}

// ------------------------------------------------------------------------------ vouchers

async function loadVouchers(chain) {
  if (!chain.has("CreditVoucher")) return { roots: [], events: [] };
  const vouchers = chain.contract("CreditVoucher");
  const events = await chain.events("CreditVoucher");
  const splits = new Map(events.filter((e) => e.event === "VoucherSplit").map((e) => [e.args.parentId, e.args.amounts.length]));
  const financed = new Map(events.filter((e) => e.event === "Financed").map((e) => [e.args.id, e.args]));
  async function node(id) {
    const v = (await vouchers.voucher(id)).toObject();
    const children = [];
    for (let i = 0; i < (splits.get(id) || 0); i++) children.push(await node(await vouchers.childId(id, i)));
    return { id, ...v, children, financing: financed.get(id) };
  }
  const roots = [];
  for (const e of events.filter((x) => x.event === "VoucherIssued")) {
    roots.push({ info: (await vouchers.rootInfo(e.args.id)).toObject(), tree: await node(e.args.id), issued: e.args });
  }
  return { roots, events };
}

async function renderNode(chain, n, path) {
  const state = enumName(VOUCHER_STATE, Number(n.state));
  const tone = state === "Redeemed" ? "info" : state === "Split" ? "warn" : "";
  const parts = [h("span", { class: "tier" }, `tier ${Number(n.depth) + 1}`), h("span", { class: "mono", title: `voucher id ${n.id}` }, path),
    await chain.who(n.holder), h("span", { class: "amount" }, money(n.amount)), badge(state, tone)];
  if (n.financing) {
    parts.push(badge(`financed by ${await chain.label(n.financing.bank)} at ${pct(n.financing.rateBps)} (quote ${pct(n.financing.quotedRateBps)})`, "info"));
  }
  if (n.claimed > 0n) parts.push(h("span", { class: "muted" }, `claimed ${money(n.claimed)}`));
  const kids = [];
  for (let i = 0; i < n.children.length; i++) kids.push(await renderNode(chain, n.children[i], `${path}.${i + 1}`));
  return h("li", { "data-testid": "voucher-node", "data-depth": Number(n.depth) },
    h("div", { class: "node" }, parts), kids.length ? h("ul", {}, kids) : null);
}

async function renderVouchers(chain, data) {
  if (!data.roots.length) {
    fill("voucher-trees", h("p", { class: "empty" }, "no vouchers issued yet"));
    return;
  }
  const blocks = [];
  for (const r of data.roots) {
    const i = r.info;
    blocks.push(h("div", { class: "bond", "data-testid": "voucher-tree" },
      h("h4", {}, `Voucher V${r.issued.id} `, h("span", { class: "muted" }, "issued by "), await chain.who(i.obligor), " ",
        i.frozen ? badge("frozen", "bad") : null, i.overdueMarked ? badge("overdue", "bad") : null),
      h("div", { class: "muted" }, `face ${money(i.face)} · matures ${date(i.maturity)} · repaid ${money(i.deposited)} · paid out ${money(i.paid)}`,
        Number(i.projectId) ? ` · green-tagged to project ${i.projectId}` : ""),
      h("ul", { class: "tree" }, await renderNode(chain, r.tree, `V${r.issued.id}`))));
  }
  fill("voucher-trees", blocks);
}

// ------------------------------------------------------------------------------ risk

async function loadRisk(chain) {
  const out = { scores: [], models: [] };
  if (chain.has("ModelRegistry")) {
    const registry = chain.contract("ModelRegistry");
    const count = Number(await registry.versionCount());
    for (let v = 1; v <= count; v++) out.models.push({ version: v, ...(await registry.modelVersion(v)).toObject() });
  }
  if (chain.has("RiskOracle")) {
    const oracle = chain.contract("RiskOracle");
    const posted = await chain.events("RiskOracle");
    const estimates = await estimateSubjects(chain); // yield estimates of projects: shown with the loans, not here
    const subjects = [...new Set(posted.filter((e) => e.event === "ScorePosted").map((e) => e.args.subject))]
      .filter((subject) => !estimates.has(ethers.getAddress(subject)));
    for (const subject of subjects) {
      const score = (await oracle.scoreOf(subject)).toObject();
      let usable = "usable";
      try { await oracle.latestScore(subject); } catch (err) { usable = (err.revert && err.revert.name) || "unusable"; }
      out.scores.push({ subject, ...score, usable });
    }
  }
  return out;
}

async function renderRisk(chain, risk) {
  const rows = [];
  for (const s of risk.scores) {
    const model = risk.models.find((m) => BigInt(m.version) === s.modelVersion);
    const tone = s.usable === "usable" ? "" : "warn";
    const label = { usable: "current", ScoreStale: "stale", ScoreExpired: "expired", ModelNotApproved: "model not approved" }[s.usable] || s.usable;
    rows.push([await chain.who(s.subject), right(h("b", { "data-testid": "risk-score" }, pct(s.scoreBps))),
      h("span", { "data-testid": "risk-model" }, `v${s.modelVersion}`, model ? h("span", { class: "mono muted" }, ` ${hex(model.modelHash, 12)}`) : ""),
      model ? badge(enumName(MODEL_STATUS, Number(model.status)), Number(model.status) === 2 ? "" : "warn") : "—",
      date(s.timestamp), date(s.expiry), badge(label, tone)]);
  }
  fill("risk-scores", table(["Participant", "PD (score) ", "Model version", "Model status", "Scored on", "Expires", "For pricing"], rows,
    { testid: "risk-scores", empty: "no risk scores posted yet" }));
  const modelRows = risk.models.map((m) => [right(`v${m.version}`), h("span", { class: "mono" }, hex(m.modelHash, 18)),
    badge(enumName(MODEL_STATUS, Number(m.status)), Number(m.status) === 2 ? "" : "warn"),
    right(ratio(m.metrics.aucBps)), right(ratio(m.metrics.ksBps)), right(ratio(m.metrics.brierBps)), right(ratio(m.metrics.accuracyBps))]);
  fill("models", table(["Version ", "Model hash", "Status", "AUC ", "KS ", "Brier ", "Accuracy "], modelRows,
    { testid: "models", empty: "no model registered yet" }));
}

// ------------------------------------------------------------------------------ overview

function renderOverview(carbon, bonds, vouchers, risk) {
  const sum = (key) => carbon.batches.reduce((s, b) => s + b.supply[key], 0n);
  const released = bonds.reduce((s, b) => s + b.ledger.released, 0n);
  const nodes = (n) => 1 + n.children.reduce((s, c) => s + nodes(c), 0);
  const cards = [
    ["CAI batches", carbon.batches.length], ["Credits issued", num(sum("issued"))], ["Credits retired", num(sum("retired"))],
    ["Bond proceeds released", money(released)],
    ["Voucher parts", vouchers.roots.reduce((s, r) => s + nodes(r.tree), 0)], ["Risk scores", risk.scores.length],
  ];
  fill("overview", cards.map(([label, value]) => h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value))));
}

// ------------------------------------------------------------------------------ acting: the connected wallet

// Run one action (an argument object for `perform`, or a function building it) and show the outcome
// in `statusId`; re-read the chain after a mined transaction.
async function run(chain, statusId, build, done) {
  const status = document.getElementById(statusId);
  const say = (text) => { status.textContent = text; status.dataset.state = "busy"; };
  try {
    if (!wallet.signer) await connectWallet(chain.config.chainId);
    const action = build();
    const { tx } = await perform({ ...action, say, nameError: chain.nameError });
    await refresh(chain);
    status.textContent = `${done} in ${tx.hash}`;
    status.dataset.state = "done";
  } catch (err) {
    status.textContent = `refused, nothing sent: ${err instanceof Refused ? err.message : chain.nameError(err)}`;
    status.dataset.state = "refused";
  }
}

function retireAction(chain, form) {
  const batch = chain.state.carbon.batches.find((b) => b.id === BigInt(form.batch.value));
  if (!batch) throw new Error("choose a batch to retire from");
  const claim = claimFor(batch, { beneficiary: form.beneficiary.value, name: form.name.value, reason: form.reason.value,
    jurisdiction: form.jurisdiction.value });
  const amount = wholeNumber(form.amount.value, "units");
  return { contract: chain.contract("CarbonCredits", undefined, wallet.signer), method: "retire", args: [batch.id, amount, claim],
    effect: `retire ${amount} units of ${batch.cai} for ${claim.beneficiary}` };
}

// With a connected wallet: the investor's portfolio and the regulator's console (what the account
// may do there is the contracts' answer, shown by the simulation before anything is signed).
async function showPortfolio(chain) {
  if (!wallet.account) return;
  await renderPortfolio(chain, chain.state, await loadPortfolio(chain, chain.state, wallet.account));
  await renderConsole(chain, chain.state, await loadConsole(chain, chain.state));
}

// ------------------------------------------------------------------------------ main

async function loadAbis(index) {
  const abis = {};
  await Promise.all(index.contracts.map(async (name) => {
    abis[name] = (await (await fetch(`/abi/${name}.json`)).json()).abi;
  }));
  return abis;
}

function showError(err) {
  const box = document.getElementById("error");
  box.hidden = false;
  box.textContent = `Could not read the chain: ${err.shortMessage || err.message || err}`;
  console.error(err);
}

async function refresh(chain) {
  chain.now = (await chain.provider.getBlock("latest")).timestamp;
  fill("chain-status", `chain ${chain.config.chainId} · ${chain.config.network} · block ${(await chain.provider.getBlockNumber()).toLocaleString("en-US")}`);
  const [carbon, bonds, vouchers, risk, loans] = await Promise.all([loadCarbon(chain), loadBonds(chain), loadVouchers(chain),
    loadRisk(chain), loadLoans(chain)]);
  chain.state = { carbon, bonds, vouchers, risk, loans };
  renderOverview(carbon, bonds, vouchers, risk);
  await renderCarbon(chain, carbon);
  await renderBonds(chain, bonds);
  await renderLoans(chain, loans);
  await renderVouchers(chain, vouchers);
  await renderRisk(chain, risk);
  const input = document.getElementById("cai-input");
  const wanted = new URLSearchParams(window.location.search).get("cai") || input.value || (carbon.batches[0] && carbon.batches[0].cai);
  if (wanted) {
    input.value = wanted;
    await showTrace(chain, carbon, wanted);
  }
  await showPortfolio(chain);
  return carbon;
}

async function main() {
  const config = await (await fetch("/config.json")).json();
  Object.assign(ENUMS, await (await fetch("/enums.json")).json());
  const index = await (await fetch("/abi/index.json")).json();
  const chain = new Chain(config, await loadAbis(index));
  chain.nameError = errorNamer(chain.abis);
  await refresh(chain);

  document.getElementById("cai-search").addEventListener("submit", (ev) => {
    ev.preventDefault();
    showTrace(chain, chain.state.carbon, document.getElementById("cai-input").value).catch(showError);
  });

  document.body.addEventListener("click", (ev) => {
    const link = ev.target.closest("a[data-tx]");
    if (!link) return;
    ev.preventDefault();
    showTransaction(chain, link.dataset.tx).catch(showError);
  });
  const wantedTx = new URLSearchParams(window.location.search).get("tx");
  if (wantedTx) await showTransaction(chain, wantedTx).catch(showError);

  document.getElementById("refresh-button").addEventListener("click", async () => {
    try { await refresh(chain); } catch (err) { showError(err); }
  });

  const button = document.getElementById("wallet-button");
  if (!window.ethereum) {
    button.disabled = true;
    button.title = "No injected wallet (window.ethereum) in this browser: reading the local chain only";
  }
  button.addEventListener("click", async () => {
    try {
      const account = await connectWallet(chain.config.chainId);
      button.textContent = `Wallet ${short(account)}`;
      await showPortfolio(chain);
    } catch (err) { showError(err); }
  });
  const submit = (id, statusId, done, build) => document.getElementById(id).addEventListener("submit", (ev) => {
    ev.preventDefault();
    const which = ev.submitter ? ev.submitter.value : "";
    run(chain, statusId, () => build(ev.target, which), done);
  });
  submit("retire-form", "retire-status", "retired", (form) => retireAction(chain, form));
  submit("subscribe-form", "action-status", "subscribed", (form) => investorActions.subscribe(chain, chain.state, form));
  submit("market-form", "action-status", "bought", (form, which) =>
    (which === "retire" ? investorActions.buyAndRetire : investorActions.fill)(chain, chain.state, form));
  document.getElementById("portfolio").addEventListener("click", (ev) => {
    const claim = ev.target.closest("button[data-action=claim]");
    if (claim) run(chain, "action-status", () => investorActions.claim(chain, chain.state, claim.dataset.bond), "claimed");
  });
  document.getElementById("console").addEventListener("click", (ev) => {
    const target = ev.target.closest("button[data-action]");
    const note = document.getElementById("console-reason").value.trim();
    const units = document.getElementById("console-units").value;
    if (target) run(chain, "console-status", () => consoleAction(chain, target, note, units), "done");
  });
  document.body.dataset.ready = "true";
  fill("loaded-at", `Loaded at block ${await chain.provider.getBlockNumber()}.`);
}

main().catch((err) => { showError(err); document.body.dataset.ready = "error"; });
