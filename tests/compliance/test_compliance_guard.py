"""ComplianceGuard: instruments refuse with the registry's reason and name the refused account."""

import brownie
import pytest
from brownie import ComplianceGuardMock
from tests.support.chain import custom_error

from greenfi.domain.participants import Kind, Reason


@pytest.fixture(scope="module")
def guard(registry, admin):
    return ComplianceGuardMock.deploy(registry, {"from": admin})


def test_allows_eligible_parties(guard, enterprise, supplier, bank):
    guard.checkHold(enterprise)
    guard.checkTransact(enterprise, supplier)
    guard.checkActAs(bank, Kind.BANK)
    guard.act({"from": enterprise})
    assert guard.actions() == 1


def test_names_the_refused_side(guard, registry, regulator, enterprise, supplier, outsider):
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        guard.checkTransact(enterprise, outsider)
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        guard.checkTransact(outsider, enterprise)
    registry.freeze(supplier, b"\x00" * 32, {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", supplier, Reason.FROZEN)):
        guard.checkTransact(enterprise, supplier)


def test_wrong_kind_is_refused(guard, enterprise):
    with brownie.reverts(custom_error("ComplianceRefused", enterprise, Reason.WRONG_KIND)):
        guard.checkActAs(enterprise, Kind.BANK)


def test_pause_stops_instruments(guard, registry, regulator, enterprise, supplier):
    registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        guard.act({"from": enterprise})
    with brownie.reverts(custom_error("NetworkPaused")):
        guard.checkTransact(enterprise, supplier)
    assert guard.actions() == 0


def test_rejects_zero_registry(admin):
    with brownie.reverts(custom_error("RegistryZeroAddress")):
        ComplianceGuardMock.deploy(brownie.ZERO_ADDRESS, {"from": admin})
