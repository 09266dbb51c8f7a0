// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../interfaces/IProjectRegistry.sol";
import {IDeviceRegistry} from "../interfaces/IDeviceRegistry.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";

/// @title DeviceRegistry
/// @notice Metering devices of greenfi projects. A project's developer registers a device with its
/// signing key and rated capacity, a verifier activates (or suspends) it, and the developer or a
/// verifier revokes it. Only the latest suspension interval is kept: once a device is re-activated,
/// an older suspension no longer invalidates readings (challenge windows are short, see docs/mrv.md).
contract DeviceRegistry is IDeviceRegistry, ComplianceGuard {
    /// @notice Where projects and their developers are looked up.
    IProjectRegistry public immutable projects;

    mapping(bytes32 deviceId => Device) private _devices;

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
        if (status == DeviceStatus.Suspended) d.resumedAt = uint40(block.timestamp);
        emit DeviceActivated(deviceId, msg.sender);
    }

    /// @inheritdoc IDeviceRegistry
    function suspend(bytes32 deviceId, bytes32 reasonHash) external whenNetworkActive {
        Device storage d = _known(deviceId);
        if (d.status != DeviceStatus.Active) revert InvalidDeviceStatus(deviceId, d.status);
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Verifier);
        d.status = DeviceStatus.Suspended;
        d.suspendedAt = uint40(block.timestamp);
        d.resumedAt = 0;
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
        // Overlaps the latest suspension [suspendedAt, resumedAt), open-ended while it lasts.
        if (d.suspendedAt != 0 && periodEnd > d.suspendedAt && (d.resumedAt == 0 || periodStart < d.resumedAt)) {
            return (Standing.Inactive, signer, projectId, capacityW);
        }
        return (Standing.Ok, signer, projectId, capacityW);
    }

    // ---------------------------------------------------------------- internals

    function _known(bytes32 deviceId) private view returns (Device storage d) {
        d = _devices[deviceId];
        if (d.status == DeviceStatus.None) revert UnknownDevice(deviceId);
    }
}
