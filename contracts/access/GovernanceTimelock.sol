// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title GovernanceTimelock
/// @notice OpenZeppelin's TimelockController, unchanged, under the name `greenfi deploy` records.
/// On live networks it holds GOVERNOR_ROLE on every governed contract, so value-moving parameter
/// changes are scheduled, wait `getMinDelay()` seconds, and only then execute (docs/governance.md).
contract GovernanceTimelock is TimelockController {
    /// @param minDelay seconds between scheduling and executing (0 only on local chains).
    /// @param proposers may schedule and cancel. @param executors may execute (address(0): anyone).
    /// @param admin may manage the timelock's roles; address(0) leaves the timelock self-governed.
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
