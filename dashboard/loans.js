// The dashboard's green loans section (read-only): every facility of GreenLoanFactory with its state, balance,
// margin history (approval, repricings, observations: from the facility's events) and the DSCR of each observed
// period. Enum names come from the build (GET /enums.json), never a copy here. See docs/dashboard.md.
import { ethers } from "/vendor/ethers.js";

import { enumMember, enumName, h, money, pct, date, mwh, badge, table, right, fill } from "/ui.js";

export const LOAN_STATE = "IGreenLoan.State";
export const LOAN_KPI = "IGreenLoan.KpiOutcome";
const NO_DEBT_SERVICE = 2 ** 32 - 1; // dscrBps when nothing is scheduled
const FINAL = new Set(["Repaid", "WrittenOff", "Cancelled"]);
const TROUBLE = new Set(["Impaired", "Defaulted", "WrittenOff"]);

// The RiskOracle subject a project's yield estimates (`greenfi loan size --post`) are posted under: the last 20
// bytes of keccak256("greenfi:yield-estimate:" ‖ uint256 projectId) (greenfi.domain.loan_sizing.estimate_subject).
export function estimateSubject(projectId) {
  const digest = ethers.keccak256(ethers.concat([ethers.toUtf8Bytes("greenfi:yield-estimate:"),
    ethers.zeroPadValue(ethers.toBeHex(projectId), 32)]));
  return ethers.getAddress(ethers.dataSlice(digest, 12));
}

// The estimate subjects of every registered project, so the risk view lists participants' scores only.
export async function estimateSubjects(chain) {
  if (!chain.has("ProjectRegistry")) return new Set();
  const count = Number(await chain.contract("ProjectRegistry").projectCount());
  return new Set(Array.from({ length: count }, (_, i) => estimateSubject(i + 1)));
}

export async function loadLoans(chain) {
  if (!chain.has("GreenLoanFactory") || !chain.abis.GreenLoan) return [];
  const factory = chain.contract("GreenLoanFactory");
  const count = Number(await factory.loanCount());
  const loans = [];
  for (let id = 1; id <= count; id++) {
    const address = await factory.loanOf(id);
    const loan = chain.contract("GreenLoan", address);
    const [state, terms, debt, pricing, ledger, borrower, lender] = await Promise.all([
      loan.state(), loan.terms(), loan.debt(), loan.pricing(), loan.ledger(), loan.borrower(), loan.lender()]);
    const events = await chain.events("GreenLoan", address);
    loans.push({ id, address, state: Number(state), terms: terms.toObject(), debt: debt.toObject(),
      pricing: pricing.toObject(), ledger: ledger.toObject(), observations: observationsOf(events), borrower, lender,
      events });
  }
  return loans;
}

// Every observed period from the facility's LoanObserved events, in chain order (the facility keeps only the last
// observation's summary in storage).
export function observationsOf(events) {
  return events.filter((e) => e.event === "LoanObserved").map((e) => ({ ...e.args.toObject(), period: Number(e.args.period) }));
}

// The margin after each pricing event, in chain order: approval and repricings set the credit margin,
// observations report the whole margin (credit margin + KPI ratchet).
export function marginHistory(events) {
  const rows = [];
  for (const e of events) {
    if (e.event === "LoanApproved") rows.push({ block: e.block, what: "approved", margin: e.args.creditMarginBps });
    else if (e.event === "LoanRepriced") rows.push({ block: e.block, what: "repriced", margin: e.args.creditMarginBps });
    else if (e.event === "LoanObserved") rows.push({ block: e.block, what: `period ${e.args.period}`, margin: e.args.marginBps });
  }
  return rows;
}

const dscr = (bps) => (Number(bps) >= NO_DEBT_SERVICE ? "—" : `${(Number(bps) / 10000).toFixed(2)}x`);

export async function renderLoans(chain, loans) {
  if (!loans.length) {
    fill("loan-list", h("p", { class: "empty" },
      chain.has("GreenLoanFactory") ? "no loans proposed yet" : "GreenLoanFactory is not deployed on this chain"));
    return;
  }
  const cards = [];
  for (const l of loans) {
    const t = l.terms;
    const state = enumName(LOAN_STATE, l.state);
    const member = enumMember(LOAN_STATE, l.state);
    const tone = TROUBLE.has(member) ? "bad" : FINAL.has(member) ? "" : "info";
    const observationRows = l.observations.map((o) => [right(o.period), enumName(LOAN_KPI, Number(o.outcome)),
      right(mwh(o.outputWh)), right(dscr(o.dscrBps)), `${Number(o.ratchetBps) > 0 ? "+" : ""}${Number(o.ratchetBps)} bp`,
      o.lockedUp ? badge("lock-up", "warn") : "—"]);
    const marginRows = marginHistory(l.events).map((m) => [right(m.block), m.what, right(pct(m.margin))]);
    cards.push(h("article", { class: "loan", "data-testid": "loan", "data-address": l.address },
      h("h4", {}, `Loan ${l.id} `, h("span", { class: "mono muted" }, `project ${t.projectId}`), " ",
        badge(state, tone)),
      h("div", { class: "muted" }, "Borrower ", await chain.who(l.borrower), " · lender ", await chain.who(l.lender),
        ` · ${Number(t.periods)} periods of ${Number(t.periodLength) / 86400} days from ${date(t.startDate)}`),
      h("div", { class: "stats" },
        h("div", {}, h("span", {}, "Commitment"), h("b", {}, money(t.commitment))),
        h("div", {}, h("span", {}, "Drawn"), h("b", {}, money(l.ledger.drawn))),
        h("div", {}, h("span", {}, "Principal outstanding"), h("b", { "data-testid": "loan-balance" }, money(l.debt.principal))),
        h("div", {}, h("span", {}, "Owed now"), h("b", {}, money(l.debt.total))),
        h("div", {}, h("span", {}, "Rate"), h("b", { "data-testid": "loan-rate" },
          `${pct(l.pricing.rateBps)} (margin ${pct(l.pricing.marginBps)})`)),
        h("div", {}, h("span", {}, "Priced on PD"), h("b", {}, `${pct(l.pricing.scoreBps)} (model v${l.pricing.modelVersion})`))),
      h("h3", {}, "Margin history"),
      table(["Block #", "Event", "Margin "], marginRows, { testid: "loan-margins", empty: "not priced yet" }),
      h("h3", {}, "Observations (KPI and DSCR)"),
      table(["Period #", "KPI", "Attributed output ", "DSCR ", "Ratchet", "Covenant"], observationRows,
        { testid: "loan-observations", empty: "no period observed yet" })));
  }
  fill("loan-list", cards);
}
