// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {UnitTest} from "../lib/UnitTest.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";

/// @title ParticipantRegistryTest
/// @notice The regulator's register, update, KYC renewal, freeze, removal, jurisdiction
/// restrictions and pause, each refusal with its error, and the standing every instrument reads.
contract ParticipantRegistryTest is UnitTest {
    address private alice = address(0xA11CE);
    address private bob = address(0xB0B);
    uint64 private expiry;

    function setUp() public {
        _deployRegistry();
        expiry = uint64(block.timestamp + 365 days);
        vm.prank(regulator);
        registry.register(alice, IParticipantRegistry.Kind.Investor, "CN", expiry);
    }

    function test_constructor_refuses_a_zero_regulator() public {
        _expectError(abi.encodeWithSelector(IParticipantRegistry.ZeroAddress.selector));
        new ParticipantRegistry(admin, address(0), 0);
    }

    function test_register_records_and_refuses() public {
        vm.expectEmit(address(registry));
        emit IParticipantRegistry.ParticipantRegistered(bob, IParticipantRegistry.Kind.Verifier, "DE", expiry);
        vm.prank(regulator);
        registry.register(bob, IParticipantRegistry.Kind.Verifier, "DE", expiry);
        IParticipantRegistry.Participant memory p = registry.participant(bob);
        vm.assertEq(uint256(p.kind), uint256(IParticipantRegistry.Kind.Verifier), "kind");
        vm.assertTrue(p.jurisdiction == "DE", "jurisdiction");
        vm.assertEq(p.kycExpiry, expiry, "expiry");

        _expectMissingRole(alice, registry.REGULATOR_ROLE());
        vm.prank(alice);
        registry.register(address(3), IParticipantRegistry.Kind.Investor, "CN", expiry);
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(IParticipantRegistry.ZeroAddress.selector));
        registry.register(address(0), IParticipantRegistry.Kind.Investor, "CN", expiry);
        _expectError(abi.encodeWithSelector(IParticipantRegistry.AlreadyRegistered.selector, alice));
        registry.register(alice, IParticipantRegistry.Kind.Investor, "CN", expiry);
        _expectError(abi.encodeWithSelector(IParticipantRegistry.InvalidKind.selector));
        registry.register(address(3), IParticipantRegistry.Kind.None, "CN", expiry);
        _expectError(abi.encodeWithSelector(IParticipantRegistry.InvalidJurisdiction.selector, bytes2("c1")));
        registry.register(address(3), IParticipantRegistry.Kind.Investor, "c1", expiry);
        _expectError(abi.encodeWithSelector(IParticipantRegistry.InvalidJurisdiction.selector, bytes2("C1")));
        registry.register(address(3), IParticipantRegistry.Kind.Investor, "C1", expiry);
        _expectError(abi.encodeWithSelector(IParticipantRegistry.KycExpiryNotInFuture.selector, uint64(block.timestamp)));
        registry.register(address(3), IParticipantRegistry.Kind.Investor, "CN", uint64(block.timestamp));
        vm.stopPrank();
        vm.assertEq(uint256(registry.kindOf(address(3))), 0, "never registered");
    }

    function test_update_renew_freeze_and_remove() public {
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(IParticipantRegistry.NotRegistered.selector, bob));
        registry.update(bob, IParticipantRegistry.Kind.Investor, "CN");
        vm.expectEmit(address(registry));
        emit IParticipantRegistry.ParticipantUpdated(alice, IParticipantRegistry.Kind.Enterprise, "HK");
        registry.update(alice, IParticipantRegistry.Kind.Enterprise, "HK");
        vm.assertEq(uint256(registry.kindOf(alice)), uint256(IParticipantRegistry.Kind.Enterprise), "updated");

        vm.expectEmit(address(registry));
        emit IParticipantRegistry.KycRenewed(alice, expiry + 1);
        registry.renewKyc(alice, expiry + 1);
        vm.assertEq(registry.participant(alice).kycExpiry, expiry + 1, "renewed");

        vm.expectEmit(address(registry));
        emit IParticipantRegistry.ParticipantFrozen(alice, keccak256("aml"));
        registry.freeze(alice, keccak256("aml"));
        vm.assertEq(uint256(registry.canHold(alice)), uint256(IParticipantRegistry.Reason.Frozen), "frozen");
        _expectError(abi.encodeWithSelector(IParticipantRegistry.FrozenStateUnchanged.selector, alice, true));
        registry.freeze(alice, 0);
        vm.expectEmit(address(registry));
        emit IParticipantRegistry.ParticipantUnfrozen(alice);
        registry.unfreeze(alice);
        _expectError(abi.encodeWithSelector(IParticipantRegistry.FrozenStateUnchanged.selector, alice, false));
        registry.unfreeze(alice);

        vm.expectEmit(address(registry));
        emit IParticipantRegistry.ParticipantRemoved(alice);
        registry.remove(alice);
        vm.stopPrank();
        vm.assertEq(uint256(registry.canHold(alice)), uint256(IParticipantRegistry.Reason.NotRegistered), "removed");
    }

    function test_standing_answers_each_reason() public {
        vm.startPrank(regulator);
        registry.register(bob, IParticipantRegistry.Kind.Verifier, "DE", expiry);
        vm.assertEq(uint256(registry.canTransact(alice, bob)), 0, "ok");
        vm.assertEq(uint256(registry.canActAs(alice, IParticipantRegistry.Kind.Investor)), 0, "right kind");
        vm.assertEq(
            uint256(registry.canActAs(alice, IParticipantRegistry.Kind.Verifier)),
            uint256(IParticipantRegistry.Reason.WrongKind),
            "wrong kind"
        );
        vm.assertEq(
            uint256(registry.canActAs(address(3), IParticipantRegistry.Kind.Investor)),
            uint256(IParticipantRegistry.Reason.NotRegistered),
            "unregistered"
        );
        vm.assertEq(
            uint256(registry.canTransact(address(3), bob)), uint256(IParticipantRegistry.Reason.NotRegistered), "from refused"
        );
        vm.expectEmit(address(registry));
        emit IParticipantRegistry.JurisdictionRestrictionSet("DE", true);
        registry.setJurisdictionRestricted("DE", true);
        vm.assertTrue(registry.isJurisdictionRestricted("DE"), "restricted");
        vm.assertEq(
            uint256(registry.canTransact(alice, bob)), uint256(IParticipantRegistry.Reason.JurisdictionRestricted), "to refused"
        );
        _expectError(abi.encodeWithSelector(IParticipantRegistry.InvalidJurisdiction.selector, bytes2("d1")));
        registry.setJurisdictionRestricted("d1", true);
        registry.pause();
        vm.assertTrue(registry.paused(), "paused");
        vm.assertEq(uint256(registry.canHold(alice)), uint256(IParticipantRegistry.Reason.SystemPaused), "hold paused");
        vm.assertEq(
            uint256(registry.canActAs(alice, IParticipantRegistry.Kind.Investor)),
            uint256(IParticipantRegistry.Reason.SystemPaused),
            "act paused"
        );
        vm.assertEq(uint256(registry.canTransact(alice, alice)), uint256(IParticipantRegistry.Reason.SystemPaused), "paused");
        registry.unpause();
        vm.stopPrank();
        vm.warp(expiry);
        vm.assertEq(uint256(registry.canHold(alice)), uint256(IParticipantRegistry.Reason.KycExpired), "expired");
        _expectMissingRole(alice, registry.REGULATOR_ROLE());
        vm.prank(alice);
        registry.pause();
    }
}
