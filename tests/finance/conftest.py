"""ImpactAttribution fixtures: mocked verified totals, the attribution, and four plain accounts registered as
instruments by a registrar (the admin here; GreenBondFactory in the suite)."""

import pytest
from tests.finance.support import MINIMUM
from brownie import ImpactAttribution, MockMonitoringReportsForBonds, accounts


@pytest.fixture(scope="module")
def totals(admin):
    """Verified totals per project, set directly."""
    return MockMonitoringReportsForBonds.deploy({"from": admin})


@pytest.fixture(scope="module")
def attribution(totals, admin):
    a = ImpactAttribution.deploy(totals, admin, MINIMUM, 0, {"from": admin})
    a.grantRole(a.REGISTRAR_ROLE(), admin, {"from": admin})
    return a


@pytest.fixture(scope="module")
def instruments(attribution, admin):
    chosen = list(accounts[11:15])  # not `outsider` (accounts[10])
    for instrument in chosen:
        attribution.registerInstrument(instrument, {"from": admin})
    return chosen
