// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {BondSetup} from "./BondSetup.sol";
import {IImpactAttribution} from "../../../../contracts/interfaces/IImpactAttribution.sol";

/// @title BondAttributionInvariants
/// @notice Law: impact attributed across instruments never exceeds verified output since the first
/// claim. For each project, Σ over the instruments that claim it (the bond series and a second
/// instrument) of `ImpactAttribution.attributed` ≤ its verified totals − the baseline taken at the
/// first claim, whatever the allocations, releases, expiries, reallocations, redemptions, direct
/// claims and releases and new output. The holders' `impactOf` shares add up to at most the
/// series' own attribution. Dust buys nothing: a claim below the minimum is refused (the handler
/// checks the exact error and that nothing changed).
contract BondAttributionInvariants is BondSetup {
    function invariant_attributedImpactWithinVerifiedOutput() public view {
        uint256 seriesWh;
        uint256 seriesGrams;
        for (uint256 projectId = 1; projectId <= 2; ++projectId) {
            IImpactAttribution.ProjectAttribution memory p = attribution.project(projectId);
            (uint256 bondWh, uint256 bondGrams) = attribution.attributed(address(bond), projectId);
            (uint256 otherWh, uint256 otherGrams) = attribution.attributed(address(handler), projectId);
            seriesWh += bondWh;
            seriesGrams += bondGrams;
            if (!p.claimed) {
                vm.assertEq(bondWh + otherWh + bondGrams + otherGrams, 0, "attributed before any claim");
                continue;
            }
            (uint256 wh, uint256 grams) = reports.verifiedTotals(projectId);
            vm.assertLe(bondWh + otherWh, wh - p.baselineWh, "attributed generation > verified since first claim");
            vm.assertLe(bondGrams + otherGrams, grams - p.baselineGrams, "attributed reductions > verified since first claim");
        }
        uint256 holdersWh;
        uint256 holdersGrams;
        for (uint256 i; i < handler.actorCount(); ++i) {
            (uint256 wh, uint256 grams) = bond.impactOf(handler.actorAt(i));
            holdersWh += wh;
            holdersGrams += grams;
        }
        vm.assertLe(holdersWh, seriesWh, "holders' impact > the series' attribution");
        vm.assertLe(holdersGrams, seriesGrams, "holders' impact > the series' attribution");
    }
}
