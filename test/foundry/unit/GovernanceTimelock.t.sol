// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {vm} from "../lib/Vm.sol";
import {UnitTest} from "../lib/UnitTest.sol";
import {GovernanceTimelock} from "../../../contracts/access/GovernanceTimelock.sol";
import {SettlementToken} from "../../../contracts/token/SettlementToken.sol";

/// @title GovernanceTimelockTest
/// @notice Holding GOVERNOR_ROLE, the timelock makes a governed change wait its delay: scheduled by a
/// proposer, executable by anyone (executor address(0)) only once the delay has passed.
contract GovernanceTimelockTest is UnitTest {
    uint256 private constant MIN_DELAY = 1 days;

    function test_a_governed_grant_waits_out_the_delay() public {
        _deployRegistry();
        address proposer = address(0xB0);
        address[] memory proposers = new address[](1);
        proposers[0] = proposer;
        address[] memory executors = new address[](1); // address(0): anyone executes
        GovernanceTimelock timelock = new GovernanceTimelock(MIN_DELAY, proposers, executors, address(0));
        vm.assertEq(timelock.getMinDelay(), MIN_DELAY, "delay");
        vm.assertTrue(timelock.hasRole(timelock.PROPOSER_ROLE(), proposer), "proposer");

        SettlementToken token = new SettlementToken("S", "S", registry, admin, admin);
        token.grantRole(token.GOVERNOR_ROLE(), address(timelock));
        token.renounceRole(token.GOVERNOR_ROLE(), admin);
        bytes memory grant = abi.encodeCall(token.grantRole, (token.MINTER_ROLE(), address(0xBA4C)));
        vm.prank(proposer);
        timelock.schedule(address(token), 0, grant, 0, 0, MIN_DELAY);
        bytes32 id = timelock.hashOperation(address(token), 0, grant, 0, 0);
        _expectError(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector, id, bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        timelock.execute(address(token), 0, grant, 0, 0);
        vm.warp(block.timestamp + MIN_DELAY);
        timelock.execute(address(token), 0, grant, 0, 0);
        vm.assertTrue(token.hasRole(token.MINTER_ROLE(), address(0xBA4C)), "granted after the delay");
    }
}
