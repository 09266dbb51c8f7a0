"""Paths the area tests leave out, found by `make coverage` (see docs/coverage.md)."""

from brownie import CarbonCredits, MockMonitoringReportsForCarbon, ProjectRegistry

ERC165, ERC1155, ACCESS_CONTROL = "0x01ffc9a7", "0xd9b67a26", "0x7965db0b"


def test_carbon_credits_reports_the_interfaces_it_implements(registry, admin, regulator):
    projects = ProjectRegistry.deploy(registry, admin, regulator, {"from": admin})
    reports = MockMonitoringReportsForCarbon.deploy({"from": admin})
    credits = CarbonCredits.deploy(registry, projects, reports, admin, regulator, 1_000, {"from": admin})
    for interface_id in (ERC165, ERC1155, ACCESS_CONTROL):
        assert credits.supportsInterface(interface_id)
    assert not credits.supportsInterface("0xffffffff")
    assert not credits.supportsInterface("0x12345678")
