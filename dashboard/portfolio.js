// The investor's portfolio for the connected wallet: credits by CAI, bond holdings with claimable
// coupons, voucher parts, retirement certificates; and its actions (subscribe, claim a coupon, fill a
// listing, buy-and-retire), each simulated before it is signed (actions.js). See docs/dashboard.md.
import { ethers } from "/vendor/ethers.js";
import { wallet } from "/actions.js";
import {
  BOND_STATUS, LISTING_STATUS, VOUCHER_STATE, ascii, enumName, fill, h, money, num, right, table, wholeNumber,
} from "/ui.js";

const same = (a, b) => Boolean(a) && Boolean(b) && a.toLowerCase() === b.toLowerCase();
const flatten = (node) => [node, ...node.children.flatMap(flatten)];

/** What the connected account holds, read from the chain and the page's already loaded state. */
export async function loadPortfolio(chain, state, account) {
  const credits = chain.contract("CarbonCredits");
  const held = [];
  for (const batch of state.carbon.batches) {
    const units = await credits.balanceOf(account, batch.id);
    if (units > 0n) held.push({ batch, units });
  }
  const bonds = [];
  for (const bond of state.bonds) {
    const contract = chain.contract("GreenBond", bond.address);
    const [units, claimable] = await Promise.all([contract.balanceOf(account), contract.claimableCoupons(account)]);
    bonds.push({ bond, units, claimable });
  }
  const vouchers = state.vouchers.roots.flatMap((root) => flatten(root.tree)).filter((n) => same(n.holder, account));
  const certificates = state.carbon.certificates.filter((c) =>
    same(c.event.args.retiree, account) || same(c.event.args.claim.beneficiary, account));
  return { account, held, bonds, vouchers, certificates };
}

export async function renderPortfolio(chain, state, portfolio) {
  document.getElementById("portfolio").hidden = false;
  fill("portfolio-account", await chain.who(portfolio.account));
  fill("portfolio-credits", table(["CAI", "Units held "], portfolio.held.map(({ batch, units }) =>
    [h("span", { class: "cai" }, batch.cai), right(num(units))]), { testid: "portfolio-credits", empty: "no credits" }));
  fill("portfolio-bonds", table(["Series", "Status", "Bonds held ", "Claimable coupons ", ""],
    portfolio.bonds.map(({ bond, units, claimable }) => [`${bond.name} (${ascii(bond.terms.isin)})`, enumName(BOND_STATUS, bond.status),
      right(num(units)), right(money(claimable)),
      h("button", { type: "button", "data-action": "claim", "data-bond": bond.address }, "Claim coupons")]),
    { testid: "portfolio-bonds", empty: "no bonds" }));
  fill("portfolio-vouchers", table(["Voucher", "Amount ", "State"], portfolio.vouchers.map((v) =>
    [`voucher ${v.id}`, right(money(v.amount)), enumName(VOUCHER_STATE, v.state)]), { testid: "portfolio-vouchers", empty: "no voucher parts" }));
  fill("portfolio-certificates", table(["#", "CAI", "Units "], portfolio.certificates.map((c) => {
    const batch = state.carbon.batches.find((b) => b.id === c.event.args.batchId);
    return [right(c.id), h("span", { class: "cai" }, batch ? batch.cai : ""), right(num(c.event.args.amount))];
  }), { testid: "portfolio-certificates", empty: "no certificates" }));
  fill("subscribe-bond", state.bonds.map((b) => h("option", { value: b.address },
    `${ascii(b.terms.isin)}: ${enumName(BOND_STATUS, b.status)}, ${money(b.terms.denomination)} per bond`)));
  fill("market-listing", state.carbon.listings.map((l) => h("option", { value: String(l.id) },
    `listing ${l.id}: ${num(l.remaining)} units at ${money(l.unitPrice)} (${Number(l.expiry) <= chain.now ? "expired" : enumName(LISTING_STATUS, l.status)})`)));
}

/** The retirement claim for `batch`: the beneficiary (default: the connected account), the hash of
 * the legal name (the name never goes on chain), the reason, the jurisdiction, the batch's period. */
export function claimFor(batch, { beneficiary, name, reason, jurisdiction }) {
  const who = (beneficiary || "").trim() || wallet.account;
  if (!ethers.isAddress(who)) throw new Error(`not an address: ${who}`);
  const where = (jurisdiction || "CN").trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(where)) throw new Error("the jurisdiction is two letters (ISO 3166-1 alpha-2)");
  const report = batch.issued.args.report;
  return {
    beneficiary: ethers.getAddress(who), beneficiaryNameHash: ethers.id((name || "").trim()), reasonCode: Number(reason || 1),
    jurisdiction: ethers.hexlify(ethers.toUtf8Bytes(where)), periodStart: report.periodStart, periodEnd: report.periodEnd,
  };
}

/** The investor's actions, each an argument object for `perform` (actions.js). */
export const investorActions = {
  subscribe(chain, state, form) {
    const bond = state.bonds.find((b) => b.address === form.bond.value);
    const bonds = wholeNumber(form.bonds.value, "bonds");
    const contract = chain.contract("GreenBond", bond.address, wallet.signer);
    return { contract, method: "subscribe", args: [bonds], effect: `subscribe ${bonds} bonds of ${ascii(bond.terms.isin)}`,
      pay: { token: chain.contract("SettlementToken", undefined, wallet.signer), spender: bond.address, amount: bonds * bond.terms.denomination } };
  },
  claim(chain, state, address) {
    const bond = state.bonds.find((b) => b.address === address);
    return { contract: chain.contract("GreenBond", address, wallet.signer), method: "claimCoupons", args: [],
      effect: `claim the coupons of ${ascii(bond.terms.isin)} due to ${wallet.account}` };
  },
  fill(chain, state, form) {
    const { listing, quantity } = listingOf(state, form);
    return { contract: chain.contract("CarbonMarket", undefined, wallet.signer), method: "fill", args: [listing.id, quantity],
      effect: `buy ${quantity} units of listing ${listing.id}`, pay: payment(chain, listing, quantity) };
  },
  buyAndRetire(chain, state, form) {
    const { listing, quantity } = listingOf(state, form);
    const batch = state.carbon.batches.find((b) => b.id === BigInt(listing.batchId));
    const claim = claimFor(batch, { name: form.name.value, jurisdiction: form.jurisdiction.value });
    return { contract: chain.contract("CarbonMarket", undefined, wallet.signer), method: "buyAndRetire",
      args: [listing.id, quantity, claim], effect: `buy ${quantity} units of listing ${listing.id} and retire them for ${claim.beneficiary}`,
      pay: payment(chain, listing, quantity) };
  },
};

function listingOf(state, form) {
  const listing = state.carbon.listings.find((l) => String(l.id) === form.listing.value);
  if (!listing) throw new Error("choose a listing");
  return { listing, quantity: wholeNumber(form.quantity.value, "units") };
}

function payment(chain, listing, quantity) {
  return { token: chain.contract("SettlementToken", undefined, wallet.signer), spender: chain.config.addresses.CarbonMarket,
    amount: BigInt(listing.unitPrice) * quantity };
}

