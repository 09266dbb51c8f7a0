// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {MRVWorld} from "../lib/MRVWorld.sol";
import {DeviceRegistry} from "../../../contracts/mrv/DeviceRegistry.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";
import {MockProjectRegistry} from "../../../contracts/mocks/MockProjectRegistry.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../../../contracts/interfaces/IProjectRegistry.sol";
import {IDeviceRegistry} from "../../../contracts/interfaces/IDeviceRegistry.sol";

/// @title DeviceRegistryTest
/// @notice docs/mrv.md, DeviceRegistry: None → Registered (the project's developer) → Active (a
/// verifier) ⇄ Suspended (a verifier) → Revoked (the developer or a verifier; final), each refusal
/// with its exact error and nothing changed; and `standingDuring`, judged on the device's whole
/// history (activation, every suspension, revocation).
contract DeviceRegistryTest is MRVWorld {
    bytes32 private constant NEW = keccak256("new device");
    address private newSigner = vm.addr(0xD9);

    function _register() private {
        vm.prank(developer);
        devices.registerDevice(NEW, PROJECT, newSigner, IDeviceRegistry.DeviceKind.EnergyMeter, 5_000, T0);
    }

    function _invalidStatus(bytes32 id, IDeviceRegistry.DeviceStatus status) private {
        _expectError(abi.encodeWithSelector(IDeviceRegistry.InvalidDeviceStatus.selector, id, status));
    }

    function _standing(bytes32 id, uint64 start, uint64 end) private view returns (IDeviceRegistry.Standing s) {
        (s,,,) = devices.standingDuring(id, start, end);
    }

    function _assertStanding(bytes32 id, uint64 start, uint64 end, IDeviceRegistry.Standing expected, string memory what)
        private
        view
    {
        vm.assertEq(uint256(_standing(id, start, end)), uint256(expected), what);
    }

    // ---------------------------------------------------------------- construction

    function test_constructor_refuses_zero_registries() public {
        _expectError(abi.encodeWithSelector(ComplianceGuard.RegistryZeroAddress.selector));
        new DeviceRegistry(registry, MockProjectRegistry(address(0)));
        _expectError(abi.encodeWithSelector(ComplianceGuard.RegistryZeroAddress.selector));
        new DeviceRegistry(ParticipantRegistry(address(0)), projects);
        vm.assertEq(address(devices.projects()), address(projects), "projects");
    }

    // ---------------------------------------------------------------- registration

    /// @notice The project's developer registers a device: its record is what was given, Registered.
    function test_registerDevice_records_the_device_and_emits() public {
        vm.expectEmit(address(devices));
        emit IDeviceRegistry.DeviceRegistered(NEW, PROJECT, newSigner, IDeviceRegistry.DeviceKind.EnergyMeter, 5_000, T0);
        _register();
        IDeviceRegistry.Device memory d = devices.device(NEW);
        vm.assertEq(d.signer, newSigner, "signer");
        vm.assertEq(uint256(d.kind), uint256(IDeviceRegistry.DeviceKind.EnergyMeter), "kind");
        vm.assertEq(uint256(d.status), uint256(IDeviceRegistry.DeviceStatus.Registered), "status");
        vm.assertEq(d.commissionedAt, T0, "commissioned");
        vm.assertEq(d.projectId, PROJECT, "project");
        vm.assertEq(d.capacityW, 5_000, "capacity");
        vm.assertEq(d.activatedAt, 0, "not activated");
        vm.assertEq(d.revokedAt, 0, "not revoked");
        vm.assertEq(devices.signerOf(NEW), newSigner, "signerOf");
        vm.assertEq(devices.signerOf(keccak256("nobody")), address(0), "unknown signer");
        vm.assertEq(devices.suspensions(NEW).length, 0, "no suspensions");
    }

    /// @notice Every flaw of a registration is refused with its own error, in the documented order.
    function test_registerDevice_refusals() public {
        vm.startPrank(developer);
        _expectError(abi.encodeWithSelector(IDeviceRegistry.ZeroDeviceId.selector));
        devices.registerDevice(0, PROJECT, newSigner, IDeviceRegistry.DeviceKind.Other, 5_000, T0);
        _expectError(abi.encodeWithSelector(IDeviceRegistry.ZeroSigner.selector));
        devices.registerDevice(NEW, PROJECT, address(0), IDeviceRegistry.DeviceKind.Other, 5_000, T0);
        _expectError(abi.encodeWithSelector(IDeviceRegistry.ZeroCapacity.selector));
        devices.registerDevice(NEW, PROJECT, newSigner, IDeviceRegistry.DeviceKind.Other, 0, T0);
        _expectError(abi.encodeWithSelector(IDeviceRegistry.InvalidCommissioningDate.selector, 0));
        devices.registerDevice(NEW, PROJECT, newSigner, IDeviceRegistry.DeviceKind.Other, 5_000, 0);
        uint64 tomorrow = uint64(block.timestamp + 1);
        _expectError(abi.encodeWithSelector(IDeviceRegistry.InvalidCommissioningDate.selector, tomorrow));
        devices.registerDevice(NEW, PROJECT, newSigner, IDeviceRegistry.DeviceKind.Other, 5_000, tomorrow);
        _expectError(abi.encodeWithSelector(IDeviceRegistry.DeviceExists.selector, DEVICE));
        devices.registerDevice(DEVICE, PROJECT, newSigner, IDeviceRegistry.DeviceKind.Other, 5_000, T0);
        _expectError(abi.encodeWithSelector(IDeviceRegistry.NotProjectDeveloper.selector, OTHER_PROJECT, developer));
        devices.registerDevice(NEW, OTHER_PROJECT, newSigner, IDeviceRegistry.DeviceKind.Other, 5_000, T0);
        _expectError(abi.encodeWithSelector(IDeviceRegistry.NotProjectDeveloper.selector, 9, developer));
        devices.registerDevice(NEW, 9, newSigner, IDeviceRegistry.DeviceKind.Other, 5_000, T0);
        vm.stopPrank();

        // The developer of record, but no longer eligible as a developer.
        _freeze(developer);
        _expectFrozen(developer);
        vm.prank(developer);
        devices.registerDevice(NEW, PROJECT, newSigner, IDeviceRegistry.DeviceKind.Other, 5_000, T0);
        vm.prank(regulator);
        registry.unfreeze(developer);
        _pause();
        _expectPaused();
        _register();
        vm.assertEq(uint256(devices.device(NEW).status), uint256(IDeviceRegistry.DeviceStatus.None), "nothing registered");
    }

    // ---------------------------------------------------------------- activation, suspension

    /// @notice A verifier activates a Registered device; its first activation time is kept for good.
    function test_activate_and_suspend_move_the_device_and_keep_its_history() public {
        _register();
        vm.expectEmit(address(devices));
        emit IDeviceRegistry.DeviceActivated(NEW, verifier);
        vm.prank(verifier);
        devices.activate(NEW);
        IDeviceRegistry.Device memory d = devices.device(NEW);
        vm.assertEq(uint256(d.status), uint256(IDeviceRegistry.DeviceStatus.Active), "active");
        vm.assertEq(d.activatedAt, block.timestamp, "activated now");
        uint256 firstActivation = block.timestamp;

        vm.warp(block.timestamp + 1 days);
        vm.expectEmit(address(devices));
        emit IDeviceRegistry.DeviceSuspended(NEW, verifier, keccak256("tamper"));
        vm.prank(verifier);
        devices.suspend(NEW, keccak256("tamper"));
        vm.assertEq(uint256(devices.device(NEW).status), uint256(IDeviceRegistry.DeviceStatus.Suspended), "suspended");
        IDeviceRegistry.Suspension[] memory s = devices.suspensions(NEW);
        vm.assertEq(s.length, 1, "one suspension");
        vm.assertEq(s[0].suspendedAt, block.timestamp, "suspended at");
        vm.assertEq(s[0].resumedAt, 0, "still suspended");

        vm.warp(block.timestamp + 1 hours);
        vm.prank(verifier);
        devices.activate(NEW);
        s = devices.suspensions(NEW);
        vm.assertEq(s[0].resumedAt, block.timestamp, "resumed now");
        vm.assertEq(devices.device(NEW).activatedAt, firstActivation, "first activation kept");
    }

    /// @notice A suspension lifted in the second it began covers no time and is dropped.
    function test_a_suspension_resumed_in_its_own_second_is_dropped() public {
        vm.startPrank(verifier);
        devices.suspend(DEVICE, 0);
        devices.activate(DEVICE);
        vm.stopPrank();
        vm.assertEq(devices.suspensions(DEVICE).length, 0, "dropped");
        _assertStanding(DEVICE, T0, uint64(block.timestamp + 1), IDeviceRegistry.Standing.Ok, "no gap in standing");
    }

    function test_activate_and_suspend_refusals() public {
        bytes32 unknown = keccak256("nobody");
        _expectError(abi.encodeWithSelector(IDeviceRegistry.UnknownDevice.selector, unknown));
        vm.prank(verifier);
        devices.activate(unknown);
        _expectError(abi.encodeWithSelector(IDeviceRegistry.UnknownDevice.selector, unknown));
        vm.prank(verifier);
        devices.suspend(unknown, 0);
        _invalidStatus(DEVICE, IDeviceRegistry.DeviceStatus.Active);
        vm.prank(verifier);
        devices.activate(DEVICE);
        _register();
        _invalidStatus(NEW, IDeviceRegistry.DeviceStatus.Registered);
        vm.prank(verifier);
        devices.suspend(NEW, 0);
        // Only verifiers activate and suspend: the developer is the wrong kind, an outsider unregistered.
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, developer, IParticipantRegistry.Reason.WrongKind)
        );
        vm.prank(developer);
        devices.activate(NEW);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, outsider, IParticipantRegistry.Reason.NotRegistered)
        );
        vm.prank(outsider);
        devices.suspend(DEVICE, 0);
        _freeze(verifier);
        _expectFrozen(verifier);
        vm.prank(verifier);
        devices.suspend(DEVICE, 0);
        vm.prank(regulator);
        registry.unfreeze(verifier);
        _pause();
        _expectPaused();
        vm.prank(verifier);
        devices.activate(NEW);
        _expectPaused();
        vm.prank(verifier);
        devices.suspend(DEVICE, 0);
        vm.assertEq(uint256(devices.device(NEW).status), uint256(IDeviceRegistry.DeviceStatus.Registered), "unchanged");
        vm.assertEq(devices.suspensions(DEVICE).length, 0, "no suspension");
    }

    /// @notice At most MAX_SUSPENSIONS (64) suspensions per device; the 65th is refused.
    function test_the_65th_suspension_is_refused() public {
        vm.startPrank(verifier);
        for (uint256 i; i < 64; ++i) {
            devices.suspend(DEVICE, 0);
            vm.warp(block.timestamp + 1);
            devices.activate(DEVICE);
            vm.warp(block.timestamp + 1);
        }
        vm.assertEq(devices.suspensions(DEVICE).length, 64, "64 kept");
        _expectError(abi.encodeWithSelector(IDeviceRegistry.TooManySuspensions.selector, DEVICE, 64));
        devices.suspend(DEVICE, 0);
        vm.stopPrank();
        vm.assertEq(uint256(devices.device(DEVICE).status), uint256(IDeviceRegistry.DeviceStatus.Active), "still active");
    }

    // ---------------------------------------------------------------- revocation

    /// @notice The project's developer revokes as a developer; the device is final.
    function test_revoke_by_the_developer_is_final() public {
        vm.warp(block.timestamp + 1 hours);
        vm.expectEmit(address(devices));
        emit IDeviceRegistry.DeviceRevoked(DEVICE, developer, keccak256("stolen"));
        vm.prank(developer);
        devices.revoke(DEVICE, keccak256("stolen"));
        IDeviceRegistry.Device memory d = devices.device(DEVICE);
        vm.assertEq(uint256(d.status), uint256(IDeviceRegistry.DeviceStatus.Revoked), "revoked");
        vm.assertEq(d.revokedAt, block.timestamp, "revoked at");
        _invalidStatus(DEVICE, IDeviceRegistry.DeviceStatus.Revoked);
        vm.prank(verifier);
        devices.revoke(DEVICE, 0);
        _invalidStatus(DEVICE, IDeviceRegistry.DeviceStatus.Revoked);
        vm.prank(verifier);
        devices.activate(DEVICE);
        // Ids are never reused.
        _expectError(abi.encodeWithSelector(IDeviceRegistry.DeviceExists.selector, DEVICE));
        vm.prank(developer);
        devices.registerDevice(DEVICE, PROJECT, newSigner, IDeviceRegistry.DeviceKind.Other, 5_000, T0);
    }

    /// @notice Anyone but the project's developer must be a verifier to revoke (a registered device, too).
    function test_revoke_by_a_verifier_and_its_refusals() public {
        bytes32 unknown = keccak256("nobody");
        _expectError(abi.encodeWithSelector(IDeviceRegistry.UnknownDevice.selector, unknown));
        vm.prank(verifier);
        devices.revoke(unknown, 0);
        _expectError(
            abi.encodeWithSelector(
                ComplianceGuard.ComplianceRefused.selector, otherDeveloper, IParticipantRegistry.Reason.WrongKind
            )
        );
        vm.prank(otherDeveloper);
        devices.revoke(DEVICE, 0);
        _freeze(developer);
        _expectFrozen(developer);
        vm.prank(developer);
        devices.revoke(DEVICE, 0);
        vm.prank(regulator);
        registry.unfreeze(developer);
        _pause();
        _expectPaused();
        vm.prank(verifier);
        devices.revoke(DEVICE, 0);
        vm.prank(regulator);
        registry.unpause();
        _register();
        vm.prank(verifier);
        devices.revoke(NEW, keccak256("faulty"));
        vm.assertEq(uint256(devices.device(NEW).status), uint256(IDeviceRegistry.DeviceStatus.Revoked), "revoked by a verifier");
        vm.assertEq(uint256(devices.device(DEVICE).status), uint256(IDeviceRegistry.DeviceStatus.Active), "the refused ones changed nothing");
    }

    /// @notice After a project changes hands, its new developer revokes, the old one is refused.
    function test_revoke_follows_the_projects_current_developer() public {
        projects.setProject(PROJECT, otherDeveloper, IProjectRegistry.ProjectStatus.Active);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, developer, IParticipantRegistry.Reason.WrongKind)
        );
        vm.prank(developer);
        devices.revoke(DEVICE, 0);
        vm.prank(otherDeveloper);
        devices.revoke(DEVICE, 0);
        vm.assertEq(devices.device(DEVICE).revokedAt, block.timestamp, "revoked by the new developer");
    }

    // ---------------------------------------------------------------- standing over a period

    /// @notice Unknown: never registered; Inactive: never activated or before the first activation.
    function test_standing_of_unknown_and_unactivated_devices() public {
        (IDeviceRegistry.Standing s, address signer, uint256 projectId, uint64 capacity) =
            devices.standingDuring(keccak256("nobody"), T0, T0 + 1);
        vm.assertEq(uint256(s), uint256(IDeviceRegistry.Standing.Unknown), "unknown");
        vm.assertEq(signer, address(0), "no signer");
        _register();
        _assertStanding(NEW, T0, T0 + HOUR, IDeviceRegistry.Standing.Inactive, "never activated");
        (s, signer, projectId, capacity) = devices.standingDuring(DEVICE, T0, T0 + HOUR);
        vm.assertEq(uint256(s), uint256(IDeviceRegistry.Standing.Ok), "active from T0");
        vm.assertEq(signer, vm.addr(DEVICE_KEY), "signer");
        vm.assertEq(projectId, PROJECT, "project");
        vm.assertEq(capacity, CAPACITY_W, "capacity");
        _assertStanding(DEVICE, T0 - 1, T0 + HOUR, IDeviceRegistry.Standing.Inactive, "starts before activation");
    }

    /// @notice A period meeting any suspension is Inactive for good, whatever happens later; one
    /// that ended before a revocation stays valid, one ending after it is Revoked.
    function test_standing_judges_the_whole_history() public {
        uint64 t = uint64(block.timestamp); // T0 + 1 day
        vm.startPrank(verifier);
        devices.suspend(DEVICE, 0); // [t, t + 1h)
        vm.warp(t + HOUR);
        devices.activate(DEVICE);
        vm.warp(t + 3 * HOUR);
        devices.suspend(DEVICE, 0); // [t + 3h, t + 4h)
        vm.warp(t + 4 * HOUR);
        devices.activate(DEVICE);
        vm.warp(t + 6 * HOUR);
        devices.suspend(DEVICE, 0); // [t + 6h, open)
        vm.stopPrank();

        _assertStanding(DEVICE, t - HOUR, t, IDeviceRegistry.Standing.Ok, "ends as the first suspension begins");
        _assertStanding(DEVICE, t - HOUR, t + 1, IDeviceRegistry.Standing.Inactive, "meets the first suspension");
        _assertStanding(DEVICE, t + HOUR, t + 3 * HOUR, IDeviceRegistry.Standing.Ok, "between suspensions");
        _assertStanding(DEVICE, t + 2 * HOUR, t + 5 * HOUR, IDeviceRegistry.Standing.Inactive, "across the second");
        _assertStanding(DEVICE, t + 4 * HOUR, t + 6 * HOUR, IDeviceRegistry.Standing.Ok, "after the second resumption");
        _assertStanding(DEVICE, t + 7 * HOUR, t + 8 * HOUR, IDeviceRegistry.Standing.Inactive, "in the open suspension");

        vm.warp(t + 7 * HOUR);
        vm.prank(developer);
        devices.revoke(DEVICE, 0);
        _assertStanding(DEVICE, t + HOUR, t + 2 * HOUR, IDeviceRegistry.Standing.Ok, "before the revocation: still valid");
        _assertStanding(DEVICE, t + 6 * HOUR, t + 8 * HOUR, IDeviceRegistry.Standing.Revoked, "ends after the revocation");
    }
}
