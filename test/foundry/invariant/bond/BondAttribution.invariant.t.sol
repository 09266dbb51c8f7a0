// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {BondSetup} from "./BondSetup.sol";

/// @title BondAttributionInvariants
/// @notice Law: impact attributed to holders never exceeds verified output. Σ over every holder of
/// `impactOf` (generation and reductions) ≤ Σ over the series' financed projects of their verified
/// totals, whatever the allocations, releases, reallocations, transfers, redemptions and new output.
/// @dev Today GreenBond is the only instrument that attributes impact. When the shared attribution
/// contract lands (bonds branch), this suite must sum across instruments against it.
contract BondAttributionInvariants is BondSetup {
    function invariant_attributedImpactWithinVerifiedOutput() public view {
        uint256 attributedWh;
        uint256 attributedGrams;
        for (uint256 i; i < handler.actorCount(); ++i) {
            (uint256 wh, uint256 grams) = bond.impactOf(handler.actorAt(i));
            attributedWh += wh;
            attributedGrams += grams;
        }
        uint256[] memory financed = bond.financedProjects();
        uint256 verifiedWh;
        uint256 verifiedGrams;
        for (uint256 i; i < financed.length; ++i) {
            (uint256 wh, uint256 grams) = reports.verifiedTotals(financed[i]);
            verifiedWh += wh;
            verifiedGrams += grams;
        }
        vm.assertLe(attributedWh, verifiedWh, "attributed generation > verified generation");
        vm.assertLe(attributedGrams, verifiedGrams, "attributed reductions > verified reductions");
    }
}
