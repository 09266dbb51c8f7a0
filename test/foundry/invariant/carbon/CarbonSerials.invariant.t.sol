// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {CarbonSetup} from "./CarbonSetup.sol";
import {ICarbonCredits} from "../../../../contracts/interfaces/ICarbonCredits.sol";

/// @title CarbonSerialsInvariants
/// @notice Law: no serial is in two batches. Each batch's serial range has exactly `issued` serials
/// and starts after the previous batch's ends (so ranges are disjoint), the next serial follows the
/// last range, and every batch's CAI decodes back to that batch.
contract CarbonSerialsInvariants is CarbonSetup {
    function invariant_serialsInOneBatchOnly() public view {
        uint256 n = handler.batchCount();
        uint256 nextFree = 1;
        for (uint256 b; b < n; ++b) {
            uint256 batchId = handler.batchIds(b);
            ICarbonCredits.BatchInfo memory info = credits.batch(batchId);
            vm.assertGe(info.serialStart, nextFree, "a serial range overlaps an earlier batch's");
            vm.assertEq(uint256(info.serialEnd) - info.serialStart + 1, handler.ghostIssued(batchId), "range size != issued");
            vm.assertEq(credits.batchOfCai(info.cai), batchId, "the CAI does not decode to its batch");
            nextFree = uint256(info.serialEnd) + 1;
        }
        vm.assertEq(credits.nextSerial(), nextFree, "next serial does not follow the last range");
    }

    /// @notice After each run: how many calls of each entry point were accepted and refused (-vv).
    function afterInvariant() public view {
        handler.logCensus();
    }
}
