"""Demo step 5: a green bond (GreenBondFactory, GreenBond).

Runs only when the deployed suite has a GreenBondFactory; otherwise it logs that it was skipped
and records why in the report.
"""

from __future__ import annotations

from greenfi.demo import DemoContext

SKIPPED = "green bonds not deployed in this suite"


def run(ctx: DemoContext) -> None:
    if "GreenBondFactory" not in ctx.addresses:
        ctx.log(f"    skipped: {SKIPPED}")
        ctx.report["bond"] = {"skipped": SKIPPED}
        return
