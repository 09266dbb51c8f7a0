// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "./Vm.sol";
import {Actors} from "./Actors.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

/// @title UnitTest
/// @notice The start every unit test (test/foundry/unit) shares: this test contract is the admin of a
/// participant registry whose regulator is a named account; helpers name people and enrol them, and
/// state the exact refusal the next call must revert with.
abstract contract UnitTest {
    ParticipantRegistry internal registry;
    address internal regulator;
    address internal admin;

    /// @dev A fresh registry administered by this contract (admin delay 0).
    function _deployRegistry() internal {
        admin = address(this);
        regulator = Actors.make("regulator");
        registry = Actors.registry(admin, regulator);
    }

    /// @dev A named account registered as `kind` (KYC valid for a century).
    function _enrolled(string memory name, IParticipantRegistry.Kind kind) internal returns (address account) {
        account = Actors.make(name);
        Actors.enrol(registry, regulator, account, kind);
    }

    function _freeze(address account) internal {
        vm.prank(regulator);
        registry.freeze(account, bytes32(0));
    }

    function _pause() internal {
        vm.prank(regulator);
        registry.pause();
    }

    /// @dev The next call must revert with exactly `data` (selector and arguments).
    function _expectError(bytes memory data) internal {
        vm.expectRevert(data);
    }

    /// @dev The next call must revert with OpenZeppelin's missing-role error for `account`.
    function _expectMissingRole(address account, bytes32 role) internal {
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role));
    }

    /// @dev The next call must be refused by the registry: `account` is frozen.
    function _expectFrozen(address account) internal {
        vm.expectRevert(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, account, IParticipantRegistry.Reason.Frozen)
        );
    }

    /// @dev The next call must be refused because the regulator paused the network.
    function _expectPaused() internal {
        vm.expectRevert(abi.encodeWithSelector(ComplianceGuard.NetworkPaused.selector));
    }
}
