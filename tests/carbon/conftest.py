"""Carbon fixtures: project registry, mock monitoring reports, credits, market, an active project."""

import pytest
from brownie import CarbonMarket, MockMonitoringReportsForCarbon, accounts
from tests.carbon.support import DAY, GEC, PERIOD0, TONNE, VER, report
from tests.support.deploy import activate_project, deploy_credits, deploy_projects, register
from tests.support.chain import UNIT

from greenfi.domain.participants import Kind

BUFFER_BPS = 1_000  # 10 %
FEE_BPS = 100  # 1 %


@pytest.fixture(scope="session")
def treasury():
    return accounts[11]


@pytest.fixture(scope="session")
def issuer():
    """An operator account holding ISSUER_ROLE (issues on developers' behalf)."""
    return accounts[12]


@pytest.fixture(scope="module")
def carbon_registry(registry, regulator, treasury):
    register(registry, regulator, treasury, Kind.BANK)
    return registry


@pytest.fixture(scope="module")
def projects(carbon_registry, admin, regulator):
    return deploy_projects(carbon_registry, admin, regulator)


@pytest.fixture(scope="module")
def reports(admin):
    return MockMonitoringReportsForCarbon.deploy({"from": admin})


@pytest.fixture(scope="module")
def credits(carbon_registry, projects, reports, admin, regulator, issuer):
    c = deploy_credits(carbon_registry, projects, reports, admin, regulator, BUFFER_BPS)
    c.grantRole(c.ISSUER_ROLE(), issuer, {"from": admin})
    return c


@pytest.fixture(scope="module")
def market(carbon_registry, credits, settlement_token, admin, treasury):
    m = CarbonMarket.deploy(carbon_registry, credits, settlement_token, admin, treasury, FEE_BPS, {"from": admin})
    credits.grantRole(credits.MARKET_ROLE(), m, {"from": admin})
    return m


@pytest.fixture(scope="module")
def project(projects, developer, verifier, regulator):
    """An active verified-emission-reduction project of `developer` (id 1)."""
    return activate_project(projects, developer, verifier, regulator, VER)


@pytest.fixture(scope="module")
def gec_project(projects, project, developer, verifier, regulator):
    """An active green-electricity-certificate project of `developer` (id 2)."""
    return activate_project(projects, developer, verifier, regulator, GEC)


@pytest.fixture(scope="module")
def issue(reports, credits, developer, verifier):
    """issue(project_id, tonnes=..., wh=..., start=..., days=...) -> batch id: a fresh approved report, issued."""
    state = {"report": 0, "end": {}}

    def _issue(project_id, tonnes=1000, grams=None, wh=0, start=None, days=90, sender=None):
        state["report"] += 1
        start = state["end"].get(project_id, PERIOD0) if start is None else start
        end = start + days * DAY
        state["end"][project_id] = end
        grams = tonnes * TONNE if grams is None else grams
        reports.setReport(state["report"], report(project_id, start, end, verifier, grams, wh), True)
        return credits.issue(state["report"], {"from": sender or developer}).return_value

    return _issue


@pytest.fixture(scope="module")
def batch(issue, project):
    """Batch 1: 1000 t issued to the developer, 100 t buffered, 900 tradable."""
    return issue(project, tonnes=1000)


@pytest.fixture(scope="module")
def funded(settlement_token, bank, enterprise, supplier, investor, market):
    """Buyers with 1,000,000 settlement units each, the market approved to spend them."""
    for buyer in (enterprise, supplier, investor):
        settlement_token.mint(buyer, 1_000_000 * UNIT, {"from": bank})
        settlement_token.approve(market, 2**256 - 1, {"from": buyer})
    return (enterprise, supplier, investor)
