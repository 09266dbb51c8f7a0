"""Helpers for Brownie tests: matching custom errors, reading events, the chain's clock and mining."""

import contextlib

from brownie import chain, web3

ONE_YEAR = 365 * 24 * 3600
UNIT = 10**6  # SettlementToken decimals


def custom_error(name, *args):
    """The revert message Brownie reports for custom error `name` with `args`.

    Brownie decodes error arguments plainly: addresses in lower case, fixed bytes as Python bytes.
    """
    return f"{name}: {', '.join(_as_decoded(a) for a in args)}"


def event(tx, name, index=0):
    """The arguments of the `index`-th `name` event of `tx`, as plain Python values."""
    return {k: _plain(v) for k, v in tx.events[name][index].items()}


def _plain(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def _as_decoded(arg):
    arg = getattr(arg, "address", arg)
    if isinstance(arg, str) and arg.startswith("0x"):
        raw = bytes.fromhex(arg[2:])
        return arg.lower() if len(raw) == 20 else str(raw)
    if isinstance(arg, (bytes, bytearray)):
        return str(bytes(arg))
    if isinstance(arg, bool):
        return str(arg)
    if isinstance(arg, int):
        return str(int(arg))
    return str(arg)


def now():
    """The chain's clock: the latest block's timestamp.

    Not `chain.time()`, Brownie's wall-clock estimate, which drifts from the node's clock after
    snapshots are reverted.
    """
    return chain[-1].timestamp


def mined_now():
    """The chain's current time, read from a freshly mined block: after a snapshot revert the node's clock
    offset and Brownie's `chain.time()` can disagree, and a new block's timestamp is what contracts see."""
    chain.mine()
    return chain[-1].timestamp


def past(timestamp):
    """Move the chain's clock just past `timestamp`."""
    chain.sleep(max(int(timestamp) - mined_now() + 1, 0))
    chain.mine()


def mine_at(timestamp):
    """Mine one block at exactly `timestamp` (not before the latest block's), for a test of a time boundary:
    `chain.sleep` then `chain.mine` also adds the wall-clock seconds that pass between the calls. anvil takes
    evm_setNextBlockTimestamp; ganache has no such method and takes the time as evm_mine's parameter."""
    if "error" in web3.provider.make_request("evm_setNextBlockTimestamp", [timestamp]):
        response = web3.provider.make_request("evm_mine", [timestamp])
    else:
        response = web3.provider.make_request("evm_mine", [])
    assert "error" not in response and chain[-1].timestamp == timestamp, response


def b32(text):
    """`text` as a right-padded bytes32."""
    return "0x" + text.encode().ljust(32, b"\0").hex()


def kyc_expiry(years=1):
    return now() + years * ONE_YEAR


def resync_node_clock():
    """Set anvil's clock to Brownie's `chain.time()` (ganache keeps the two in step itself)."""
    if web3.client_version.lower().startswith("anvil"):
        response = web3.provider.make_request("evm_setTime", [chain.time()])
        assert "error" not in response, response


def local_network():
    """greenfi's name for the test node: `development` on anvil, `ganache` under `make test NETWORK=ganache`
    (a command given the other name refuses the node's chain id)."""
    from greenfi.chain.networks import EMBEDDED

    chain_id = web3.eth.chain_id
    return next(name for name, network in EMBEDDED.items() if network.chain_id == chain_id)


@contextlib.contextmanager
def mining_paused():
    """Transactions wait in the pool until `evm_mine` mines them into one block: anvil's evm_setAutomine,
    ganache's miner_stop (ganache has no evm_setAutomine)."""
    anvil = "error" not in web3.provider.make_request("evm_setAutomine", [False])
    if not anvil:
        web3.provider.make_request("miner_stop", [])
    try:
        yield
    finally:
        web3.provider.make_request(*(("evm_setAutomine", [True]) if anvil else ("miner_start", [])))
