"""An ISIN names a series only together with its issuer: series are keyed by (issuer, ISIN), so another issuer
taking an ISIN first blocks nobody, and each issuer's series stays where it expects it."""

import brownie
import pytest
from tests.bond.support import as_tuple, b32, default_terms, now
from brownie import GreenBond, accounts
from tests.support.chain import custom_error, kyc_expiry

from greenfi.domain.participants import Kind, jurisdiction

ISIN = b32("XS0000GREEN1")


@pytest.fixture
def squatter(bond_registry, regulator):
    account = accounts[17]
    bond_registry.register(account, Kind.ENTERPRISE, jurisdiction("CN"), kyc_expiry(), {"from": regulator})
    return account


def test_nobody_can_squat_another_issuers_isin(factory, squatter, issuer):
    first = factory.createBond(as_tuple(default_terms(now())), "Fake", "FK", {"from": squatter}).return_value
    real = factory.createBond(as_tuple(default_terms(now())), "Green", "G", {"from": issuer}).return_value
    assert first != real
    assert factory.bondOf(issuer, ISIN) == real and GreenBond.at(real).issuer() == issuer
    assert factory.bondOf(squatter, ISIN) == first
    assert factory.isinCount(ISIN) == 2 and {factory.isinAt(ISIN, 0), factory.isinAt(ISIN, 1)} == {first, real}
    with brownie.reverts(custom_error("DuplicateIsin", squatter, ISIN)):
        factory.createBond(as_tuple(default_terms(now())), "Again", "A", {"from": squatter})
    assert factory.bondCount() == 2
