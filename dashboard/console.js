// The regulator's and verifiers' console: participants, pause states, projects, devices, reports
// awaiting approval, MRV batches in their challenge window, listings holding credits; and the actions
// freeze/unfreeze, pause/unpause, approve/reject a report, and the market's escrow powers (delist,
// cancel or reverse escrowed units), each simulated before it is signed
// (actions.js). Whether the connected account may act is the contract's answer, shown before signing.
import { ethers } from "/vendor/ethers.js";
import { wallet } from "/actions.js";
import {
  CREDIT_CLASS, KIND, LISTING_STATUS, PROJECT_STATUS, ascii, badge, date, enumName, fill, h, hex, mwh, num, right, table, tonnes, wholeNumber,
} from "/ui.js";

const REPORT_STATUS = "IMRVReports.ReportStatus";
const DEVICE_STATUS = "IDeviceRegistry.DeviceStatus";
const STANDING = "IDeviceRegistry.Standing";
const BATCH_STATUS = "IMRVAnchor.BatchStatus";

const unique = (values) => [...new Set(values)];
const hasView = (chain, name, fn) => chain.has(name) && chain.abis[name].some((i) => i.type === "function" && i.name === fn);
const button = (action, label, data) => h("button", { type: "button", "data-action": action, ...data }, label);

/** The console's state, read through the proxy (events for the ids, views for the current state). */
export async function loadConsole(chain, state) {
  const now = chain.now;
  const read = async (name, fn, ...args) => chain.contract(name)[fn](...args);
  const participants = [];
  if (chain.has("ParticipantRegistry")) {
    const events = await chain.events("ParticipantRegistry");
    for (const account of unique(events.filter((e) => e.event === "ParticipantRegistered").map((e) => e.args.account))) {
      const p = await read("ParticipantRegistry", "participant", account);
      if (Number(p.kind) !== 0) participants.push({ account, ...p.toObject() });
    }
  }
  const pausable = [];
  for (const name of Object.keys(chain.config.addresses)) {
    if (hasView(chain, name, "paused") && hasView(chain, name, "pause")) pausable.push({ name, paused: await read(name, "paused") });
  }
  const projects = [];
  const projectIds = unique(state.carbon.events.filter((e) => e.event === "ProjectSubmitted").map((e) => e.args.projectId));
  for (const id of projectIds) projects.push({ id, ...(await read("ProjectRegistry", "project", id)).toObject() });
  const devices = [];
  if (chain.has("DeviceRegistry")) {
    for (const e of (await chain.events("DeviceRegistry")).filter((x) => x.event === "DeviceRegistered")) {
      const d = (await read("DeviceRegistry", "device", e.args.deviceId)).toObject();
      let standing = null;
      try { standing = (await read("DeviceRegistry", "standingDuring", e.args.deviceId, now - 1, now)).standing; } catch { standing = null; }
      devices.push({ id: e.args.deviceId, ...d, standing });
    }
  }
  const reports = [];
  if (chain.has("MRVReports")) {
    const count = Number(await read("MRVReports", "reportCount"));
    for (let id = 1; id <= count; id++) reports.push({ id, ...(await read("MRVReports", "report", id)).toObject() });
  }
  const batches = [];
  for (const e of state.carbon.events.filter((x) => x.event === "BatchAnchored")) {
    const b = (await read("MRVAnchor", "batch", e.args.batchId)).toObject();
    if (enumName(BATCH_STATUS, b.status) === "Anchored" && Number(b.challengeEnd) > now) batches.push({ id: e.args.batchId, ...b });
  }
  const challenges = state.carbon.events.filter((e) => e.contract === "MRVAnchor" && /Challeng/.test(e.event) && e.event !== "ChallengeWindowSet");
  const listings = state.carbon.listings.filter((l) => enumName(LISTING_STATUS, l.status) === "Open" && BigInt(l.remaining) > 0n);
  return { participants, pausable, projects, devices, reports, batches, challenges, listings };
}

export async function renderConsole(chain, state, view) {
  document.getElementById("console").hidden = false;
  fill("console-participants", table(["Account", "Kind", "Jurisdiction", "KYC expiry", "Frozen", ""],
    await Promise.all(view.participants.map(async (p) => [await chain.who(p.account), enumName(KIND, p.kind), ascii(p.jurisdiction),
      date(p.kycExpiry), p.frozen ? badge("frozen", "bad") : "no",
      p.frozen ? button("unfreeze", "Unfreeze", { "data-account": p.account }) : button("freeze", "Freeze", { "data-account": p.account })])),
    { testid: "console-participants", empty: "no participants" }));
  fill("console-pause", table(["Contract", "State", ""], view.pausable.map((c) => [c.name,
    c.paused ? badge("paused", "bad") : "running",
    c.paused ? button("unpause", "Unpause", { "data-contract": c.name }) : button("pause", "Pause", { "data-contract": c.name })]),
  { testid: "console-pause", empty: "nothing pausable" }));
  fill("console-projects", table(["#", "Developer", "Class", "Jurisdiction", "Status"], await Promise.all(view.projects.map(async (p) =>
    [right(p.id), await chain.who(p.developer), enumName(CREDIT_CLASS, p.creditClass), ascii(p.jurisdiction),
      enumName(PROJECT_STATUS, p.status)])), { testid: "console-projects", empty: "no projects" }));
  fill("console-devices", table(["Device", "Project", "Capacity ", "Status", "Standing now"], view.devices.map((d) =>
    [h("span", { class: "mono", title: d.id }, hex(d.id, 12)), `project ${d.projectId}`, right(`${num(d.capacityW)} W`),
      enumName(DEVICE_STATUS, d.status), d.standing === null ? "—" : enumName(STANDING, d.standing)]),
  { testid: "console-devices", empty: "no devices" }));
  const open = view.reports.filter((r) => enumName(REPORT_STATUS, r.status) === "Open");
  fill("console-reports", table(["#", "Project", "Period", "Generation ", "Reduction ", "Status", ""], view.reports.map((r) => {
    const isOpen = open.includes(r);
    return [right(r.id), `project ${r.projectId}`, `${date(r.periodStart)} – ${date(r.periodEnd)}`, right(mwh(r.netGenerationWh)),
      right(tonnes(r.reductionGrams)), enumName(REPORT_STATUS, r.status),
      h("span", {}, button("approve", "Approve", { "data-report": String(r.id), disabled: !isOpen }), " ",
        button("reject", "Reject", { "data-report": String(r.id), disabled: !isOpen }))];
  }), { testid: "console-reports", empty: "no monitoring reports" }));
  fill("console-batches", table(["Sensor batch", "Project", "Energy ", "Readings ", "Challenges until"], view.batches.map((b) =>
    [h("span", { class: "mono", title: b.id }, hex(b.id, 14)), `project ${b.projectId}`, right(mwh(b.energyWh)), right(num(b.readingCount)),
      date(b.challengeEnd)]), { testid: "console-batches", empty: "no batch in its challenge window" }),
  h("p", { class: "muted" }, `${view.challenges.length} challenge event(s) on record`));
  const escrow = hasView(chain, "CarbonMarket", "forceDelist"); // the market's regulator powers, when deployed
  fill("console-listings", table(["#", "Seller", "Remaining ", "Expires", ""], await Promise.all(view.listings.map(async (l) => {
    const data = { "data-listing": String(l.id) };
    return [right(l.id), await chain.who(l.seller), right(num(l.remaining)), date(l.expiry), escrow ? h("span", {},
      button("delist", "Delist", data), " ", button("cancel-escrow", "Cancel units", data), " ",
      button("reverse-escrow", "Reverse units", data)) : ""];
  })), { testid: "console-listings", empty: "no listing holds credits" }));
}

/** The console's actions from a clicked button, each an argument object for `perform` (actions.js). */
export function consoleAction(chain, target, note, unitsText) {
  const action = target.dataset.action;
  const units = () => wholeNumber(unitsText, "units");
  const signed = (name) => chain.contract(name, undefined, wallet.signer);
  const reason = ethers.id(note || action); // the reason text stays off chain: its hash is recorded
  if (action === "freeze") return { contract: signed("ParticipantRegistry"), method: "freeze", args: [target.dataset.account, reason], effect: `freeze ${target.dataset.account}` };
  if (action === "unfreeze") return { contract: signed("ParticipantRegistry"), method: "unfreeze", args: [target.dataset.account], effect: `unfreeze ${target.dataset.account}` };
  if (action === "pause" || action === "unpause") return { contract: signed(target.dataset.contract), method: action, args: [], effect: `${action} ${target.dataset.contract}` };
  if (action === "approve") return { contract: signed("MRVReports"), method: "approveReport", args: [BigInt(target.dataset.report), reason], effect: `approve report ${target.dataset.report}` };
  if (action === "reject") return { contract: signed("MRVReports"), method: "rejectReport", args: [BigInt(target.dataset.report), reason], effect: `reject report ${target.dataset.report}` };
  const listing = target.dataset.listing;
  if (action === "delist") return { contract: signed("CarbonMarket"), method: "forceDelist", args: [BigInt(listing), reason], effect: `close listing ${listing} and return its units to the seller` };
  if (action === "cancel-escrow") return { contract: signed("CarbonMarket"), method: "cancelEscrowed", args: [BigInt(listing), units(), reason], effect: `cancel ${unitsText} escrowed units of listing ${listing}` };
  if (action === "reverse-escrow") return { contract: signed("CarbonMarket"), method: "reverseEscrowed", args: [BigInt(listing), units(), reason], effect: `reverse ${unitsText} units of listing ${listing}'s batch (buffer pool first)` };
  throw new Error(`unknown action ${action}`);
}
