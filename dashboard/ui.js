// Shared helpers of the dashboard's modules: DOM building, units, and enum names from the build.
import { ethers } from "/vendor/ethers.js";

export const TOKEN_DECIMALS = 6; // the settlement token (tdCNY)
export const REASON = { 1: "voluntary offset", 2: "compliance obligation", 3: "green-electricity claim", 4: "other" };
// Enum member names come from the build (GET /enums.json, read from the compiled ASTs), never a copy here.
export const ENUMS = {};
export const KIND = "IParticipantRegistry.Kind";
export const CREDIT_CLASS = "IProjectRegistry.CreditClass";
export const PROJECT_STATUS = "IProjectRegistry.ProjectStatus";
export const LISTING_STATUS = "ICarbonMarket.ListingStatus";
export const BOND_STATUS = "IGreenBond.Status";
export const KPI_OUTCOME = "IGreenBond.KpiOutcome";
export const VOUCHER_STATE = "ICreditVoucher.State";
export const MODEL_STATUS = "IModelRegistry.Status";
export const humanize = (member) => member.replace(/([a-z0-9])([A-Z])/g, (_, a, b) => `${a} ${b.toLowerCase()}`);
// `ProjectDeveloper` for IParticipantRegistry.Kind 4, as the contract names it; the number itself
// when the build does not know it.
export const enumMember = (qualified, value) => {
  const member = (ENUMS[qualified] || [])[Number(value)];
  return member === undefined ? String(value) : member;
};
// `Project developer`: the member for people.
export const enumName = (qualified, value) => humanize(enumMember(qualified, value));
export const ZERO = ethers.ZeroAddress;
export const LOG_SLICE = 10_000; // blocks per eth_getLogs

// ------------------------------------------------------------------------------ small helpers

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const short = (address) => (address ? `${address.slice(0, 6)}…${address.slice(-4)}` : "");
export const num = (value) => BigInt(value).toLocaleString("en-US");
export const money = (value) => `${Number(ethers.formatUnits(value, TOKEN_DECIMALS)).toLocaleString("en-US", { maximumFractionDigits: 2 })} tdCNY`;
export const pct = (bps) => `${(Number(bps) / 100).toFixed(2)} %`;
export const ratio = (bps) => (Number(bps) / 10000).toFixed(3);
export const date = (ts) => (Number(ts) ? new Date(Number(ts) * 1000).toISOString().slice(0, 10) : "—");
export const mwh = (wh) => `${(Number(wh) / 1e6).toLocaleString("en-US", { maximumFractionDigits: 3 })} MWh`;
export const tonnes = (grams) => `${(Number(grams) / 1e6).toLocaleString("en-US", { maximumFractionDigits: 3 })} tCO2e`;
export const hex = (value, n = 10) => `${String(value).slice(0, n)}…`;
export const ascii = (bytes) => ethers.toUtf8String(bytes).replace(/\0/g, "");
export const badge = (text, tone = "") => h("span", { class: `badge ${tone}`.trim() }, text);

export function table(headers, rows, attrs = {}) {
  if (!rows.length) return h("p", { class: "empty" }, attrs.empty || "nothing yet");
  const head = h("tr", {}, headers.map((t) => h("th", { class: t.startsWith("#") || t.endsWith(" ") ? "num" : "" }, t.trim())));
  return h("table", { "data-testid": attrs.testid }, h("thead", {}, head),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) =>
      c && c.num !== undefined ? h("td", { class: "num" }, c.num) : h("td", {}, c))))));
}
export const right = (value) => ({ num: value });

export function fill(id, ...content) {
  const el = document.getElementById(id);
  el.replaceChildren(...content.flat().filter(Boolean));
  return el;
}


// A whole number of at least 1 typed into a form, as a BigInt; an Error naming the field otherwise.
export function wholeNumber(text, what) {
  const value = String(text).trim();
  if (!/^\d+$/.test(value) || BigInt(value) === 0n) throw new Error(`${what}: a whole number of at least 1`);
  return BigInt(value);
}
