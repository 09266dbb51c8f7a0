// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";

/// @dev Test double exposing ComplianceGuard's checks as external functions.
contract ComplianceGuardMock is ComplianceGuard {
    uint256 public actions;

    constructor(IParticipantRegistry registry_) ComplianceGuard(registry_) {}

    function act() external whenNetworkActive {
        actions += 1;
    }

    function checkHold(address account) external view {
        _requireCanHold(account);
    }

    function checkActAs(address account, IParticipantRegistry.Kind kind) external view {
        _requireCanActAs(account, kind);
    }

    function checkTransact(address from, address to) external view {
        _requireCanTransact(from, to);
    }
}
