"""Helpers for Brownie tests: matching custom errors, reading events, running stateful machines."""

import contextlib
import os

from brownie import chain, config, web3
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

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


# Hypothesis 6.27 spends its first ten or so examples of a state machine on one-step runs before
# it generates full-length ones, so the configured example count comes on top of this warm-up.
STATEFUL_WARMUP_EXAMPLES = 10


# Examples of a machine whose law a forge invariant suite checks far deeper (test/foundry/invariant,
# docs/quality.md): a smoke run that keeps the Brownie wiring (ABI, node, fixtures) honest.
SMOKE_EXAMPLES = 2


def scaled_examples(examples):
    """`examples` for `make test` (GREENFI_STATEFUL_SCALE=1), ten times as many for `make test-deep`:
    for pure-Python properties and machines that set their own hypothesis settings."""
    return examples * int(os.environ.get("GREENFI_STATEFUL_SCALE", "1"))


def run_stateful(machine, step_count=None, examples=None, **context):
    """Run a hypothesis RuleBasedStateMachine, each example from the same chain state.

    `context` becomes class attributes of the machine (contracts, accounts). The number of
    full-length examples and their steps come from brownie-config.yaml's `hypothesis` section
    (`step_count` overrides the steps for machines whose every step runs many operations;
    `examples` the examples, SMOKE_EXAMPLES for machines a forge suite checks deeper);
    GREENFI_STATEFUL_SCALE (set by `make test-deep`) multiplies both.
    (Brownie 1.22's own `state_machine` fixture cannot subclass its compiled base class.)
    """
    chain.snapshot()  # the state at test start, which fn_isolation also restores afterwards

    def teardown(self):
        chain.revert()

    isolated = type(machine.__name__, (machine,), {**context, "teardown": teardown})
    scale = int(os.environ.get("GREENFI_STATEFUL_SCALE", "1"))
    run_state_machine_as_test(
        isolated,
        settings=settings(
            max_examples=STATEFUL_WARMUP_EXAMPLES + scale * (examples or config["hypothesis"]["max_examples"]),
            stateful_step_count=scale * (step_count or config["hypothesis"]["stateful_step_count"]),
            deadline=None,
            # No example database: with one (Brownie's ~/.brownie/hypothesis, shared by every
            # checkout), Hypothesis spends most of the budget shrinking its Pareto front, i.e.
            # mutating one generated run, and replays what earlier runs stored, so a run held
            # about one fresh full-length example and its length grew with the database.
            database=None,
            # Machines that draw a whole operation mix per step make large examples, and a busy
            # node makes slow ones: neither is a defect of the test.
            suppress_health_check=[HealthCheck.data_too_large, HealthCheck.too_slow],
        ),
    )


def now():
    """The chain's clock: the latest block's timestamp.

    Not `chain.time()`, Brownie's wall-clock estimate, which drifts from the node's clock after
    snapshots are reverted.
    """
    return chain[-1].timestamp


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
