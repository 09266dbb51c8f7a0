// Writes from the browser, through the visitor's injected wallet (window.ethereum): connect, then for
// each action simulate first, show the decoded custom error or what will happen, and only then sign.
// On a refusal nothing is sent. See docs/dashboard.md, "Acting from the page".
import { ethers } from "/vendor/ethers.js";
import { enumMember, money, short } from "/ui.js";

export const wallet = { provider: null, signer: null, account: null };

/** Ask the injected wallet for an account on the dashboard's chain (switching chains if needed). */
export async function connectWallet(chainId) {
  if (!window.ethereum) throw new Error("no injected wallet (window.ethereum) in this browser");
  wallet.provider = new ethers.BrowserProvider(window.ethereum);
  await wallet.provider.send("eth_requestAccounts", []);
  const network = await wallet.provider.getNetwork();
  if (network.chainId !== BigInt(chainId)) {
    await wallet.provider.send("wallet_switchEthereumChain", [{ chainId: ethers.toQuantity(chainId) }]);
    wallet.provider = new ethers.BrowserProvider(window.ethereum);
  }
  wallet.signer = await wallet.provider.getSigner();
  wallet.account = await wallet.signer.getAddress();
  return wallet.account;
}

/** A refusal found before anything was signed (or a failure after): its text is what the page shows. */
export class Refused extends Error {}

// An error argument as the contract names it: an enum by its member (from the ABI's internalType).
const shown = (input, value) => {
  const internal = input.internalType || "";
  return internal.startsWith("enum ") ? enumMember(internal.slice(5), value) : String(value);
};

/** A function naming any revert by the custom errors of every exported ABI: `Name(arg, …)`, enum
 * arguments by member (`WrongStatus(Subscription, Issued)`). */
export function errorNamer(abis) {
  const items = new Map(); // signature -> the ABI item (ethers drops internalType, the enums need it)
  for (const abi of Object.values(abis)) {
    for (const item of abi) {
      if (item.type === "error") items.set(ethers.ErrorFragment.from(item).format("sighash"), item);
    }
  }
  const errors = new ethers.Interface([...items.values()]);
  return (err) => {
    const data = err?.data ?? err?.info?.error?.data ?? err?.error?.data;
    if (typeof data === "string" && data.length >= 10) {
      try {
        const parsed = errors.parseError(data);
        if (parsed) {
          const inputs = items.get(parsed.signature).inputs;
          return `${parsed.name}(${parsed.args.map((a, i) => shown(inputs[i], a)).join(", ")})`;
        }
      } catch { /* not a custom error of the suite */ }
    }
    if (err?.revert) return `${err.revert.name}(${err.revert.args.map((a) => String(a)).join(", ")})`;
    if (err?.code === "ACTION_REJECTED") return "the wallet refused to sign";
    return err?.shortMessage || err?.message || String(err);
  };
}

// True when a simulation stopped exactly at the payment of `amount`: the token's own
// ERC20InsufficientAllowance(spender, allowance, needed) or a contract's InsufficientAllowance(…, needed).
const stoppedAtPayment = (name, amount) => /^(ERC20)?InsufficientAllowance\(/.test(name) && name.endsWith(`, ${amount})`);

/**
 * Simulate `contract.method(...args)` from the connected account, then sign and send it.
 *
 * `pay` ({token, spender, amount}) is a settlement-token payment the call pulls: the wallet's balance
 * is checked first ("too much"), and when the allowance is short the simulation must stop exactly at
 * that payment (every check before it passed); only then is exactly `amount` approved, and the call is
 * simulated again with the allowance in place (checks after the payment, e.g. a retirement's). If it
 * is refused then, or fails when sent, the allowance is set back to what it was.
 * `say(text)` shows progress; `effect` says what will happen. Resolves to {tx, receipt}.
 */
export async function perform({ contract, method, args, pay, effect, say, nameError }) {
  if (pay) {
    const balance = await pay.token.balanceOf(wallet.account);
    if (balance < pay.amount) throw new Refused(`too much: it costs ${money(pay.amount)}, the wallet holds ${money(balance)}`);
  }
  const before = pay ? await pay.token.allowance(wallet.account, pay.spender) : 0n;
  const approve = Boolean(pay) && before < pay.amount;
  try {
    await contract[method].staticCall(...args);
  } catch (err) {
    const name = nameError(err);
    if (!(approve && stoppedAtPayment(name, pay.amount))) throw new Refused(name);
  }
  say(`simulated: will ${effect}${approve ? `, after approving exactly ${money(pay.amount)} to ${short(pay.spender)}` : ""}; waiting for the wallet…`);
  if (approve) await (await pay.token.approve(pay.spender, pay.amount)).wait();
  try {
    if (approve) await contract[method].staticCall(...args);
    const tx = await contract[method](...args);
    say(`sent ${tx.hash}; waiting to be mined…`);
    return { tx, receipt: await tx.wait() };
  } catch (err) {
    if (approve) await (await pay.token.approve(pay.spender, before)).wait(); // leave no allowance behind
    throw new Refused(nameError(err));
  }
}
