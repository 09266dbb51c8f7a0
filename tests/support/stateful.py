"""Running hypothesis state machines from the test's chain snapshot (docs/quality.md)."""

import os

from brownie import chain, config
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test


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
