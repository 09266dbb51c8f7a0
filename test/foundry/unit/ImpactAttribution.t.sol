// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {Actors} from "../lib/Actors.sol";
import {UnitTest} from "../lib/UnitTest.sol";
import {ImpactAttribution} from "../../../contracts/finance/ImpactAttribution.sol";
import {IImpactAttribution} from "../../../contracts/interfaces/IImpactAttribution.sol";
import {IMonitoringReports} from "../../../contracts/interfaces/IMonitoringReports.sol";
import {MockMonitoringReportsForBonds} from "../../../contracts/mocks/MockMonitoringReportsForBonds.sol";

/// @title ImpactAttributionTest
/// @notice Registration, claims and releases with their refusals, and the attribution rule: output
/// verified after a project's first claim is split pro rata to the claims standing while it was
/// verified; output before it, or while nobody claims, is nobody's.
contract ImpactAttributionTest is UnitTest {
    uint256 private constant MINIMUM = 1e6;

    MockMonitoringReportsForBonds private reports;
    ImpactAttribution private attribution;
    address private a;
    address private b;

    function setUp() public {
        admin = address(this);
        reports = new MockMonitoringReportsForBonds();
        attribution = new ImpactAttribution(reports, admin, MINIMUM, 0);
        attribution.grantRole(attribution.REGISTRAR_ROLE(), admin);
        a = Actors.make("instrumentA");
        b = Actors.make("instrumentB");
        attribution.registerInstrument(a);
        attribution.registerInstrument(b);
    }

    function test_constructor_refuses_a_zero_reports_address_and_a_zero_minimum() public {
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionZeroAddress.selector));
        new ImpactAttribution(IMonitoringReports(address(0)), admin, MINIMUM, 0);
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionInvalidMinimum.selector, 0));
        new ImpactAttribution(reports, admin, 0, 0);
        vm.assertEq(attribution.minimumClaim(), MINIMUM, "minimum");
        vm.assertEq(address(attribution.monitoringReports()), address(reports), "reports");
        vm.assertEq(attribution.getRoleAdmin(attribution.REGISTRAR_ROLE()), attribution.GOVERNOR_ROLE(), "governed role");
    }

    function test_registerInstrument_needs_the_registrar_and_a_new_nonzero_address() public {
        address c = Actors.make("instrumentC");
        _expectMissingRole(c, attribution.REGISTRAR_ROLE());
        vm.prank(c);
        attribution.registerInstrument(c);
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionCannotRegister.selector, address(0), false));
        attribution.registerInstrument(address(0));
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionCannotRegister.selector, a, true));
        attribution.registerInstrument(a);
        vm.expectEmit(address(attribution));
        emit IImpactAttribution.InstrumentRegistered(c, admin);
        attribution.registerInstrument(c);
        vm.assertTrue(attribution.isInstrument(c), "registered");
        vm.assertFalse(attribution.isInstrument(admin), "the registrar is no instrument");
    }

    function test_claim_and_release_refusals() public {
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionNotInstrument.selector, admin));
        attribution.claim(1, MINIMUM);
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionNotInstrument.selector, admin));
        attribution.release(1, 0);
        vm.startPrank(a);
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionClaimBelowMinimum.selector, MINIMUM - 1, MINIMUM));
        attribution.claim(1, MINIMUM - 1);
        uint256 max = attribution.MAX_TOTAL_CLAIM();
        attribution.claim(1, max);
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionClaimAboveMaximum.selector, max + MINIMUM, max));
        attribution.claim(1, MINIMUM);
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionExceedsClaim.selector, max + 1, max));
        attribution.release(1, max + 1);
        reports.setBroken(2, true);
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionReportsUnavailable.selector, 2));
        attribution.claim(2, MINIMUM);
        vm.stopPrank();
        vm.assertEq(attribution.claimOf(a, 1), max, "only the valid claim stands");
        reports.setBroken(1, true);
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionReportsUnavailable.selector, 1));
        attribution.attributed(a, 1);
    }

    /// @dev A position opened ahead of its claim (a loan's proposal): no claim, no credit, no take-in, and every
    /// other share unchanged; the claim that follows counts only output verified from then on.
    function test_open_holds_no_claim_and_moves_no_share() public {
        vm.prank(a);
        attribution.claim(1, MINIMUM);
        reports.setTotals(1, 700, 30);
        IImpactAttribution.ProjectAttribution memory before = attribution.project(1);
        vm.expectEmit(address(attribution));
        emit IImpactAttribution.PositionOpened(b, 1);
        vm.prank(b);
        attribution.open(1);
        IImpactAttribution.ProjectAttribution memory afterOpen = attribution.project(1);
        vm.assertEq(afterOpen.seenWh, before.seenWh, "no output taken in");
        vm.assertEq(afterOpen.totalClaimed, before.totalClaimed, "no claim");
        vm.assertTrue(attribution.isOpen(b, 1), "opened");
        vm.assertEq(attribution.claimOf(b, 1), 0, "holds no claim");
        reports.setTotals(1, 1_000, 40);
        vm.assertEq(_wh(b, 1), 0, "credited nothing");
        vm.assertEq(_wh(a, 1), 1_000, "a keeps every unit");
        vm.assertEq(attribution.attributedWh(a, 1), 1_000, "the generation view agrees");
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionPositionOpen.selector, b, 1));
        vm.prank(b);
        attribution.open(1);
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionNotInstrument.selector, admin));
        attribution.open(1);
        vm.prank(b);
        attribution.claim(1, MINIMUM);
        reports.setTotals(1, 1_200, 40);
        vm.assertEq(_wh(b, 1), 100, "half of what came after the claim");
        vm.assertEq(attribution.attributedWh(b, 1), 100, "the generation view agrees");
        vm.assertEq(attribution.attributedWh(a, 2), 0, "an unclaimed project attributes nothing");
    }

    function test_output_is_split_pro_rata_to_the_standing_claims() public {
        reports.setTotals(1, 5_000, 900); // verified before any claim: nobody's
        vm.assertEq(_wh(a, 1), 0, "nothing before the first claim");
        vm.expectEmit(address(attribution));
        emit IImpactAttribution.ClaimIncreased(a, 1, 1e6, 1e6, 1e6);
        vm.prank(a);
        attribution.claim(1, 1e6);
        IImpactAttribution.ProjectAttribution memory p = attribution.project(1);
        vm.assertTrue(p.claimed, "claimed");
        vm.assertEq(p.baselineWh, 5_000, "baseline Wh");
        vm.assertEq(p.baselineGrams, 900, "baseline grams");

        reports.setTotals(1, 5_400, 900); // +400 Wh, all a's
        vm.expectEmit(address(attribution));
        emit IImpactAttribution.OutputAttributed(1, 400, 0, 1e6);
        vm.prank(b);
        attribution.claim(1, 3e6);
        vm.assertEq(_wh(a, 1), 400, "a alone claimed while 400 Wh were verified");
        vm.assertEq(_wh(b, 1), 0, "b claimed after");

        reports.setTotals(1, 5_800, 1_300); // +400 Wh and +400 g at 1 : 3
        (uint256 wh, uint256 grams) = attribution.attributed(b, 1);
        vm.assertEq(wh, 300, "b's three quarters");
        vm.assertEq(grams, 300, "b's three quarters");
        vm.assertEq(_wh(a, 1), 500, "a's quarter on top");

        reports.setTotals(1, 5_800, 1_700); // grams only
        vm.expectEmit(address(attribution));
        emit IImpactAttribution.ClaimReleased(a, 1, 1e6, 0, 3e6);
        vm.prank(a);
        attribution.release(1, 1e6);
        (, grams) = attribution.attributed(a, 1);
        vm.assertEq(grams, 200, "a keeps what was credited before its release");
        vm.assertEq(attribution.claimOf(a, 1), 0, "released");
        vm.assertEq(attribution.project(1).totalClaimed, 3e6, "total");
    }

    function test_output_verified_while_nobody_claims_is_nobodys() public {
        vm.prank(a);
        attribution.claim(1, 1e6);
        vm.prank(a);
        attribution.release(1, 1e6);
        reports.setTotals(1, 1_000, 10);
        vm.prank(b);
        attribution.claim(1, 1e6); // takes in the 1,000 Wh with no claim standing
        reports.setTotals(1, 1_100, 10);
        vm.assertEq(_wh(b, 1), 100, "only what was verified since b claimed");
        vm.assertEq(_wh(a, 1), 0, "a had released");
        reports.setTotals(1, 900, 10); // a reversal below the highest total taken in (1,000 Wh)
        vm.prank(a);
        attribution.claim(1, 1e6); // takes in nothing new
        reports.setTotals(1, 1_150, 10); // the recovery: only the 150 Wh above 1,000 are new
        vm.assertEq(_wh(b, 1), 75, "half of the 150 new Wh");
        vm.assertEq(_wh(a, 1), 75, "half of the 150 new Wh");
    }

    function _wh(address instrument, uint256 projectId) private view returns (uint256 wh) {
        (wh,) = attribution.attributed(instrument, projectId);
    }
}
