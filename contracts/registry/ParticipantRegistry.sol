// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GovernedAccessControl} from "../access/GovernedAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";

/// @title ParticipantRegistry
/// @notice The network's list of participants and its system-wide pause, both held by the regulator.
/// Instruments call `canHold`, `canActAs` and `canTransact` and refuse with the reason returned.
contract ParticipantRegistry is IParticipantRegistry, GovernedAccessControl, Pausable {
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");

    mapping(address account => Participant) private _participants;
    mapping(bytes2 jurisdiction => bool) private _restricted;

    /// @param admin receives DEFAULT_ADMIN_ROLE (grants and revokes roles).
    /// @param regulator receives REGULATOR_ROLE.
    /// @param adminDelay seconds between the two steps of a default-admin transfer, here and in every
    /// instrument constructed on this registry (docs/governance.md; 0 only on local chains).
    constructor(address admin, address regulator, uint48 adminDelay) GovernedAccessControl(adminDelay, admin) {
        if (regulator == address(0)) revert ZeroAddress();
        _grantRole(REGULATOR_ROLE, regulator);
    }

    // ---------------------------------------------------------------- regulator functions

    /// @inheritdoc IParticipantRegistry
    function register(address account, Kind kind, bytes2 jurisdiction, uint64 kycExpiry)
        external
        onlyRole(REGULATOR_ROLE)
    {
        if (account == address(0)) revert ZeroAddress();
        if (_participants[account].kind != Kind.None) revert AlreadyRegistered(account);
        _requireValidKind(kind);
        _requireValidJurisdiction(jurisdiction);
        _requireFutureExpiry(kycExpiry);
        _participants[account] = Participant(kind, jurisdiction, kycExpiry, false);
        emit ParticipantRegistered(account, kind, jurisdiction, kycExpiry);
    }

    /// @inheritdoc IParticipantRegistry
    function update(address account, Kind kind, bytes2 jurisdiction) external onlyRole(REGULATOR_ROLE) {
        Participant storage p = _registered(account);
        _requireValidKind(kind);
        _requireValidJurisdiction(jurisdiction);
        p.kind = kind;
        p.jurisdiction = jurisdiction;
        emit ParticipantUpdated(account, kind, jurisdiction);
    }

    /// @inheritdoc IParticipantRegistry
    function renewKyc(address account, uint64 kycExpiry) external onlyRole(REGULATOR_ROLE) {
        Participant storage p = _registered(account);
        _requireFutureExpiry(kycExpiry);
        p.kycExpiry = kycExpiry;
        emit KycRenewed(account, kycExpiry);
    }

    /// @inheritdoc IParticipantRegistry
    function freeze(address account, bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        Participant storage p = _registered(account);
        if (p.frozen) revert FrozenStateUnchanged(account, true);
        p.frozen = true;
        emit ParticipantFrozen(account, reasonHash);
    }

    /// @inheritdoc IParticipantRegistry
    function unfreeze(address account) external onlyRole(REGULATOR_ROLE) {
        Participant storage p = _registered(account);
        if (!p.frozen) revert FrozenStateUnchanged(account, false);
        p.frozen = false;
        emit ParticipantUnfrozen(account);
    }

    /// @inheritdoc IParticipantRegistry
    function remove(address account) external onlyRole(REGULATOR_ROLE) {
        _registered(account);
        delete _participants[account];
        emit ParticipantRemoved(account);
    }

    /// @inheritdoc IParticipantRegistry
    function setJurisdictionRestricted(bytes2 jurisdiction, bool restricted) external onlyRole(REGULATOR_ROLE) {
        _requireValidJurisdiction(jurisdiction);
        _restricted[jurisdiction] = restricted;
        emit JurisdictionRestrictionSet(jurisdiction, restricted);
    }

    /// @inheritdoc IParticipantRegistry
    function pause() external onlyRole(REGULATOR_ROLE) {
        _pause();
    }

    /// @inheritdoc IParticipantRegistry
    function unpause() external onlyRole(REGULATOR_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IParticipantRegistry
    function participant(address account) external view returns (Participant memory) {
        return _participants[account];
    }

    /// @inheritdoc IParticipantRegistry
    function kindOf(address account) external view returns (Kind) {
        return _participants[account].kind;
    }

    /// @inheritdoc IParticipantRegistry
    function isJurisdictionRestricted(bytes2 jurisdiction) external view returns (bool) {
        return _restricted[jurisdiction];
    }

    /// @inheritdoc IParticipantRegistry
    function paused() public view override(IParticipantRegistry, Pausable) returns (bool) {
        return super.paused();
    }

    /// @inheritdoc IParticipantRegistry
    function canHold(address account) public view returns (Reason) {
        if (paused()) return Reason.SystemPaused;
        return _standing(_participants[account]);
    }

    /// @inheritdoc IParticipantRegistry
    function canActAs(address account, Kind kind) external view returns (Reason) {
        if (paused()) return Reason.SystemPaused;
        Participant memory p = _participants[account];
        Reason reason = _standing(p);
        if (reason != Reason.Ok) return reason;
        return p.kind == kind ? Reason.Ok : Reason.WrongKind;
    }

    /// @inheritdoc IParticipantRegistry
    function canTransact(address from, address to) external view returns (Reason) {
        if (paused()) return Reason.SystemPaused;
        Reason reason = _standing(_participants[from]);
        if (reason != Reason.Ok) return reason;
        return _standing(_participants[to]);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The participant's own standing, ignoring the pause.
    function _standing(Participant memory p) private view returns (Reason) {
        if (p.kind == Kind.None) return Reason.NotRegistered;
        if (p.frozen) return Reason.Frozen;
        if (block.timestamp >= p.kycExpiry) return Reason.KycExpired;
        if (_restricted[p.jurisdiction]) return Reason.JurisdictionRestricted;
        return Reason.Ok;
    }

    function _registered(address account) private view returns (Participant storage p) {
        p = _participants[account];
        if (p.kind == Kind.None) revert NotRegistered(account);
    }

    function _requireValidKind(Kind kind) private pure {
        if (kind == Kind.None) revert InvalidKind();
    }

    function _requireValidJurisdiction(bytes2 jurisdiction) private pure {
        if (!_isUpperLetter(jurisdiction[0]) || !_isUpperLetter(jurisdiction[1])) {
            revert InvalidJurisdiction(jurisdiction);
        }
    }

    function _isUpperLetter(bytes1 c) private pure returns (bool) {
        return c >= 0x41 && c <= 0x5A;
    }

    function _requireFutureExpiry(uint64 kycExpiry) private view {
        if (kycExpiry <= block.timestamp) revert KycExpiryNotInFuture(kycExpiry);
    }
}
