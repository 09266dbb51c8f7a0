"""Dashboard fixtures: a chain populated by the demo once for the folder (greenfi.dashboard.sample),
the dashboard served against it from a thread, and a headless Chromium that has loaded it."""

import time

import pytest

from greenfi.dashboard.screenshot import CHROMIUM


@pytest.fixture(scope="package")
def demo_run():
    """One demo run for every dashboard module: its chain stays up for the whole folder."""
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed (Debian package chromium; see debian-packages.txt)")
    from greenfi import demo
    from greenfi.dashboard import sample

    with sample.populated_chain(demo.DemoOptions.quick()) as ctx:
        yield ctx


@pytest.fixture(scope="module")
def demo_chain(demo_run):
    """The demo's participants, contracts and figures (ctx.report): each module starts from the chain
    the demo left (a snapshot reverted after the module, its clock too), whatever earlier modules did."""
    ctx = demo_run
    snapshot = ctx.w3.provider.make_request("evm_snapshot", [])["result"]
    clock_lead = ctx.now() - time.time()  # how far the demo moved the chain's clock ahead of the wall clock
    yield ctx
    assert ctx.w3.provider.make_request("evm_revert", [snapshot]).get("result") is True
    ctx.set_clock(int(time.time() + clock_lead))  # a revert restores state, not the node's clock offset


@pytest.fixture(scope="module")
def dashboard_url(demo_chain):
    from greenfi.dashboard import sample
    from greenfi.dashboard.server import Background

    with Background(sample.rpc_url(demo_chain), "development", sample.records_dir(demo_chain)) as url:
        yield url


@pytest.fixture(scope="module")
def bond(demo_chain):
    """The first bond of the factory, as a web3 handle."""
    from greenfi.chain import contracts

    factory = contracts.at(demo_chain.w3, "GreenBondFactory", demo_chain.addresses["GreenBondFactory"])
    return contracts.at(demo_chain.w3, "GreenBond", factory.functions.bondAt(0).call())


@pytest.fixture(scope="module")
def page(dashboard_url):
    """A headless Chromium showing the dashboard, after it has read the chain."""
    from greenfi.dashboard.screenshot import browser, open_dashboard

    with browser() as driver:
        state = open_dashboard(driver, dashboard_url)
        assert state == "true", f"the dashboard did not load ({state}): {driver.get_log('browser')}"
        yield driver


@pytest.fixture(scope="module")
def connect():
    """connect(driver, url, account, rpc_url): the dashboard loaded with the test wallet, connected."""
    from greenfi.dashboard.screenshot import connect_wallet

    return connect_wallet
