"""The end-to-end demo: the whole network on one fresh embedded chain, step by step.

Each step is a small module (greenfi/demo/<step>.py) with one `run(ctx)` function over a shared
`DemoContext`: the web3 connection, the cast of participants, the contract handles and the figures
the report (step 8) writes. A failing step ends the demo with a GreenfiError naming the step.

    1 setup         deploy the suite, register the cast, fund it, grant operator roles
    2 mrv           PV project and devices, real PV data through the sensor daemon, anchored
                    batches, a verified monitoring report
    3 carbon        CAI credits: issue, list and fill on the market, retire, trace
    4 risk          train the credit-risk model, register and approve it, post scores
    5 bond          a green bond: issue, subscribe, release proceeds, coupon, KPI step
    6 voucher       an e-credit voucher through three supplier tiers, discounted, repaid, claimed
    7 report        reports/<timestamp>/: summary.md, summary.json, PNG charts

By default the demo starts its own embedded chain (anvil or ganache) dated a day before the replayed
PV days (greenfi.demo.mrv.replay_span: the series' days this year, or last year if they have not
ended yet), so every run starts fresh. With `attach=True` it runs on the node `greenfi chain` keeps
running for the network (anvil only): the suite is deployed idempotently (reused when current),
participants and roles are only added when missing, and every run creates its own project, devices
(keys derived from the run's tag), credit batch, model registration (reused when the same model was
registered before), bond and voucher. To replay past days there, the node's clock is moved back
with `anvil_setTime` before the devices are activated, and set to the wall clock again at the end.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from greenfi.chain.networks import Network
from greenfi.demo.context import ONE_DAY, DemoContext, DemoOptions, DemoStepFailed
from greenfi.errors import GreenfiError
from greenfi.paths import REPO_ROOT

__all__ = ["DemoContext", "DemoOptions", "DemoStepFailed", "failure_reason", "main", "run", "session", "steps"]


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    run: Callable[[DemoContext], None]


def steps() -> list[Step]:
    from greenfi.demo import bond as demo_bond, carbon as demo_carbon, loan as demo_loan, mrv as demo_mrv, report as demo_report, risk as demo_risk, setup as demo_setup, voucher as demo_voucher

    return [
        Step(1, "deploy the suite and register the participants", demo_setup.run),
        Step(2, "PV project, devices, sensor readings, anchored batches, verified report", demo_mrv.run),
        Step(3, "CAI credits: issue, trade, retire, trace", demo_carbon.run),
        Step(4, "credit-risk model: train, register, approve, post scores", demo_risk.run),
        Step(5, "green bond: issue, subscribe, release proceeds, coupon, KPI step", demo_bond.run),
        Step(6, "e-credit voucher: issue, split through three tiers, discount, repay, claim", demo_voucher.run),
        Step(7, "green loan: size from generation, approve on the score, draw, observe three months, repay",
             demo_loan.run),
        Step(8, "write the report folder", demo_report.run),
    ]


def run(ctx: DemoContext) -> DemoContext:
    """Run every step in order; the first failure raises DemoStepFailed naming the step."""
    plan = steps()
    started = time.monotonic()
    ctx.report["timings_s"] = {}
    ctx.started_monotonic = started
    for i, step in enumerate(plan, 1):
        ctx.log(f"\n[{i}/{len(plan)}] step {step.number}: {step.title}")
        t0 = time.monotonic()
        try:
            step.run(ctx)
        except Exception as exc:  # any failure, expected or not, ends with one clear line
            raise DemoStepFailed(f"demo step {step.number} ({step.title}) failed: {failure_reason(ctx, exc)}") from exc
        ctx.report["timings_s"][f"step{step.number}"] = round(time.monotonic() - t0, 1)
        ctx.log(f"    done in {time.monotonic() - t0:.1f} s")
    ctx.log(f"\ndemo finished in {time.monotonic() - started:.0f} s")
    return ctx


def failure_reason(ctx: DemoContext, exc: Exception) -> str:
    """The cause of a failed step on one line; a contract's custom error is named with its arguments
    (decoded against the suite's ABIs), also when a GreenfiError wraps it."""
    from web3.exceptions import ContractLogicError

    from greenfi.chain.transactions import describe_revert, revert_data

    reverted = exc if isinstance(exc, ContractLogicError) else exc.__context__
    text = str(exc) if isinstance(exc, GreenfiError) else f"{type(exc).__name__}: {exc}"
    if isinstance(reverted, ContractLogicError) and revert_data(reverted) is not None:
        named = describe_revert(reverted, lambda: [item for c in ctx.c.values() for item in c.abi])
        text = f"reverted with {named}" if reverted is exc else text.replace(str(reverted), named)
    return " ".join(text.split())


@dataclass(frozen=True)
class _BackdatedNetwork(Network):
    """An embedded network whose genesis block is dated `genesis`: the demo's devices must be
    active before the replayed PV days, which end at the last midnight before now."""

    genesis: int = 0

    def launch_command(self, port: int) -> list[str]:
        command = super().launch_command(port)
        if self.name == "ganache":
            return command + ["--chain.time", str(self.genesis * 1000)]
        return command + ["--timestamp", str(self.genesis)]


@contextlib.contextmanager
def session(network: Network, options: DemoOptions, log: Callable[[str], None] = print,
            attach: bool = False) -> Iterator[DemoContext]:
    """A demo context on a fresh embedded chain dated before the replayed days (stopped on exit), or
    with `attach` on the node `greenfi chain` runs for `network` (its clock set back meanwhile)."""
    from greenfi.chain import node as chain

    if not network.embedded:
        raise GreenfiError(f"the demo runs on an embedded chain or a `greenfi chain` node; '{network.name}' is live (use development or ganache)")
    from greenfi.demo.mrv import replay_span

    started = int(time.time())
    replay_start = replay_span(started, options.start_day, options.days).start
    out_dir = options.out_dir or REPO_ROOT / "reports" / time.strftime("%Y%m%d-%H%M%S", time.gmtime(started))
    options = replace(options, out_dir=out_dir)
    with tempfile.TemporaryDirectory(prefix="greenfi-demo-") as scratch, contextlib.ExitStack() as stack:
        if attach:
            conn = chain.attach(network)
            log(f"attached to the {network.name} node (chain id {conn.chain_id}) at {conn.w3.provider.endpoint_uri}")
        else:
            backdated = _BackdatedNetwork(network.name, True, network.chain_id, network.rpc_url, network.port,
                                          genesis=replay_start - ONE_DAY)
            conn = stack.enter_context(chain.embedded(backdated))
            log(f"local {network.name} chain (chain id {conn.chain_id}) at {conn.w3.provider.endpoint_uri}, "
                f"genesis dated {time.strftime('%Y-%m-%d %H:%M', time.gmtime(backdated.genesis))} UTC")
        ctx = DemoContext(conn, options, log, Path(scratch), run_tag=f"{conn.chain_id}-{started}",
                          from_block=conn.w3.eth.block_number, attached=attach)
        ctx.report.update(replay_start=replay_start, started_at=started, chain_id=conn.chain_id, attached=attach,
                          network=network.name)
        if not attach:
            yield ctx
            return
        ctx.set_clock(replay_start - ONE_DAY)  # the devices must be active before the replayed days
        try:
            yield ctx
        finally:
            try:
                ctx.set_clock(int(time.time()))
                log("the node's clock is back at the wall clock")
            except Exception as exc:  # never hide the step's own failure behind this one
                log(f"could not reset the node's clock: {exc}")


def main(network: Network, options: DemoOptions, log: Callable[[str], None] = print,
         attach: bool = False) -> DemoContext:
    """Run every step in a `session` (see there); the chain of an embedded run is stopped afterwards."""
    with session(network, options, log, attach) as ctx:
        return run(ctx)
