// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
import {vm} from "../lib/Vm.sol";
import {UnitTest} from "../lib/UnitTest.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";
import {SettlementToken} from "../../../contracts/token/SettlementToken.sol";

/// @title GovernedAccessControlTest
/// @notice GOVERNOR_ROLE administers itself and the governed roles; the default admin moves in two
/// delayed steps; instruments take the registry's admin delay (docs/governance.md).
contract GovernedAccessControlTest is UnitTest {
    uint48 private constant DELAY = 3 days;
    address private newAdmin = address(0xAD);
    address private bank = address(0xBA4C);

    function setUp() public {
        admin = address(this);
        regulator = address(0x5E6);
        registry = new ParticipantRegistry(admin, regulator, DELAY);
    }

    function test_instruments_take_the_registry_admin_delay_and_report_their_interfaces() public {
        SettlementToken token = new SettlementToken("S", "S", registry, admin, bank);
        vm.assertEq(token.defaultAdminDelay(), DELAY, "the registry's delay");
        vm.assertTrue(token.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertTrue(
            token.supportsInterface(type(IAccessControlDefaultAdminRules).interfaceId), "IAccessControlDefaultAdminRules"
        );
        vm.assertFalse(token.supportsInterface(0xffffffff), "no other");
        vm.assertEq(token.getRoleAdmin(token.GOVERNOR_ROLE()), token.GOVERNOR_ROLE(), "governs itself");
        vm.assertTrue(token.hasRole(token.GOVERNOR_ROLE(), admin), "the admin governs until handed on");
    }

    function test_the_default_admin_cannot_grant_the_governor_role_it_gave_up() public {
        bytes32 governor = registry.GOVERNOR_ROLE();
        registry.renounceRole(governor, admin);
        _expectMissingRole(admin, governor);
        registry.grantRole(governor, newAdmin);
    }

    function test_the_default_admin_moves_in_two_delayed_steps() public {
        registry.beginDefaultAdminTransfer(newAdmin);
        (, uint48 schedule) = registry.pendingDefaultAdmin();
        vm.assertEq(schedule, block.timestamp + DELAY, "after the delay");
        _expectError(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, schedule)
        );
        vm.prank(newAdmin);
        registry.acceptDefaultAdminTransfer();
        vm.warp(schedule + 1);
        vm.prank(newAdmin);
        registry.acceptDefaultAdminTransfer();
        vm.assertEq(registry.defaultAdmin(), newAdmin, "moved");
        vm.assertFalse(registry.hasRole(0x00, admin), "the old admin lost it");
    }
}
