"""The investor's portfolio in headless Chromium, signing with an injected test wallet on a chain the
demo populated: each action changes the chain as the page says, and one bad input per action is
refused by the page's simulation with nothing sent (the account's nonce and allowances unchanged)."""

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from greenfi.chain.contracts import fields
from greenfi.demo import bond as demo_bond

INVESTOR = "investor_a"


@pytest.fixture(scope="module")
def investor(demo_chain):
    return demo_chain.cast[INVESTOR]


@pytest.fixture(scope="module")
def open_bond(demo_chain):
    """A second series, still in its subscription window."""
    from web3.logs import DISCARD

    from greenfi.chain import contracts

    factory = demo_chain.c["GreenBondFactory"]
    receipt = demo_chain.send(demo_bond.ISSUER, factory.functions.createBond(
        demo_bond.terms(demo_chain.now(), "dapp-portfolio-test"), "Open Green Bond", "GFOB"))
    address = factory.events.BondCreated().process_receipt(receipt, errors=DISCARD)[0]["args"]["bond"]
    return contracts.at(demo_chain.w3, "GreenBond", address)


@pytest.fixture(scope="module")
def listing(demo_chain):
    """A fresh listing of the developer's remaining credits (the demo's own has expired by the bond step)."""
    from greenfi.demo.carbon import UNIT_PRICE

    credits, market = demo_chain.c["CarbonCredits"], demo_chain.c["CarbonMarket"]
    batch = demo_chain.report["carbon"]["batch_id"]
    units = min(5, credits.functions.balanceOf(demo_chain.cast["pv_developer"], batch).call())
    assert units >= 3
    demo_chain.send("pv_developer", market.functions.list(batch, units, UNIT_PRICE, demo_chain.now() + 30 * 86_400))
    return market.functions.listingCount().call()


@pytest.fixture(scope="module")
def driver(dashboard_url, demo_chain, investor, open_bond, listing, connect):
    from greenfi.dashboard import sample
    from greenfi.dashboard.screenshot import browser

    with browser() as driver:
        connect(driver, dashboard_url, investor, sample.rpc_url(demo_chain))
        WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "portfolio").is_displayed())
        yield driver


def act(driver, form_id, button="button[type=submit]", **fields):
    """Fill a portfolio form, press its button, and return the final status line (done or refused)."""
    form = driver.find_element(By.ID, form_id)
    for name, value in fields.items():
        element = form.find_element(By.NAME, name)
        if element.tag_name == "select":
            Select(element).select_by_value(str(value))
        else:
            element.clear()
            element.send_keys(str(value))
    status = driver.find_element(By.ID, "action-status" if form_id != "retire-form" else "retire-status")
    driver.execute_script("arguments[0].textContent = ''; arguments[0].dataset.state = ''", status)
    driver.execute_script("arguments[0].click()", form.find_element(By.CSS_SELECTOR, button))
    WebDriverWait(driver, 30).until(lambda d: status.get_attribute("data-state") in ("done", "refused"))
    return status.get_attribute("data-state"), status.text


@pytest.fixture
def nothing_sent(demo_chain, investor):
    """Asserts after the test body that the investor signed nothing (same nonce)."""
    before = demo_chain.w3.eth.get_transaction_count(investor)
    yield
    assert demo_chain.w3.eth.get_transaction_count(investor) == before


def test_portfolio_shows_what_the_wallet_holds(driver, demo_chain, investor, bond):
    credits = demo_chain.c["CarbonCredits"]
    batch = demo_chain.report["carbon"]["batch_id"]
    rows = driver.find_elements(By.CSS_SELECTOR, "[data-testid=portfolio-credits] tbody tr")
    assert [r.text for r in rows] == [f"{demo_chain.report['carbon']['cai']} {credits.functions.balanceOf(investor, batch).call():,}"]
    bonds = driver.find_element(By.CSS_SELECTOR, "[data-testid=portfolio-bonds]").text
    assert f"{bond.functions.balanceOf(investor).call():,}" in bonds
    mine = [c for c in demo_chain.report["carbon"]["certificates"] if c["holder"] == INVESTOR]
    assert len(driver.find_elements(By.CSS_SELECTOR, "[data-testid=portfolio-certificates] tbody tr")) == len(mine)


def test_subscribe_to_an_open_series(driver, demo_chain, investor, open_bond):
    token = demo_chain.c["SettlementToken"]
    paid_before = token.functions.balanceOf(investor).call()
    state, text = act(driver, "subscribe-form", bond=open_bond.address, bonds=2)
    assert state == "done", text
    assert open_bond.functions.balanceOf(investor).call() == 2
    denomination = open_bond.functions.terms().call()[1]
    assert token.functions.balanceOf(investor).call() == paid_before - 2 * denomination
    assert token.functions.allowance(investor, open_bond.address).call() == 0  # the exact approval was used up


def test_subscribe_refuses_a_closed_series(driver, bond, nothing_sent):
    state, text = act(driver, "subscribe-form", bond=bond.address, bonds=1)
    assert state == "refused" and "WrongStatus(Subscription, Issued)" in text, text  # enum members from the build


def test_subscribe_refuses_too_much(driver, demo_chain, investor, open_bond, nothing_sent):
    state, text = act(driver, "subscribe-form", bond=open_bond.address, bonds=999)
    assert state == "refused" and ("too much" in text or "ExceedsIssueSize" in text), text
    assert demo_chain.c["SettlementToken"].functions.allowance(investor, open_bond.address).call() == 0


def test_fill_a_listing(driver, demo_chain, investor, listing):
    credits, market = demo_chain.c["CarbonCredits"], demo_chain.c["CarbonMarket"]
    batch = demo_chain.report["carbon"]["batch_id"]
    held = credits.functions.balanceOf(investor, batch).call()
    state, text = act(driver, "market-form", "button[value=fill]", listing=listing, quantity=1)
    assert state == "done", text
    assert credits.functions.balanceOf(investor, batch).call() == held + 1
    assert demo_chain.c["SettlementToken"].functions.allowance(investor, market.address).call() == 0


def test_fill_refuses_more_than_the_listing_holds(driver, demo_chain, listing, nothing_sent):
    remaining = fields(demo_chain.c["CarbonMarket"].functions.listing(listing))["remaining"]
    state, text = act(driver, "market-form", "button[value=fill]", listing=listing, quantity=remaining + 1)
    assert state == "refused" and "nothing sent" in text, text


def test_buy_and_retire(driver, demo_chain, investor, listing):
    credits = demo_chain.c["CarbonCredits"]
    count = credits.functions.certificateCount().call()
    state, text = act(driver, "market-form", "button[value=retire]", listing=listing, quantity=1, name="Investor A Ltd")
    assert state == "done", text
    assert credits.functions.certificateCount().call() == count + 1
    certificate = credits.functions.certificate(count + 1).call()
    assert certificate[2] == 1 and certificate[4][0] == investor
    assert certificate[4][1] == bytes(demo_chain.w3.keccak(text="Investor A Ltd"))
    assert demo_chain.c["SettlementToken"].functions.allowance(investor, demo_chain.c["CarbonMarket"].address).call() == 0


def test_buy_and_retire_refuses_a_frozen_account(driver, demo_chain, investor, listing):
    registry = demo_chain.c["ParticipantRegistry"]
    demo_chain.send("regulator", registry.functions.freeze(investor, b"\x01" * 32))
    nonce = demo_chain.w3.eth.get_transaction_count(investor)
    try:
        state, text = act(driver, "market-form", "button[value=retire]", listing=listing, quantity=1, name="Investor A Ltd")
    finally:
        demo_chain.send("regulator", registry.functions.unfreeze(investor))
    assert state == "refused" and "Frozen)" in text, text
    assert demo_chain.w3.eth.get_transaction_count(investor) == nonce


def test_retire_refuses_more_than_held(driver, demo_chain, investor, nothing_sent):
    driver.find_element(By.CSS_SELECTOR, "#retire-box summary").click()
    held = demo_chain.c["CarbonCredits"].functions.balanceOf(investor, demo_chain.report["carbon"]["batch_id"]).call()
    state, text = act(driver, "retire-form", amount=held + 1, name="Investor A Ltd")
    assert state == "refused" and "nothing sent" in text, text


# Last: it moves the chain's clock past the market listing's expiry.
def test_claim_a_coupon_then_nothing_left(driver, demo_chain, investor, bond):
    token = demo_chain.c["SettlementToken"]
    due = bond.functions.couponPerBond(2).call() * bond.functions.totalSupply().call()
    demo_chain.send(demo_bond.ISSUER, token.functions.approve(bond.address, due))
    demo_chain.send(demo_bond.ISSUER, bond.functions.fundCoupon(2))
    demo_chain.advance_to(bond.functions.paymentDate(2).call())
    claimable = bond.functions.claimableCoupons(investor).call()
    assert claimable > 0
    driver.find_element(By.ID, "refresh-button").click()
    shown = f"{claimable / 10**6:,.2f}".rstrip("0").rstrip(".") + " tdCNY"
    WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: shown in d.find_element(By.CSS_SELECTOR, "[data-testid=portfolio-bonds]").text)
    before = token.functions.balanceOf(investor).call()
    state, text = act_claim(driver, bond.address)
    assert state == "done", text
    assert token.functions.balanceOf(investor).call() == before + claimable
    nonce = demo_chain.w3.eth.get_transaction_count(investor)
    state, text = act_claim(driver, bond.address)
    assert state == "refused" and "NothingToClaim(" in text, text
    assert demo_chain.w3.eth.get_transaction_count(investor) == nonce


def act_claim(driver, address):
    status = driver.find_element(By.ID, "action-status")
    driver.execute_script("arguments[0].textContent = ''; arguments[0].dataset.state = ''", status)
    button = driver.find_element(By.CSS_SELECTOR, f"button[data-action=claim][data-bond='{address}']")
    driver.execute_script("arguments[0].click()", button)  # not under the sticky header
    WebDriverWait(driver, 30).until(lambda d: status.get_attribute("data-state") in ("done", "refused"))
    return status.get_attribute("data-state"), status.text
