// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";

/// @title ComplianceGuard
/// @notice Base for every greenfi instrument: asks the ParticipantRegistry before value moves and
/// turns a refusal into a named error carrying the account and the registry's reason.
abstract contract ComplianceGuard {
    /// @dev The network is paused by the regulator.
    error NetworkPaused();
    /// @dev The registry refused `account` for `reason`.
    error ComplianceRefused(address account, IParticipantRegistry.Reason reason);
    /// @dev The registry address is zero.
    error RegistryZeroAddress();

    /// @notice The registry every check of this instrument asks.
    IParticipantRegistry public immutable registry;

    constructor(IParticipantRegistry registry_) {
        if (address(registry_) == address(0)) revert RegistryZeroAddress();
        registry = registry_;
    }

    modifier whenNetworkActive() {
        _requireNetworkActive();
        _;
    }

    /// @dev One copy of the pause check, however many entry points carry the modifier (keeps code size down).
    function _requireNetworkActive() internal view {
        if (registry.paused()) revert NetworkPaused();
    }

    function _requireCanHold(address account) internal view {
        _refuseUnlessOk(account, registry.canHold(account));
    }

    function _requireCanActAs(address account, IParticipantRegistry.Kind kind) internal view {
        _refuseUnlessOk(account, registry.canActAs(account, kind));
    }

    function _requireCanTransact(address from, address to) internal view {
        IParticipantRegistry.Reason reason = registry.canTransact(from, to);
        if (reason == IParticipantRegistry.Reason.Ok) return;
        // Only on refusal: find out which side was refused, so the error names it.
        IParticipantRegistry.Reason fromReason = registry.canHold(from);
        if (fromReason != IParticipantRegistry.Reason.Ok) _refuseUnlessOk(from, fromReason);
        _refuseUnlessOk(to, reason);
    }

    function _refuseUnlessOk(address account, IParticipantRegistry.Reason reason) private pure {
        if (reason == IParticipantRegistry.Reason.Ok) return;
        if (reason == IParticipantRegistry.Reason.SystemPaused) revert NetworkPaused();
        revert ComplianceRefused(account, reason);
    }
}
