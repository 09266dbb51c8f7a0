"""The order in which `make test`'s Brownie workers (pytest-xdist, `-n 2`) take the test modules.

Brownie hands each worker whole modules (xdist's LoadFileScheduling, one anvil per worker), by
default the modules with the most tests first, so the long one-test modules (state machines, daemon
drills, the demo) came last and one worker ran them alone for minutes while the other idled. Here
the slow modules go first, slowest first, and the ~250 quick modules fill the gaps at the end.
A module missing from SLOW_FIRST only runs later; a stale entry only orders nothing: neither can
change a result. Re-measure with `--durations=0` (docs/quality.md, "Suite time").
"""

from xdist.scheduler import LoadFileScheduling

# Folders whose modules share a package-scoped fixture: one unit of work, so that the fixture is
# set up once (tests/dashboard: the demo run that populates the chain, about 30 s).
SHARED_FOLDERS = ("tests/dashboard/",)

# Modules (or SHARED_FOLDERS) that take over ~10 s of a worker, slowest first: seconds of
# setup + calls, measured 2026-12-05 under `-n 2` on the loaded 2-core machine.
SLOW_FIRST = (
    "tests/dashboard/",  # 170 s: the demo run, then four modules driving headless Chromium
    "tests/quality/test_quality_risk_drills.py",  # 111 s: the risk daemon's fault drills
    "tests/voucher/test_voucher_stateful.py",  # 99 s
    "tests/tooling/test_demo_end_to_end.py",  # 77 s: `greenfi demo` as a subprocess, twice
    "tests/mrv/test_mrv_sensor_kill.py",  # 70 s: the sensor daemon's fault drills
    "tests/finance/test_impact_attribution_stateful.py",  # 64 s
    "tests/carbon/test_carbon_stateful.py",  # 47 s
    "tests/mrv/test_mrv_standing.py",  # 47 s
    "tests/loan/test_loan_stateful.py",  # 43 s
    "tests/ai/test_ai_ledger_stateful.py",  # 43 s
    "tests/mrv/test_mrv_devices_stateful.py",  # 41 s
    "tests/carbon/test_carbon_projects_stateful.py",  # 27 s
    "tests/tooling/test_cli_no_traceback.py",  # 15 s
    "tests/mrv/test_mrv_sensor_rejection.py",  # 15 s
    "tests/ai/test_ai_risk_quorum_stateful.py",  # 14 s
    "tests/mrv/test_mrv_sensor_stateful.py",  # 13 s
    "tests/mrv/test_mrv_reports_stateful.py",  # 13 s
    "tests/mrv/test_mrv_replays.py",  # 11 s
    "tests/oracles/test_sensor_screen.py",  # 10 s
)


def module_of(nodeid: str) -> str:
    """The unit of work of a test: its module, or the SHARED_FOLDERS entry it lies in."""
    path = nodeid.split("::", 1)[0]
    return next((folder for folder in SHARED_FOLDERS if path.startswith(folder)), path)


def rank(nodeid: str) -> int:
    """Where a test's module goes: its place in SLOW_FIRST, or after all of them."""
    unit = module_of(nodeid)
    return SLOW_FIRST.index(unit) if unit in SLOW_FIRST else len(SLOW_FIRST)


def slow_first(items: list) -> None:
    """Reorder collected items in place: slow modules first; a stable sort keeps every module's tests
    together and in their order, and the other modules in collection order."""
    items.sort(key=lambda item: rank(item.nodeid))


class SlowFirstScheduling(LoadFileScheduling):
    """Brownie's per-module scheduling, with SHARED_FOLDERS as one unit each, taken in collection order
    (which slow_first set on every worker alike) instead of by test count."""

    def __init__(self, config, log=None):
        config.option.loadscopereorder = False
        super().__init__(config, log)

    def _split_scope(self, nodeid: str) -> str:
        return module_of(nodeid)
