// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "./Vm.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";

/// @title Actors
/// @notice Named test accounts and a participant registry with them registered: the common start of
/// every suite. The suite contract deploys; the handler receives the addresses.
library Actors {
    /// @dev A deterministic account for `name`, labelled in traces.
    function make(string memory name) internal returns (address account) {
        account = address(uint160(uint256(keccak256(bytes(name)))));
        vm.label(account, name);
    }

    /// @dev A registry administered by `admin`, with `regulator` as REGULATOR_ROLE.
    function registry(address admin, address regulator) internal returns (ParticipantRegistry r) {
        r = new ParticipantRegistry(admin, regulator, 0);
    }

    /// @dev Registers `account` as `kind` in "CN" with KYC valid for a century (the runs warp years ahead).
    function enrol(ParticipantRegistry r, address regulator, address account, IParticipantRegistry.Kind kind) internal {
        vm.prank(regulator);
        r.register(account, kind, "CN", uint64(block.timestamp + 100 * 365 days));
    }
}
