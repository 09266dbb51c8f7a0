// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDeviceRegistry
/// @notice The metering devices of greenfi projects: who signs for each device, what it can
/// physically produce, and when it was allowed to report. MRVAnchor's challenges read it.
///
/// Lifecycle: None → Registered (by the project's developer) → Active (by a verifier) ⇄ Suspended
/// (by a verifier) → Revoked (by the developer or a verifier; final). Times are unix seconds.
interface IDeviceRegistry {
    enum DeviceKind {
        PvInverter,
        EnergyMeter,
        WindTurbine,
        Other
    }

    enum DeviceStatus {
        None,
        Registered,
        Active,
        Suspended,
        Revoked
    }

    /// @notice Whether a device could sign a reading over a given period (see `standingDuring`).
    enum Standing {
        Ok,
        Unknown, // never registered
        Inactive, // not activated yet when the period started, or suspended at any time during it
        Revoked // the period ends after the device's revocation
    }

    /// @notice One device, in three storage slots; its suspensions are kept apart (`suspensions`).
    struct Device {
        address signer; // the key that signs the device's readings
        DeviceKind kind;
        DeviceStatus status;
        uint40 commissionedAt;
        uint256 projectId;
        uint64 capacityW; // rated (nameplate) capacity in watts
        uint40 activatedAt; // first activation, 0 if never activated
        uint40 revokedAt; // 0 unless revoked
    }

    /// @notice One suspension [suspendedAt, resumedAt): resumedAt is 0 while it lasts. A device's
    /// suspensions are kept in order, disjoint and non-empty (one resumed in its own second is dropped).
    struct Suspension {
        uint40 suspendedAt;
        uint40 resumedAt;
    }

    // ---------------------------------------------------------------- errors

    /// @dev The zero id cannot name a device.
    error ZeroDeviceId();
    /// @dev A device's signer cannot be the zero address.
    error ZeroSigner();
    /// @dev `deviceId` is already registered (ids are never reused, even after revocation).
    error DeviceExists(bytes32 deviceId);
    /// @dev `deviceId` is not registered.
    error UnknownDevice(bytes32 deviceId);
    /// @dev A device's rated capacity must be positive.
    error ZeroCapacity();
    /// @dev The commissioning date must be non-zero and not in the future.
    error InvalidCommissioningDate(uint64 commissionedAt);
    /// @dev `account` is not the developer of `projectId` (or the project is unknown).
    error NotProjectDeveloper(uint256 projectId, address account);
    /// @dev The transition is not allowed from the device's current `status`.
    error InvalidDeviceStatus(bytes32 deviceId, DeviceStatus status);
    /// @dev The device has been suspended `max` times (MAX_SUSPENSIONS): revoke it and register a new one.
    error TooManySuspensions(bytes32 deviceId, uint256 max);

    // ---------------------------------------------------------------- events

    event DeviceRegistered(
        bytes32 indexed deviceId,
        uint256 indexed projectId,
        address signer,
        DeviceKind kind,
        uint64 capacityW,
        uint64 commissionedAt
    );
    event DeviceActivated(bytes32 indexed deviceId, address indexed verifier);
    event DeviceSuspended(bytes32 indexed deviceId, address indexed verifier, bytes32 reasonHash);
    event DeviceRevoked(bytes32 indexed deviceId, address indexed by, bytes32 reasonHash);

    // ---------------------------------------------------------------- functions

    /// @notice Register a device of project `projectId` whose readings `signer` signs.
    /// @param capacityW rated capacity in watts; @param commissionedAt unix seconds, not in the future.
    /// @dev Caller: the project's developer (IProjectRegistry.developerOf), eligible as
    /// Kind.ProjectDeveloper. Reverts ZeroDeviceId, ZeroSigner, ZeroCapacity,
    /// InvalidCommissioningDate, DeviceExists, NotProjectDeveloper, ComplianceRefused, NetworkPaused.
    /// Emits DeviceRegistered.
    function registerDevice(
        bytes32 deviceId,
        uint256 projectId,
        address signer,
        DeviceKind kind,
        uint64 capacityW,
        uint64 commissionedAt
    ) external;

    /// @notice Allow a Registered or Suspended device to report (again).
    /// @dev Caller: a Kind.Verifier participant. Reverts UnknownDevice, InvalidDeviceStatus,
    /// ComplianceRefused, NetworkPaused. Emits DeviceActivated.
    function activate(bytes32 deviceId) external;

    /// @notice Stop an Active device from reporting; readings ending after now become invalid until it
    /// is activated again, and readings overlapping the suspension stay invalid for good.
    /// @dev Caller: a Kind.Verifier participant. Reverts UnknownDevice, InvalidDeviceStatus,
    /// TooManySuspensions, ComplianceRefused, NetworkPaused. Emits DeviceSuspended.
    function suspend(bytes32 deviceId, bytes32 reasonHash) external;

    /// @notice Revoke a device for good: its readings whose period ends after now are invalid.
    /// @dev Caller: the developer of the device's project (Kind.ProjectDeveloper) or a
    /// Kind.Verifier participant. Reverts UnknownDevice, InvalidDeviceStatus (already revoked),
    /// ComplianceRefused, NetworkPaused. Emits DeviceRevoked.
    function revoke(bytes32 deviceId, bytes32 reasonHash) external;

    // ---------------------------------------------------------------- views

    /// @notice The device's record (all zero when unknown).
    function device(bytes32 deviceId) external view returns (Device memory);

    /// @notice The device's signing address, address(0) when unknown.
    function signerOf(bytes32 deviceId) external view returns (address);

    /// @notice The device's suspensions, oldest first (at most MAX_SUSPENSIONS).
    function suspensions(bytes32 deviceId) external view returns (Suspension[] memory);

    /// @notice Whether the device could sign a reading over [periodStart, periodEnd), judged on its
    /// whole history (activation, every suspension, revocation), with what MRVAnchor's challenge
    /// checks need: signer, project and capacity. O(log MAX_SUSPENSIONS) storage reads.
    function standingDuring(bytes32 deviceId, uint64 periodStart, uint64 periodEnd)
        external
        view
        returns (Standing standing, address signer, uint256 projectId, uint64 capacityW);
}
