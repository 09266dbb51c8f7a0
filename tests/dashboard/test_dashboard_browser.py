"""The dashboard in headless Chromium against a chain populated by the demo: what a person sees."""

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from greenfi.chain import contracts
from greenfi.chain.contracts import fields
from greenfi.dashboard.screenshot import capture
from greenfi.domain.loan_sizing import estimate_subject

TOKEN_UNIT = 10**6


def texts(driver, selector):
    return [el.text for el in driver.find_elements(By.CSS_SELECTOR, selector)]


def money(units):
    return f"{units / TOKEN_UNIT:,.0f} tdCNY"


def trace_entries(driver):
    return [(li.get_attribute("data-kind"), li.text) for li in driver.find_elements(By.CSS_SELECTOR, "#cai-trace li")]


def test_cai_trace_shows_issuance_and_retirements(page, demo_chain):
    carbon = demo_chain.report["carbon"]
    assert page.find_element(By.CSS_SELECTOR, "[data-testid=trace-cai]").text == carbon["cai"]
    entries = trace_entries(page)
    kinds = [kind for kind, _ in entries]
    # chain order: project, the anchored sensor data and its report, then issuance, the market, retirements
    assert kinds.index("project") < kinds.index("anchored") < kinds.index("report") < kinds.index("issuance")
    assert kinds.index("issuance") < kinds.index("market fill") < kinds.index("retirement")
    issuance = next(text for kind, text in entries if kind == "issuance")
    assert f"{carbon['supply']['issued']} units" in issuance
    retirements = [text for kind, text in entries if kind == "retirement"]
    assert len(retirements) == len(carbon["certificates"])
    for text, certificate in zip(retirements, carbon["certificates"]):
        assert f"certificate {certificate['id']}: {certificate['quantity']} units retired" in text
    assert carbon["cai"] in texts(page, "[data-testid=batches] .cai")


def test_cai_search_by_hash_and_unknown_cai(page, demo_chain):
    carbon = demo_chain.report["carbon"]
    cai_hash = demo_chain.c["CarbonCredits"].functions.caiOf(carbon["batch_id"]).call()
    box = page.find_element(By.ID, "cai-input")
    box.clear()
    box.send_keys("CAI-CN-9-2026-9-1-2")
    page.find_element(By.CSS_SELECTOR, "#cai-search button").click()
    WebDriverWait(page, 10).until(expected_conditions.text_to_be_present_in_element((By.ID, "cai-trace"), "no batch matches"))
    box.clear()
    box.send_keys("0x" + cai_hash.hex())
    page.find_element(By.CSS_SELECTOR, "#cai-search button").click()
    WebDriverWait(page, 10).until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=trace-cai]"), carbon["cai"]))
    assert "issuance" in [kind for kind, _ in trace_entries(page)]


def test_a_link_opens_a_trace(dashboard_url, demo_chain):
    from greenfi.dashboard.screenshot import browser, open_dashboard

    carbon = demo_chain.report["carbon"]
    with browser() as driver:
        assert open_dashboard(driver, f"{dashboard_url}?cai={carbon['batch_id']}") == "true"
        assert driver.find_element(By.CSS_SELECTOR, "[data-testid=trace-cai]").text == carbon["cai"]


def test_retirements_are_listed_with_certificates(page, demo_chain):
    rows = page.find_elements(By.CSS_SELECTOR, "[data-testid=certificates] tbody tr")
    assert len(rows) == len(demo_chain.report["carbon"]["certificates"])
    assert all(demo_chain.report["carbon"]["cai"] in row.text for row in rows)
    listing = page.find_element(By.CSS_SELECTOR, "[data-testid=listings] tbody tr").text
    assert demo_chain.report["carbon"]["cai"] in listing and "60 tdCNY" in listing


def test_bond_shows_released_proceeds_and_impact(page, demo_chain, bond):
    subscribed, refunded, _, released, *_ = bond.functions.ledger().call()
    assert released > 0
    card = page.find_element(By.CSS_SELECTOR, f"[data-testid=bond][data-address='{bond.address}']")
    assert card.find_element(By.CSS_SELECTOR, "[data-testid=bond-raised]").text == money(subscribed - refunded)
    assert card.find_element(By.CSS_SELECTOR, "[data-testid=bond-released]").text == money(released)
    milestones = [m.text for m in card.find_elements(By.CSS_SELECTOR, "[data-testid=bond-milestones] tbody tr")]
    assert len(milestones) == bond.functions.milestoneCount().call()
    assert sum(bond.functions.milestone(i).call()[4] for i in range(len(milestones))) == sum(
        m.endswith("released") for m in milestones)
    impact = card.find_element(By.CSS_SELECTOR, "[data-testid=bond-impact] tbody tr").text
    assert impact.startswith(f"project {demo_chain.report['project_id']}") and "MWh" in impact and "tCO2e" in impact


def test_voucher_tree_shows_three_tiers(page, demo_chain):
    splits = demo_chain.c["CreditVoucher"].events.VoucherSplit().get_logs(from_block=0)
    nodes = page.find_elements(By.CSS_SELECTOR, "[data-testid=voucher-tree] [data-testid=voucher-node]")
    assert len(nodes) == 1 + sum(len(log["args"]["amounts"]) for log in splits)
    assert sorted({int(n.get_attribute("data-depth")) for n in nodes}) == [0, 1, 2]
    # a tree, not a list: the third tier sits inside the second, inside the first
    deepest = page.find_elements(By.CSS_SELECTOR, "[data-depth='0'] > ul > [data-depth='1'] > ul > [data-depth='2']")
    assert len(deepest) == 2
    tiers = texts(page, "[data-testid=voucher-tree] .tier")
    assert {"tier 1", "tier 2", "tier 3"} <= set(tiers)
    assert "financed by Bank" in page.find_element(By.CSS_SELECTOR, "[data-testid=voucher-tree]").text


def test_latest_risk_scores_with_model_version(page, demo_chain):
    risk = demo_chain.report["risk"]
    shown = sorted(texts(page, "[data-testid=risk-scores] [data-testid=risk-score]"))
    assert shown == sorted(f"{s['score_bps'] / 100:.2f} %" for s in risk["scores"].values())
    models = texts(page, "[data-testid=risk-scores] [data-testid=risk-model]")
    assert len(models) == len(risk["scores"])
    assert all(m.startswith(f"v{risk['model_version']} {risk['model_hash'][:12]}") for m in models)
    assert "Approved" in page.find_element(By.CSS_SELECTOR, "[data-testid=models]").text


def test_enum_names_come_from_the_build(page, demo_chain):
    from greenfi.chain.transactions import enum_members

    listing_status = enum_members("ICarbonMarket.ListingStatus")
    assert "SoldOut" in listing_status  # shown as "Sold out"
    shown = page.find_element(By.CSS_SELECTOR, "[data-testid=listings] tbody tr .badge").text
    assert shown.replace(" ", "").lower() in [m.lower() for m in listing_status] + ["expired"]
    assert "Bank" in page.find_element(By.CSS_SELECTOR, "[data-testid=voucher-tree]").text  # IParticipantRegistry.Kind
    project = next(text for kind, text in trace_entries(page) if kind == "project")
    assert "Verified emission reduction" in project or "Green electricity certificate" in project


def test_every_trace_row_links_to_its_transaction(page, demo_chain):
    rows = page.find_elements(By.CSS_SELECTOR, "#cai-trace li")
    links = [row.find_element(By.CSS_SELECTOR, "a[data-tx]") for row in rows]
    assert len(links) == len(rows)
    issuance = next(row for row in rows if row.get_attribute("data-kind") == "issuance")
    tx_hash = issuance.find_element(By.CSS_SELECTOR, "a[data-tx]").get_attribute("data-tx")
    receipt = demo_chain.w3.eth.get_transaction_receipt(tx_hash)
    assert receipt.status == 1 and receipt.logs
    issuance.find_element(By.CSS_SELECTOR, "a[data-tx]").click()
    WebDriverWait(page, 10).until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=tx]"), tx_hash))
    shown = page.find_element(By.CSS_SELECTOR, "[data-testid=tx]").text
    assert f"{receipt.blockNumber} (" in shown and "success" in shown and "CarbonCredits.Issued(" in shown
    assert len(page.find_elements(By.CSS_SELECTOR, "[data-testid=tx] ol li")) == len(receipt.logs)
    certificates = page.find_elements(By.CSS_SELECTOR, "[data-testid=certificates] tbody tr a[data-tx]")
    assert len(certificates) == len(demo_chain.report["carbon"]["certificates"])


def test_refresh_reads_the_chain_again(page, demo_chain):
    blocks = demo_chain.w3.eth.block_number
    demo_chain.advance(60)  # a new block
    page.find_element(By.ID, "refresh-button").click()
    WebDriverWait(page, 20).until(
        expected_conditions.text_to_be_present_in_element((By.ID, "chain-status"), f"block {blocks + 1:,}"))
    # The refresh re-renders the trace after the status line, replacing its elements: read it once it is drawn.
    cai = demo_chain.report["carbon"]["cai"]
    WebDriverWait(page, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda p: p.find_element(By.CSS_SELECTOR, "[data-testid=trace-cai]").text == cai)


def test_wallet_mode_without_an_injected_wallet(page):
    button = page.find_element(By.ID, "wallet-button")
    assert not button.is_enabled()  # headless Chromium has no window.ethereum: read-only mode
    assert "no injected wallet" in button.get_attribute("title").lower()


def test_page_has_no_console_errors_and_screenshots(page, tmp_path):
    errors = [e for e in page.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    assert capture(page, tmp_path / "dashboard.png").stat().st_size > 50_000


def test_wallet_mode_signs_a_retirement(dashboard_url, demo_chain, connect):
    from greenfi.dashboard import sample
    from greenfi.dashboard.screenshot import browser

    credits = demo_chain.c["CarbonCredits"]
    holder = demo_chain.cast["investor_a"]
    batch_id = demo_chain.report["carbon"]["batch_id"]
    held = credits.functions.balanceOf(holder, batch_id).call()
    certificates = credits.functions.certificateCount().call()
    assert held > 0
    with browser() as driver:
        connect(driver, dashboard_url, holder, sample.rpc_url(demo_chain))
        driver.find_element(By.CSS_SELECTOR, "#retire-box summary").click()
        form = driver.find_element(By.ID, "retire-form")
        form.find_element(By.NAME, "amount").clear()
        form.find_element(By.NAME, "amount").send_keys("1")
        form.find_element(By.NAME, "name").send_keys("Investor A Ltd")
        form.find_element(By.CSS_SELECTOR, "button").click()
        WebDriverWait(driver, 20).until(
            expected_conditions.text_to_be_present_in_element((By.ID, "retire-status"), "retired in 0x"))
        assert credits.functions.balanceOf(holder, batch_id).call() == held - 1
        assert credits.functions.certificateCount().call() == certificates + 1
        certificate = credits.functions.certificate(certificates + 1).call()
        assert certificate[1] == holder and certificate[2] == 1
        assert certificate[4][1] == bytes(demo_chain.w3.keccak(text="Investor A Ltd"))
        rows = driver.find_elements(By.CSS_SELECTOR, "[data-testid=certificates] tbody tr")
        assert len(rows) == certificates + 1  # the page re-read the chain after the retirement


# ---------------------------------------------------------------- green loans (the demo's step 7)


def test_a_loan_shows_state_balance_margin_history_and_dscr(page, demo_chain):
    loan_report = demo_chain.report["loan"]
    loan = contracts.at(demo_chain.w3, "GreenLoan", loan_report["address"])
    card = page.find_element(By.CSS_SELECTOR, f"[data-testid=loan][data-address='{loan.address}']")
    state = contracts.BuildEnum("IGreenLoan.State").name(loan.functions.state().call())
    assert state == "Repaid" and state in card.find_element(By.CSS_SELECTOR, "h4 .badge").text
    assert card.find_element(By.CSS_SELECTOR, "[data-testid=loan-balance]").text == "0 tdCNY"  # repaid in full
    pricing = fields(loan.functions.pricing())
    assert card.find_element(By.CSS_SELECTOR, "[data-testid=loan-rate]").text == (
        f"{pricing['rateBps'] / 100:.2f} % (margin {pricing['marginBps'] / 100:.2f} %)")

    rows = [r.text for r in card.find_elements(By.CSS_SELECTOR, "[data-testid=loan-observations] tbody tr")]
    assert len(rows) == len(loan_report["periods"]) == loan.functions.nextObservation().call() - 1
    logged = {log["args"]["period"]: log["args"] for log in loan.events.LoanObserved().get_logs(from_block=0)}
    for period, row in zip(loan_report["periods"], rows):
        observed = logged[period["period"]]  # past observations live in the facility's events only
        kpi = contracts.BuildEnum("IGreenLoan.KpiOutcome").name(observed["outcome"])
        assert row.startswith(f"{period['period']} {kpi} ") and f"{observed['dscrBps'] / 10_000:.2f}x" in row

    margins = [r.text for r in card.find_elements(By.CSS_SELECTOR, "[data-testid=loan-margins] tbody tr")]
    assert margins[0].endswith(f"approved {loan_report['credit_margin_bps'] / 100:.2f} %")
    assert [m.split(" ")[1:3] for m in margins[1:]] == [["period", str(p["period"])] for p in loan_report["periods"]]
    assert [m.rsplit(" ", 2)[1] for m in margins[1:]] == [f"{p['margin_bps'] / 100:.2f}" for p in loan_report["periods"]]


def test_yield_estimate_subjects_are_the_python_ones_and_stay_out_of_the_risk_view(page, demo_chain):
    project_id = demo_chain.report["project_id"]
    subject = page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "import('/loans.js').then((m) => done(m.estimateSubject(arguments[0])));", project_id)
    assert subject == estimate_subject(project_id)
    scored = len(page.find_elements(By.CSS_SELECTOR, "[data-testid=risk-scores] [data-testid=risk-score]"))
    assert scored == len(demo_chain.report["risk"]["scores"])  # participants only, not the project's estimate
