"""`greenfi token mint|transfer|balance`: each command's effect on balances, read back from the
contract, and refusals (not the bank, an unregistered recipient, a short balance) that change nothing."""

import pytest
from tests.support.cli import greenfi, ok, record, refused  # noqa: F401 (greenfi: a fixture)

from greenfi.domain.units import UNIT


@pytest.fixture(scope="module")
def records(registry, settlement_token, tmp_path_factory):
    return record(tmp_path_factory.mktemp("deployments"), registry, settlement_token)


def test_mint_transfer_balance(greenfi, settlement_token, bank, enterprise, supplier):
    assert ok(greenfi(bank, "token", "mint", enterprise.address, "1,250.5")) == (
        f"minted 1,250.500000 tdCNY to {enterprise.address}")
    assert settlement_token.balanceOf(enterprise) == 1_250_500_000
    assert ok(greenfi(enterprise, "token", "transfer", supplier.address, "0.000001")) == (
        f"sent 0.000001 tdCNY from {enterprise.address} to {supplier.address}")
    assert (settlement_token.balanceOf(enterprise), settlement_token.balanceOf(supplier)) == (1_250_499_999, 1)
    assert ok(greenfi(None, "token", "balance", enterprise.address)) == f"{enterprise.address}: 1,250.499999 tdCNY"


def test_refusals_change_nothing(greenfi, settlement_token, bank, enterprise, supplier, outsider):
    settlement_token.mint(enterprise, 10 * UNIT, {"from": bank})
    supply = settlement_token.totalSupply()
    line = refused(greenfi(enterprise, "token", "mint", enterprise.address, "5"))
    assert "AccessControlUnauthorizedAccount" in line and "MINTER_ROLE" in line
    line = refused(greenfi(bank, "token", "mint", outsider.address, "5"))
    assert f"ComplianceRefused({outsider.address.lower()}, NotRegistered)" in line
    assert f"greenfi participant register {outsider.address.lower()} --kind KIND" in line
    line = refused(greenfi(enterprise, "token", "transfer", supplier.address, "10.5"))
    assert "balance 10.000000 tdCNY, needed 10.500000 tdCNY" in line
    assert (settlement_token.totalSupply(), settlement_token.balanceOf(enterprise)) == (supply, 10 * UNIT)
    for bad in ("-1", "0", "1.0000001", "ten"):
        assert greenfi(bank, "token", "mint", enterprise.address, bad).exit_code == 2
    assert "not an address" in refused(greenfi(bank, "token", "mint", "0x12", "1"))
    assert settlement_token.totalSupply() == supply
