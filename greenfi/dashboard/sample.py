"""A local chain populated for the dashboard: the demo's steps (greenfi.demo) on a fresh embedded
chain that stays up while the caller looks at it (the browser test, the screenshot script).

The suite (greenfi.deploy.SUITE) does not deploy the green bond contracts yet, so `plan` deploys
GreenBond (the implementation) and GreenBondFactory before the demo's bond step, which then issues
its series; once SUITE has them, nothing is added.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from unittest import mock

from greenfi import contracts, demo
from greenfi.deploy import ContractSpec, SuiteDeployer, SuiteRoles
from greenfi.deployments import DeploymentRecord
from greenfi.networks import EMBEDDED, Network
from greenfi.paths import DEPLOYMENTS
from greenfi.signers import UnlockedSigner

BOND_STEP = 5


def records_dir(ctx: demo.DemoContext) -> Path:
    """Where the demo keeps this chain's deployment record: the repo's deployments/ for an attached
    node, the report folder for a fresh embedded chain (greenfi.demo_setup)."""
    return (ctx.options.deployments_dir or DEPLOYMENTS) if ctx.attached else ctx.options.out_dir / "deployments"


def deploy_bond_contracts(ctx: demo.DemoContext) -> dict[str, str]:
    """GreenBond (the implementation) and GreenBondFactory, added to the demo's deployment record."""
    a = ctx.addresses
    specs = [
        ContractSpec("GreenBond", lambda c: [a["ParticipantRegistry"], a["SettlementToken"], a["ProjectRegistry"],
                                             a["MRVReports"], a["RiskOracle"]]),
        ContractSpec("GreenBondFactory", lambda c: [a["ParticipantRegistry"], c.address("GreenBond")]),
    ]
    roles = SuiteRoles(admin=ctx.deployer, regulator=ctx.cast["regulator"], bank=ctx.cast["bank"])
    record = DeploymentRecord(ctx.conn.chain_id, records_dir(ctx))
    deployed = SuiteDeployer(ctx.w3, UnlockedSigner(ctx.deployer), record, roles, suite=specs, grants=[]).deploy()
    return {"GreenBondFactory": deployed["GreenBondFactory"]}


def plan(steps: list[demo.Step]) -> list[demo.Step]:
    """The demo's steps, with the bond contracts deployed before its bond step when the suite lacks
    them (the demo's step 5 skips the bond without a GreenBondFactory)."""
    def bonds(ctx: demo.DemoContext) -> None:
        if "GreenBondFactory" not in ctx.addresses:
            deployed = deploy_bond_contracts(ctx)
            ctx.addresses.update(deployed)
            ctx.c.update(contracts.suite(ctx.w3, deployed))
        for step in steps:
            if step.number == BOND_STEP:
                step.run(ctx)

    title = next((s.title for s in steps if s.number == BOND_STEP), "green bond")
    ours = demo.Step(BOND_STEP, title, bonds)
    return [s for s in steps if s.number < BOND_STEP] + [ours] + [s for s in steps if s.number > BOND_STEP]


@contextlib.contextmanager
def populated_chain(options: demo.DemoOptions | None = None, network: Network = EMBEDDED["development"],
                    log: Callable[[str], None] = lambda line: None) -> Iterator[demo.DemoContext]:
    """A fresh embedded chain after the demo's steps (see `plan`); stopped on exit.

    The chain's genesis is dated before the replayed PV days, as `greenfi.demo.main` does; the
    deployment record is in `records_dir(ctx)` (the demo's report folder, here a scratch folder)."""
    from greenfi import chain
    from greenfi.demo_mrv import replay_start as first_replayed_midnight

    with tempfile.TemporaryDirectory(prefix="greenfi-dashboard-sample-") as scratch:
        options = options or demo.DemoOptions.quick()
        options = replace(options, out_dir=options.out_dir or Path(scratch) / "report")
        started = int(time.time())
        replay_start = first_replayed_midnight(started, options.days)
        backdated = demo._BackdatedNetwork(network.name, True, network.chain_id, network.rpc_url, network.port,
                                           genesis=replay_start - demo.ONE_DAY)
        with chain.embedded(backdated) as conn:
            ctx = demo.DemoContext(conn, options, log, Path(scratch), run_tag=f"{conn.chain_id}-{started}",
                                   from_block=conn.w3.eth.block_number)
            ctx.report.update(replay_start=replay_start, started_at=started, chain_id=conn.chain_id,
                              attached=False, network=network.name)
            # demo.run takes its steps from demo.steps(): hand it ours for this run only
            demo_steps = demo.steps()
            with mock.patch.object(demo, "steps", lambda: plan(demo_steps)):
                demo.run(ctx)
            yield ctx


def rpc_url(ctx: demo.DemoContext) -> str:
    return ctx.w3.provider.endpoint_uri

