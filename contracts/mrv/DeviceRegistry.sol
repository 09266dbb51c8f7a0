// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../interfaces/IProjectRegistry.sol";
import {IDeviceRegistry} from "../interfaces/IDeviceRegistry.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";

/// @title DeviceRegistry
/// @notice Metering devices of greenfi projects. A project's developer registers a device with its
/// signing key and rated capacity, a verifier activates (or suspends) it, and the developer or a
/// verifier revokes it. Every suspension is kept (at most MAX_SUSPENSIONS per device), so a reading
/// overlapping any of them stays invalid whatever happens later.
contract DeviceRegistry is IDeviceRegistry, ComplianceGuard {
    /// @notice Most suspensions one device can have: bounds its history and the search in
    /// `standingDuring` (a binary search, 7 reads at most).
    uint256 public constant MAX_SUSPENSIONS = 64;

    /// @notice Where projects and their developers are looked up.
    IProjectRegistry public immutable projects;

    mapping(bytes32 deviceId => Device) private _devices;
    mapping(bytes32 deviceId => Suspension[]) private _suspensions;

    constructor(IParticipantRegistry registry_, IProjectRegistry projects_) ComplianceGuard(registry_) {
        if (address(projects_) == address(0)) revert RegistryZeroAddress();
        projects = projects_;
    }

    // ---------------------------------------------------------------- lifecycle

    /// @inheritdoc IDeviceRegistry
    function registerDevice(
        bytes32 deviceId,
        uint256 projectId,
        address signer,
        DeviceKind kind,
        uint64 capacityW,
        uint64 commissionedAt
    ) external whenNetworkActive {
        if (deviceId == bytes32(0)) revert ZeroDeviceId();
        if (signer == address(0)) revert ZeroSigner();
        if (capacityW == 0) revert ZeroCapacity();
        if (commissionedAt == 0 || commissionedAt > block.timestamp) revert InvalidCommissioningDate(commissionedAt);
        if (_devices[deviceId].status != DeviceStatus.None) revert DeviceExists(deviceId);
        if (projects.developerOf(projectId) != msg.sender) revert NotProjectDeveloper(projectId, msg.sender);
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.ProjectDeveloper);

        Device storage d = _devices[deviceId];
        d.signer = signer;
        d.kind = kind;
        d.status = DeviceStatus.Registered;
        d.commissionedAt = uint40(commissionedAt); // <= block.timestamp, so it fits
        d.projectId = projectId;
        d.capacityW = capacityW;
        emit DeviceRegistered(deviceId, projectId, signer, kind, capacityW, commissionedAt);
    }

    /// @inheritdoc IDeviceRegistry
    function activate(bytes32 deviceId) external whenNetworkActive {
        Device storage d = _known(deviceId);
        DeviceStatus status = d.status;
        if (status != DeviceStatus.Registered && status != DeviceStatus.Suspended) {
            revert InvalidDeviceStatus(deviceId, status);
        }
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Verifier);
        d.status = DeviceStatus.Active;
        if (d.activatedAt == 0) d.activatedAt = uint40(block.timestamp);
        if (status == DeviceStatus.Suspended) _resume(deviceId);
        emit DeviceActivated(deviceId, msg.sender);
    }

    /// @inheritdoc IDeviceRegistry
    function suspend(bytes32 deviceId, bytes32 reasonHash) external whenNetworkActive {
        Device storage d = _known(deviceId);
        if (d.status != DeviceStatus.Active) revert InvalidDeviceStatus(deviceId, d.status);
        Suspension[] storage history = _suspensions[deviceId];
        if (history.length == MAX_SUSPENSIONS) revert TooManySuspensions(deviceId, MAX_SUSPENSIONS);
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Verifier);
        d.status = DeviceStatus.Suspended;
        history.push(Suspension({suspendedAt: uint40(block.timestamp), resumedAt: 0}));
        emit DeviceSuspended(deviceId, msg.sender, reasonHash);
    }

    /// @inheritdoc IDeviceRegistry
    function revoke(bytes32 deviceId, bytes32 reasonHash) external whenNetworkActive {
        Device storage d = _known(deviceId);
        if (d.status == DeviceStatus.Revoked) revert InvalidDeviceStatus(deviceId, d.status);
        // The project's current developer revokes as a developer; anyone else must be a verifier.
        IParticipantRegistry.Kind kind = projects.developerOf(d.projectId) == msg.sender
            ? IParticipantRegistry.Kind.ProjectDeveloper
            : IParticipantRegistry.Kind.Verifier;
        _requireCanActAs(msg.sender, kind);
        d.status = DeviceStatus.Revoked;
        d.revokedAt = uint40(block.timestamp);
        emit DeviceRevoked(deviceId, msg.sender, reasonHash);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDeviceRegistry
    function device(bytes32 deviceId) external view returns (Device memory) {
        return _devices[deviceId];
    }

    /// @inheritdoc IDeviceRegistry
    function signerOf(bytes32 deviceId) external view returns (address) {
        return _devices[deviceId].signer;
    }

    /// @inheritdoc IDeviceRegistry
    function standingDuring(bytes32 deviceId, uint64 periodStart, uint64 periodEnd)
        external
        view
        returns (Standing standing, address signer, uint256 projectId, uint64 capacityW)
    {
        Device storage d = _devices[deviceId];
        signer = d.signer;
        projectId = d.projectId;
        capacityW = d.capacityW;
        if (d.status == DeviceStatus.None) return (Standing.Unknown, signer, projectId, capacityW);
        if (d.revokedAt != 0 && periodEnd > d.revokedAt) return (Standing.Revoked, signer, projectId, capacityW);
        if (d.activatedAt == 0 || periodStart < d.activatedAt) return (Standing.Inactive, signer, projectId, capacityW);
        if (_suspendedDuring(_suspensions[deviceId], periodStart, periodEnd)) {
            return (Standing.Inactive, signer, projectId, capacityW);
        }
        return (Standing.Ok, signer, projectId, capacityW);
    }

    /// @inheritdoc IDeviceRegistry
    function suspensions(bytes32 deviceId) external view returns (Suspension[] memory) {
        return _suspensions[deviceId];
    }

    // ---------------------------------------------------------------- internals

    /// @dev Close the open suspension; one resumed in the second it began covers no time and is dropped,
    /// so the kept suspensions are non-empty, disjoint and in order.
    function _resume(bytes32 deviceId) private {
        Suspension[] storage history = _suspensions[deviceId];
        Suspension storage last = history[history.length - 1];
        if (last.suspendedAt == block.timestamp) history.pop();
        else last.resumedAt = uint40(block.timestamp);
    }

    /// @dev Whether [start, end) meets a suspension. Of the suspensions that begin before `end`, the
    /// last ends latest (they are disjoint and in order), so it is the only one to check.
    function _suspendedDuring(Suspension[] storage history, uint64 start, uint64 end) private view returns (bool) {
        uint256 lo;
        uint256 hi = history.length; // invariant: history[i].suspendedAt < end for i < lo, >= end for i >= hi
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (history[mid].suspendedAt < end) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) return false;
        uint40 resumedAt = history[lo - 1].resumedAt;
        return resumedAt == 0 || resumedAt > start;
    }

    function _known(bytes32 deviceId) private view returns (Device storage d) {
        d = _devices[deviceId];
        if (d.status == DeviceStatus.None) revert UnknownDevice(deviceId);
    }
}
