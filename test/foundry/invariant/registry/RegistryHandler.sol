// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {vm} from "../../lib/Vm.sol";
import {HandlerBase} from "../../lib/HandlerBase.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {SettlementToken} from "../../../../contracts/token/SettlementToken.sol";
import {ComplianceGuard} from "../../../../contracts/compliance/ComplianceGuard.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";

/// @title RegistryHandler
/// @notice Drives ParticipantRegistry with every regulator call, valid and invalid (zero address,
/// already or not registered, kind None, a malformed jurisdiction, an expiry not in the future,
/// freezing the frozen, pausing the paused), from the regulator and from outsiders, and a
/// settlement-token mint on every step (refused under the pause and for accounts the registry
/// refuses). Keeps a model of every participant, the restricted jurisdictions and the pause; every
/// refusal is checked against a digest of the whole registry and the token.
contract RegistryHandler is HandlerBase {
    bytes2[3] private _JURISDICTIONS = [bytes2("CN"), bytes2("DE"), bytes2("US")];

    SettlementToken public immutable token;
    address public immutable bank;

    mapping(address account => IParticipantRegistry.Participant) private _model;
    mapping(bytes2 jurisdiction => bool) public modelRestricted;
    bool public modelPaused;

    constructor(ParticipantRegistry registry_, SettlementToken token_, address regulator_, address bank_, address[] memory actors_)
        HandlerBase(registry_, regulator_, actors_)
    {
        token = token_;
        bank = bank_;
    }

    function model(address account) external view returns (IParticipantRegistry.Participant memory) {
        return _model[account];
    }

    /// @notice The model's answer to canHold, as the registry documents it.
    function modelCanHold(address account) public view returns (IParticipantRegistry.Reason) {
        if (modelPaused) return IParticipantRegistry.Reason.SystemPaused;
        IParticipantRegistry.Participant memory p = _model[account];
        if (p.kind == IParticipantRegistry.Kind.None) return IParticipantRegistry.Reason.NotRegistered;
        if (p.frozen) return IParticipantRegistry.Reason.Frozen;
        if (block.timestamp >= p.kycExpiry) return IParticipantRegistry.Reason.KycExpired;
        if (modelRestricted[p.jurisdiction]) return IParticipantRegistry.Reason.JurisdictionRestricted;
        return IParticipantRegistry.Reason.Ok;
    }

    // ---------------------------------------------------------------- regulator calls

    function register(uint256 callerSeed, uint256 accountSeed, uint8 kind, uint256 jurisdictionSeed, uint256 expiry) external {
        address caller = _caller(callerSeed);
        address account = accountSeed % 16 == 0 ? address(0) : _actor(accountSeed);
        IParticipantRegistry.Kind k = IParticipantRegistry.Kind(kind % 9);
        bytes2 j = _jurisdiction(jurisdictionSeed);
        uint64 kycExpiry = uint64(_bound(expiry, block.timestamp - 1, block.timestamp + 400 days));
        bytes4 expected = _roleError(caller);
        if (expected == SUCCEEDS) {
            expected = account == address(0)
                ? IParticipantRegistry.ZeroAddress.selector
                : _model[account].kind != IParticipantRegistry.Kind.None
                    ? IParticipantRegistry.AlreadyRegistered.selector
                    : k == IParticipantRegistry.Kind.None
                        ? IParticipantRegistry.InvalidKind.selector
                        : !_valid(j)
                            ? IParticipantRegistry.InvalidJurisdiction.selector
                            : kycExpiry <= block.timestamp ? IParticipantRegistry.KycExpiryNotInFuture.selector : SUCCEEDS;
        }
        _call(caller, address(registry), abi.encodeCall(registry.register, (account, k, j, kycExpiry)), expected, "register");
        if (expected == SUCCEEDS) _model[account] = IParticipantRegistry.Participant(k, j, kycExpiry, false);
    }

    function update(uint256 callerSeed, uint256 accountSeed, uint8 kind, uint256 jurisdictionSeed) external {
        address caller = _caller(callerSeed);
        address account = _actor(accountSeed);
        IParticipantRegistry.Kind k = IParticipantRegistry.Kind(kind % 9);
        bytes2 j = _jurisdiction(jurisdictionSeed);
        bytes4 expected = _roleError(caller);
        if (expected == SUCCEEDS) {
            expected = _model[account].kind == IParticipantRegistry.Kind.None
                ? IParticipantRegistry.NotRegistered.selector
                : k == IParticipantRegistry.Kind.None ? IParticipantRegistry.InvalidKind.selector : !_valid(j) ? IParticipantRegistry.InvalidJurisdiction.selector : SUCCEEDS;
        }
        _call(caller, address(registry), abi.encodeCall(registry.update, (account, k, j)), expected, "update");
        if (expected == SUCCEEDS) {
            _model[account].kind = k;
            _model[account].jurisdiction = j;
        }
    }

    function renewKyc(uint256 callerSeed, uint256 accountSeed, uint256 expiry) external {
        address caller = _caller(callerSeed);
        address account = _actor(accountSeed);
        uint64 kycExpiry = uint64(_bound(expiry, block.timestamp - 1, block.timestamp + 400 days));
        bytes4 expected = _roleError(caller);
        if (expected == SUCCEEDS) {
            expected = _model[account].kind == IParticipantRegistry.Kind.None
                ? IParticipantRegistry.NotRegistered.selector
                : kycExpiry <= block.timestamp ? IParticipantRegistry.KycExpiryNotInFuture.selector : SUCCEEDS;
        }
        _call(caller, address(registry), abi.encodeCall(registry.renewKyc, (account, kycExpiry)), expected, "renewKyc");
        if (expected == SUCCEEDS) _model[account].kycExpiry = kycExpiry;
    }

    function setFrozen(uint256 callerSeed, uint256 accountSeed, bool frozen) external {
        address caller = _caller(callerSeed);
        address account = _actor(accountSeed);
        bytes4 expected = _roleError(caller);
        if (expected == SUCCEEDS) {
            expected = _model[account].kind == IParticipantRegistry.Kind.None
                ? IParticipantRegistry.NotRegistered.selector
                : _model[account].frozen == frozen ? IParticipantRegistry.FrozenStateUnchanged.selector : SUCCEEDS;
        }
        bytes memory data = frozen ? abi.encodeCall(registry.freeze, (account, bytes32(0))) : abi.encodeCall(registry.unfreeze, (account));
        _call(caller, address(registry), data, expected, frozen ? "freeze" : "unfreeze");
        if (expected == SUCCEEDS) _model[account].frozen = frozen;
    }

    function remove(uint256 callerSeed, uint256 accountSeed) external {
        address caller = _caller(callerSeed);
        address account = _actor(accountSeed);
        bytes4 expected = _roleError(caller);
        if (expected == SUCCEEDS && _model[account].kind == IParticipantRegistry.Kind.None) expected = IParticipantRegistry.NotRegistered.selector;
        _call(caller, address(registry), abi.encodeCall(registry.remove, (account)), expected, "remove");
        if (expected == SUCCEEDS) delete _model[account];
    }

    function setRestricted(uint256 callerSeed, uint256 jurisdictionSeed, bool restricted) external {
        address caller = _caller(callerSeed);
        bytes2 j = _jurisdiction(jurisdictionSeed);
        bytes4 expected = _roleError(caller);
        if (expected == SUCCEEDS && !_valid(j)) expected = IParticipantRegistry.InvalidJurisdiction.selector;
        _call(caller, address(registry), abi.encodeCall(registry.setJurisdictionRestricted, (j, restricted)), expected, "setRestricted");
        if (expected == SUCCEEDS) modelRestricted[j] = restricted;
    }

    function setPaused(uint256 callerSeed, bool paused) external {
        address caller = _caller(callerSeed);
        bytes4 expected = _roleError(caller);
        if (expected == SUCCEEDS && paused == modelPaused) expected = paused ? Pausable.EnforcedPause.selector : Pausable.ExpectedPause.selector;
        _call(caller, address(registry), paused ? abi.encodeCall(registry.pause, ()) : abi.encodeCall(registry.unpause, ()), expected, paused ? "pause" : "unpause");
        if (expected == SUCCEEDS) modelPaused = paused;
    }

    // ---------------------------------------------------------------- an instrument under the registry

    /// @dev A mint asks canHold: refused with NetworkPaused under the pause, with ComplianceRefused
    /// for any account the model refuses, else accepted.
    function mint(uint256 accountSeed, uint256 amount) external {
        address account = _actor(accountSeed);
        IParticipantRegistry.Reason reason = modelCanHold(account);
        bytes4 expected = _guardError(reason);
        _call(bank, address(token), abi.encodeCall(token.mint, (account, _bound(amount, 1, 1e12))), expected, "mint");
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1, 60 days));
    }

    // ---------------------------------------------------------------- model helpers

    /// @dev Four picks in five the regulator, else an actor (who holds no role).
    function _caller(uint256 seed) private view returns (address) {
        return seed % 5 == 0 ? _actor(seed >> 8) : regulator;
    }

    function _roleError(address caller) private view returns (bytes4) {
        return caller == regulator ? SUCCEEDS : IAccessControl.AccessControlUnauthorizedAccount.selector;
    }

    /// @dev Mostly a valid code; one pick in six a malformed one (lower case, digits, blank).
    function _jurisdiction(uint256 seed) private view returns (bytes2) {
        if (seed % 6 != 0) return _JURISDICTIONS[(seed >> 8) % 3];
        return bytes2(uint16(seed >> 16));
    }

    function _valid(bytes2 j) private pure returns (bool) {
        return j[0] >= 0x41 && j[0] <= 0x5A && j[1] >= 0x41 && j[1] <= 0x5A;
    }

    function _fingerprint() internal view override returns (bytes32 digest) {
        digest = keccak256(abi.encode(registry.paused(), token.totalSupply()));
        for (uint256 i; i < 3; ++i) {
            digest = keccak256(abi.encode(digest, registry.isJurisdictionRestricted(_JURISDICTIONS[i])));
        }
        for (uint256 i; i < actors.length; ++i) {
            digest = keccak256(abi.encode(digest, registry.participant(actors[i]), token.balanceOf(actors[i])));
        }
    }
}
