"""The regulator's console in headless Chromium, signing with an injected test wallet (the regulator's
account) on a chain the demo populated: each action changes the chain, and a stale or bad action is
refused by the page's simulation with the contract's error and nothing sent."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from greenfi.chain.contracts import fields


@pytest.fixture(scope="module")
def regulator(demo_chain):
    return demo_chain.cast["regulator"]


@pytest.fixture(scope="module")
def driver(dashboard_url, demo_chain, regulator, listing, connect):
    from greenfi.dashboard import sample
    from greenfi.dashboard.screenshot import browser

    with browser(height=1600) as driver:
        connect(driver, dashboard_url, regulator, sample.rpc_url(demo_chain))
        yield driver


@pytest.fixture(scope="module")
def listing(demo_chain):
    """A fresh listing of 3 of the developer's units (the demo's own has expired and sold some)."""
    from greenfi.demo.carbon import UNIT_PRICE

    market = demo_chain.c["CarbonMarket"]
    demo_chain.send("pv_developer", market.functions.list(demo_chain.report["carbon"]["batch_id"], 3, UNIT_PRICE,
                                                         demo_chain.now() + 30 * 86_400))
    return market.functions.listingCount().call()


def click(driver, selector):
    """Press a console button; the final console status (done or refused) and its text."""
    status = driver.find_element(By.ID, "console-status")
    driver.execute_script("arguments[0].textContent = ''; arguments[0].dataset.state = ''", status)
    button = driver.find_element(By.CSS_SELECTOR, selector)
    driver.execute_script("arguments[0].disabled = false; arguments[0].click()", button)
    WebDriverWait(driver, 30).until(lambda d: status.get_attribute("data-state") in ("done", "refused"))
    return status.get_attribute("data-state"), status.text


def registered(demo_chain):
    registry = demo_chain.c["ParticipantRegistry"]
    logs = registry.events.ParticipantRegistered().get_logs(from_block=0)
    return [a for a in dict.fromkeys(log["args"]["account"] for log in logs) if registry.functions.participant(a).call()[0]]


def test_console_lists_participants_projects_reports_and_listings(driver, demo_chain):
    rows = driver.find_elements(By.CSS_SELECTOR, "[data-testid=console-participants] tbody tr")
    assert len(rows) == len(registered(demo_chain))
    assert "ParticipantRegistry" in driver.find_element(By.CSS_SELECTOR, "[data-testid=console-pause]").text
    reports = demo_chain.c["MRVReports"].functions.reportCount().call()
    assert len(driver.find_elements(By.CSS_SELECTOR, "[data-testid=console-reports] tbody tr")) == reports
    projects = driver.find_element(By.CSS_SELECTOR, "[data-testid=console-projects]").text
    assert f"{demo_chain.report['project_id']}" in projects and "Active" in projects
    market = demo_chain.c["CarbonMarket"]
    listings = [market.functions.listing(i).call() for i in range(1, market.functions.listingCount().call() + 1)]
    holding = [entry for entry in listings if entry[2] == 1 and entry[4] > 0]  # Open, units in escrow
    assert len(driver.find_elements(By.CSS_SELECTOR, "[data-testid=console-listings] tbody tr")) == len(holding) >= 1


def test_freeze_and_unfreeze_a_participant(driver, demo_chain):
    registry = demo_chain.c["ParticipantRegistry"]
    account = demo_chain.cast["investor_b"]
    state, text = click(driver, f"button[data-action=freeze][data-account='{account}']")
    assert state == "done", text
    assert registry.functions.participant(account).call()[3] is True
    state, text = click(driver, f"button[data-action=unfreeze][data-account='{account}']")
    assert state == "done", text
    assert registry.functions.participant(account).call()[3] is False


def test_freezing_a_frozen_account_is_refused(driver, demo_chain, regulator):
    registry = demo_chain.c["ParticipantRegistry"]
    account = demo_chain.cast["investor_b"]
    demo_chain.send("regulator", registry.functions.freeze(account, b"\x02" * 32))  # the page still offers "Freeze"
    nonce = demo_chain.w3.eth.get_transaction_count(regulator)
    try:
        state, text = click(driver, f"button[data-action=freeze][data-account='{account}']")
        sent = demo_chain.w3.eth.get_transaction_count(regulator) - nonce
    finally:
        demo_chain.send("regulator", registry.functions.unfreeze(account))
    assert state == "refused" and "FrozenStateUnchanged(" in text, text
    assert sent == 0


def test_pause_and_unpause(driver, demo_chain, regulator):
    registry = demo_chain.c["ParticipantRegistry"]
    state, text = click(driver, "button[data-action=pause][data-contract=ParticipantRegistry]")
    assert state == "done", text
    assert registry.functions.paused().call() is True
    nonce = demo_chain.w3.eth.get_transaction_count(regulator)
    driver.execute_script("document.querySelector('button[data-action=unpause][data-contract=ParticipantRegistry]')"
                          ".dataset.action = 'pause'")  # a stale "Pause" on a paused registry
    state, text = click(driver, "button[data-action=pause][data-contract=ParticipantRegistry]")
    assert state == "refused" and "EnforcedPause(" in text, text
    assert demo_chain.w3.eth.get_transaction_count(regulator) == nonce
    driver.execute_script("document.querySelector('button[data-action=pause][data-contract=ParticipantRegistry]')"
                          ".dataset.action = 'unpause'")
    state, text = click(driver, "button[data-action=unpause][data-contract=ParticipantRegistry]")
    assert state == "done", text
    assert registry.functions.paused().call() is False


def test_approving_a_report_that_is_not_open_is_refused(driver, demo_chain, regulator):
    reports = demo_chain.c["MRVReports"]
    assert reports.functions.report(1).call()[5] != 1  # the demo's report was approved and consumed
    nonce = demo_chain.w3.eth.get_transaction_count(regulator)
    state, text = click(driver, "button[data-action=approve][data-report='1']")
    assert state == "refused" and "nothing sent" in text, text
    state, text = click(driver, "button[data-action=reject][data-report='1']")
    assert state == "refused" and "nothing sent" in text, text
    assert demo_chain.w3.eth.get_transaction_count(regulator) == nonce


def units(driver, value):
    box = driver.find_element(By.ID, "console-units")
    box.clear()
    box.send_keys(str(value))


def held(demo_chain, listing):
    """The listing's remaining units plus its batch's buffer pool (a reversal draws from both)."""
    market, credits = demo_chain.c["CarbonMarket"], demo_chain.c["CarbonCredits"]
    batch = demo_chain.report["carbon"]["batch_id"]
    return fields(market.functions.listing(listing))["remaining"], fields(credits.functions.supplyOf(batch))["buffered"]


def test_cancel_and_reverse_escrowed_units_then_delist(driver, demo_chain, regulator, listing):
    market = demo_chain.c["CarbonMarket"]
    remaining, buffered = held(demo_chain, listing)
    nonce = demo_chain.w3.eth.get_transaction_count(regulator)
    units(driver, remaining + 1)  # too much
    state, text = click(driver, f"button[data-action=cancel-escrow][data-listing='{listing}']")
    assert state == "refused" and "ExceedsListing(" in text, text
    assert demo_chain.w3.eth.get_transaction_count(regulator) == nonce
    units(driver, 1)
    state, text = click(driver, f"button[data-action=cancel-escrow][data-listing='{listing}']")
    assert state == "done", text
    assert held(demo_chain, listing) == (remaining - 1, buffered)
    state, text = click(driver, f"button[data-action=reverse-escrow][data-listing='{listing}']")
    assert state == "done", text
    after = held(demo_chain, listing)
    assert sum(after) == remaining - 1 + buffered - 1  # one unit reversed, from the buffer pool first
    state, text = click(driver, f"button[data-action=delist][data-listing='{listing}']")
    assert state == "done", text
    assert fields(market.functions.listing(listing))["status"] != 1  # no longer Open: the units went back to the seller
    assert not driver.find_elements(By.CSS_SELECTOR, f"button[data-action=delist][data-listing='{listing}']")


# Last in the module: it moves the chain's clock past the challenge window.

def open_report_over_a_fresh_batch(demo_chain) -> tuple[int, bytes]:
    """A new device of the demo's project signs four hours of readings, an operator anchors them, the window
    passes, the batch is finalized and the developer opens a report over it: the report awaits a verifier."""
    from eth_account import Account
    from web3 import Web3

    from oracles import Domain, Reading, SignedReading, batch_content_hash, batch_tree, keccak256, sign_reading

    ctx, project = demo_chain, demo_chain.report["project_id"]
    devices, anchor = ctx.c["DeviceRegistry"], ctx.c["MRVAnchor"]
    key, device = keccak256(b"dashboard-console-device"), keccak256(b"dashboard-console-device-id")
    start = ctx.now() - 5 * 3600
    ctx.send("pv_developer", devices.functions.registerDevice(device, project, Account.from_key(key).address, 0,
                                                              10_000, start - 3600))
    ctx.send("verifier", devices.functions.activate(device))
    domain = Domain(ctx.w3.eth.chain_id, anchor.address)
    readings = [Reading(device, k + 1, start + k * 3600, start + (k + 1) * 3600, 4_000 + k) for k in range(4)]
    items = [SignedReading(r, sign_reading(key, r, domain)) for r in readings]
    root = batch_tree(items).root
    header = (root, project, start, start + 4 * 3600, sum(r.energy_wh for r in readings), 4, batch_content_hash(items))
    ctx.send("oracle_a", anchor.functions.anchorBatch(header, []))
    ctx.advance(fields(anchor.functions.config())["challengeWindow"] + 1)
    ctx.send("oracle_b", anchor.functions.finalize(root))
    reports = ctx.c["MRVReports"]
    ctx.send("pv_developer", reports.functions.openReport(project, start, start + 4 * 3600, [root],
                                                          Web3.keccak(text="dashboard console report")))
    return reports.functions.reportCount().call(), root


def test_a_verifier_rejects_then_approves_a_report_from_the_console(dashboard_url, demo_chain, connect):
    """The verifier rejects an open report (its batch is handed back), the developer reopens it over the same
    batch, and the verifier approves it: each press changes the report's status and the project's totals."""
    from web3 import Web3

    from greenfi.dashboard import sample
    from greenfi.dashboard.screenshot import browser
    from greenfi.domain.mrv import REPORT_STATUSES

    reports, project = demo_chain.c["MRVReports"], demo_chain.report["project_id"]
    first, root = open_report_over_a_fresh_batch(demo_chain)
    before_wh = reports.functions.verifiedTotals(project).call()[0]
    def load(driver):
        connect(driver, dashboard_url, demo_chain.cast["verifier"], sample.rpc_url(demo_chain))

    with browser(height=1600) as driver:
        load(driver)
        state, text = click(driver, f"button[data-action=reject][data-report='{first}']")
        assert state == "done", text
        assert fields(reports.functions.report(first))["status"] == REPORT_STATUSES.index("rejected")
        assert reports.functions.reportOfBatch(root).call() == 0  # the batch is free for a new report

        r = fields(reports.functions.report(first))
        demo_chain.send("pv_developer", reports.functions.openReport(project, r["periodStart"], r["periodEnd"], [root],
                                                                    Web3.keccak(text="dashboard console report, again")))
        second = reports.functions.reportCount().call()
        load(driver)  # the page lists reports as they were when it loaded
        state, text = click(driver, f"button[data-action=approve][data-report='{second}']")
        assert state == "done", text
    approved = fields(reports.functions.report(second))
    assert approved["status"] == REPORT_STATUSES.index("approved") and approved["verifier"] == demo_chain.cast["verifier"]
    after_wh = reports.functions.verifiedTotals(project).call()[0]
    assert after_wh - before_wh == approved["netGenerationWh"] == 4 * 4_000 + 6
