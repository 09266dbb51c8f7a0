// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IParticipantRegistry
/// @notice Who may take part in the greenfi network, as what, and whether they may act right now.
/// Every instrument asks this registry before it moves value; the answer is a reason code, so a
/// refusal can say why.
interface IParticipantRegistry {
    /// @notice What a participant is in the network. `None` means not registered.
    enum Kind {
        None,
        Enterprise,
        Bank,
        Investor,
        ProjectDeveloper,
        Verifier,
        OracleOperator,
        Regulator,
        Auditor
    }

    /// @notice Why an account may not hold or move value. `Ok` means it may.
    enum Reason {
        Ok,
        NotRegistered,
        Frozen,
        KycExpired,
        JurisdictionRestricted,
        WrongKind,
        SystemPaused
    }

    /// @notice One participant's record, packed into a single storage slot.
    struct Participant {
        Kind kind;
        bytes2 jurisdiction; // ISO 3166-1 alpha-2, e.g. "CN", "DE"
        uint64 kycExpiry; // unix seconds; the participant is eligible strictly before this time
        bool frozen;
    }

    // ---------------------------------------------------------------- errors

    /// @dev The zero address cannot be a participant.
    error ZeroAddress();
    /// @dev `account` is already registered.
    error AlreadyRegistered(address account);
    /// @dev `account` is not registered.
    error NotRegistered(address account);
    /// @dev `Kind.None` is not a kind one can register as.
    error InvalidKind();
    /// @dev A jurisdiction must be two upper-case ASCII letters.
    error InvalidJurisdiction(bytes2 jurisdiction);
    /// @dev A KYC expiry must lie in the future.
    error KycExpiryNotInFuture(uint64 kycExpiry);
    /// @dev `account` is already frozen (or, for unfreeze, not frozen).
    error FrozenStateUnchanged(address account, bool frozen);

    // ---------------------------------------------------------------- events

    event ParticipantRegistered(address indexed account, Kind kind, bytes2 jurisdiction, uint64 kycExpiry);
    event ParticipantUpdated(address indexed account, Kind kind, bytes2 jurisdiction);
    event KycRenewed(address indexed account, uint64 kycExpiry);
    event ParticipantFrozen(address indexed account, bytes32 reasonHash);
    event ParticipantUnfrozen(address indexed account);
    event ParticipantRemoved(address indexed account);
    event JurisdictionRestrictionSet(bytes2 indexed jurisdiction, bool restricted);

    // ---------------------------------------------------------------- regulator functions

    /// @notice Register `account` as a participant of `kind` in `jurisdiction`, KYC-valid until `kycExpiry`.
    /// @dev Caller: REGULATOR_ROLE. Reverts ZeroAddress, AlreadyRegistered, InvalidKind,
    /// InvalidJurisdiction, KycExpiryNotInFuture. Emits ParticipantRegistered.
    function register(address account, Kind kind, bytes2 jurisdiction, uint64 kycExpiry) external;

    /// @notice Change a registered participant's kind and jurisdiction.
    /// @dev Caller: REGULATOR_ROLE. Reverts NotRegistered, InvalidKind, InvalidJurisdiction.
    /// Emits ParticipantUpdated.
    function update(address account, Kind kind, bytes2 jurisdiction) external;

    /// @notice Set a new KYC expiry after a completed KYC review.
    /// @dev Caller: REGULATOR_ROLE. Reverts NotRegistered, KycExpiryNotInFuture. Emits KycRenewed.
    function renewKyc(address account, uint64 kycExpiry) external;

    /// @notice Freeze a participant: it can neither send nor receive value until unfrozen.
    /// @param reasonHash hash of the off-chain decision (court order, sanctions listing, ...).
    /// @dev Caller: REGULATOR_ROLE. Reverts NotRegistered, FrozenStateUnchanged. Emits ParticipantFrozen.
    function freeze(address account, bytes32 reasonHash) external;

    /// @notice Lift a freeze.
    /// @dev Caller: REGULATOR_ROLE. Reverts NotRegistered, FrozenStateUnchanged. Emits ParticipantUnfrozen.
    function unfreeze(address account) external;

    /// @notice Remove a participant from the network.
    /// @dev Caller: REGULATOR_ROLE. Reverts NotRegistered. Emits ParticipantRemoved.
    function remove(address account) external;

    /// @notice Restrict (or lift the restriction on) every participant of a jurisdiction.
    /// @dev Caller: REGULATOR_ROLE. Reverts InvalidJurisdiction. Emits JurisdictionRestrictionSet.
    function setJurisdictionRestricted(bytes2 jurisdiction, bool restricted) external;

    /// @notice Stop every instrument of the network (system-wide pause).
    /// @dev Caller: REGULATOR_ROLE. Reverts EnforcedPause if already paused. Emits Paused.
    function pause() external;

    /// @notice Resume the network after a pause.
    /// @dev Caller: REGULATOR_ROLE. Reverts ExpectedPause if not paused. Emits Unpaused.
    function unpause() external;

    // ---------------------------------------------------------------- views

    /// @notice The stored record of `account` (all zero when unregistered).
    function participant(address account) external view returns (Participant memory);

    /// @notice The kind of `account`, `Kind.None` when unregistered.
    function kindOf(address account) external view returns (Kind);

    /// @notice Whether `jurisdiction` is restricted.
    function isJurisdictionRestricted(bytes2 jurisdiction) external view returns (bool);

    /// @notice Whether the network is paused.
    function paused() external view returns (bool);

    /// @notice Whether `account` may hold network assets now, and if not, why.
    function canHold(address account) external view returns (Reason);

    /// @notice Whether `account` may act now as a participant of `kind`, and if not, why.
    function canActAs(address account, Kind kind) external view returns (Reason);

    /// @notice Whether value may move from `from` to `to` now, and if not, why (the sender's reason first).
    function canTransact(address from, address to) external view returns (Reason);
}
