// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {CarbonSetup} from "./CarbonSetup.sol";
import {ICarbonCredits} from "../../../../contracts/interfaces/ICarbonCredits.sol";

/// @title CarbonSupplyInvariants
/// @notice Law: a batch's units are conserved. For every batch, issued = tradable (Σ balances of
/// every holder, escrow included) + retired + cancelled + buffered, and issued is the whole units
/// its report and the carried remainder made; `circulating` (outside escrow) and `escrowed` agree
/// with the balances.
contract CarbonSupplyInvariants is CarbonSetup {
    function invariant_batchSupplyConserved() public view {
        uint256 n = handler.batchCount();
        for (uint256 b; b < n; ++b) {
            uint256 batchId = handler.batchIds(b);
            ICarbonCredits.Supply memory s = credits.supplyOf(batchId);
            uint256 escrowed = credits.balanceOf(address(market), batchId);
            uint256 held = escrowed;
            for (uint256 i; i < handler.actorCount(); ++i) {
                held += credits.balanceOf(handler.actorAt(i), batchId);
            }
            vm.assertEq(s.issued, handler.ghostIssued(batchId), "issued != the report's quantity");
            vm.assertEq(s.issued, held + s.retired + s.cancelled + s.buffered, "issued != tradable + retired + cancelled + buffered");
            vm.assertEq(s.circulating, held - escrowed, "circulating != sum of balances outside escrow");
            vm.assertEq(s.escrowed, escrowed, "escrowed != the market's balance");
        }
    }

    /// @notice After each run: how many calls of each entry point were accepted and refused (-vv).
    function afterInvariant() public view {
        handler.logCensus();
    }
}
