"""A local chain populated for the dashboard: the demo's steps (greenfi.demo) on a fresh embedded
chain that stays up while the caller looks at it (the browser test, the screenshot script)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from greenfi import demo
from greenfi.chain.networks import EMBEDDED, Network
from greenfi.paths import DEPLOYMENTS


def records_dir(ctx: demo.DemoContext) -> Path:
    """Where the demo keeps this chain's deployment record: the repo's deployments/ for an attached
    node, the report folder for a fresh embedded chain (greenfi.demo.setup)."""
    return (ctx.options.deployments_dir or DEPLOYMENTS) if ctx.attached else ctx.options.out_dir / "deployments"


@contextlib.contextmanager
def populated_chain(options: demo.DemoOptions | None = None, network: Network = EMBEDDED["development"],
                    log: Callable[[str], None] = lambda line: None) -> Iterator[demo.DemoContext]:
    """A fresh embedded chain after every step of the demo (its report in a scratch folder unless
    `options` name one); stopped on exit."""
    with tempfile.TemporaryDirectory(prefix="greenfi-dashboard-sample-") as scratch:
        options = options or demo.DemoOptions.quick()
        options = replace(options, out_dir=options.out_dir or Path(scratch) / "report")
        with demo.session(network, options, log) as ctx:
            yield demo.run(ctx)


def rpc_url(ctx: demo.DemoContext) -> str:
    return ctx.w3.provider.endpoint_uri
