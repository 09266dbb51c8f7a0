// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {CarbonSetup} from "./CarbonSetup.sol";

/// @title CarbonMarketInvariants
/// @notice Law: market escrow and proceeds are conserved. Per batch, the market holds exactly the
/// remaining units of its open listings; it holds exactly the settlement tokens paid in by fills and
/// not yet withdrawn, = Σ what every account is credited (the current treasury's accrued fees
/// included); each account is credited exactly its proceeds and fees less its withdrawals.
contract CarbonMarketInvariants is CarbonSetup {
    function invariant_escrowAndProceedsConserved() public view {
        uint256 n = handler.batchCount();
        for (uint256 b; b < n; ++b) {
            uint256 batchId = handler.batchIds(b);
            vm.assertEq(credits.balanceOf(address(market), batchId), handler.ghostEscrowed(batchId), "escrow != open listings' remaining");
        }
        uint256 held = token.balanceOf(address(market));
        vm.assertEq(held, handler.ghostPaidIn() - handler.ghostWithdrawn(), "market balance != paid in - withdrawn");
        uint256 owed = market.credited(handler.treasuries(0)) + market.credited(handler.treasuries(1));
        vm.assertEq(market.credited(handler.treasuries(0)), handler.ghostOwed(handler.treasuries(0)), "treasury0 credited");
        vm.assertEq(market.credited(handler.treasuries(1)), handler.ghostOwed(handler.treasuries(1)), "treasury1 credited");
        for (uint256 i; i < handler.actorCount(); ++i) {
            address account = handler.actorAt(i);
            vm.assertEq(market.credited(account), handler.ghostOwed(account), "an account's credit != its proceeds - withdrawals");
            owed += market.credited(account);
        }
        vm.assertEq(held, owed, "market balance != sum credited");
    }

    /// @notice After each run: how many calls of each entry point were accepted and refused (-vv).
    function afterInvariant() public view {
        handler.logCensus();
    }
}
