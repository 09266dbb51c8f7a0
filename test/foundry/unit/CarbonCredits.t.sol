// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC1155Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {vm} from "../lib/Vm.sol";
import {CarbonWorld} from "../lib/CarbonWorld.sol";
import {CarbonCredits} from "../../../contracts/carbon/CarbonCredits.sol";
import {ICarbonCredits} from "../../../contracts/interfaces/ICarbonCredits.sol";
import {IProjectRegistry} from "../../../contracts/interfaces/IProjectRegistry.sol";
import {IProjectRegistryWorkflow} from "../../../contracts/interfaces/IProjectRegistryWorkflow.sol";
import {IMonitoringReports} from "../../../contracts/interfaces/IMonitoringReports.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";
import {MockMonitoringReportsForCarbon} from "../../../contracts/mocks/MockMonitoringReportsForCarbon.sol";

/// @title CarbonCreditsTest
/// @notice Issuance from approved reports (buffer, serials, vintages, remainders), the CAI and its
/// decoding, retirement certificates, the regulator's cancellations and reversals, the buffer-share
/// setter and the one-market rule, each refusal with its exact error.
contract CarbonCreditsTest is CarbonWorld {
    // ---------------------------------------------------------------- construction

    function test_constructor_refuses_zero_addresses_and_a_buffer_above_half() public {
        _expectError(abi.encodeWithSelector(ICarbonCredits.ZeroAddress.selector));
        new CarbonCredits(registry, IProjectRegistryWorkflow(address(0)), reports, admin, regulator, 0);
        _expectError(abi.encodeWithSelector(ICarbonCredits.ZeroAddress.selector));
        new CarbonCredits(registry, projects, IMonitoringReports(address(0)), admin, regulator, 0);
        _expectError(abi.encodeWithSelector(ICarbonCredits.ZeroAddress.selector));
        new CarbonCredits(registry, projects, reports, admin, address(0), 0);
        _expectError(abi.encodeWithSelector(ICarbonCredits.BufferShareTooHigh.selector, 5_001, 5_000));
        new CarbonCredits(registry, projects, reports, admin, regulator, 5_001);
        vm.assertEq(credits.bufferShare(), BUFFER_BPS, "buffer share");
        vm.assertEq(address(credits.projects()), address(projects), "projects");
        vm.assertEq(address(credits.reports()), address(reports), "reports");
    }

    // ---------------------------------------------------------------- issuance

    function test_issue_mints_the_units_less_the_buffer_with_fresh_serials() public {
        uint256 batchId = _issue(gec, 100);
        vm.assertEq(batchId, 1, "first batch");
        vm.assertEq(credits.balanceOf(developer, batchId), 90, "90 to the developer");
        ICarbonCredits.Supply memory s = credits.supplyOf(batchId);
        vm.assertEq(s.issued, 100, "issued");
        vm.assertEq(s.buffered, 10, "10 % buffered");
        vm.assertEq(s.circulating, 90, "circulating");
        ICarbonCredits.BatchInfo memory b = credits.batch(batchId);
        vm.assertEq(b.projectId, gec, "project");
        vm.assertEq(b.serialStart, 1, "serial start");
        vm.assertEq(b.serialEnd, 100, "serial end");
        vm.assertEq(b.vintageStart, JAN_2024, "vintage");
        vm.assertEq(credits.lastVintageEnd(gec), JAN_2024 + 30 days, "vintage used");

        uint256 second = _issue(gec, 15);
        vm.assertEq(credits.supplyOf(second).buffered, 2, "1.5 rounds up toward the buffer");
        vm.assertEq(credits.batch(second).serialStart, 101, "serials continue");
        vm.assertEq(credits.nextSerial(), 116, "next serial");
        vm.assertEq(credits.batchCount(), 2, "batches");
    }

    function test_an_issuer_may_issue_for_the_developer_others_may_not() public {
        address bot = _enrolled("bot", IParticipantRegistry.Kind.Enterprise);
        uint256 reportId = _report(gec, 5 * UNIT);
        _expectError(abi.encodeWithSelector(ICarbonCredits.NotIssuer.selector, bot, gec));
        vm.prank(bot);
        credits.issue(reportId);
        credits.grantRole(credits.ISSUER_ROLE(), bot);
        _freeze(developer);
        _expectFrozen(developer);
        vm.prank(bot);
        credits.issue(reportId);
        vm.prank(regulator);
        registry.unfreeze(developer);
        vm.prank(bot);
        uint256 batchId = credits.issue(reportId);
        vm.assertEq(credits.balanceOf(developer, batchId), 4, "minted to the developer, not the issuer");
    }

    function test_issue_refusals() public {
        _expectError(abi.encodeWithSelector(MockMonitoringReportsForCarbon.UnknownReport.selector, 77));
        credits.issue(77);
        uint256 reportId = _report(gec, UNIT);
        vm.prank(regulator);
        projects.suspend(gec, 0);
        _expectError(
            abi.encodeWithSelector(ICarbonCredits.ProjectNotActive.selector, gec, IProjectRegistry.ProjectStatus.Suspended)
        );
        vm.prank(developer);
        credits.issue(reportId);
        vm.prank(regulator);
        projects.activate(gec, 0);

        uint256 backwards = _reportWith(gec, JAN_2024 + 10, JAN_2024 + 10, UNIT);
        _expectError(abi.encodeWithSelector(ICarbonCredits.InvalidVintage.selector, JAN_2024 + 10, JAN_2024 + 10));
        vm.prank(developer);
        credits.issue(backwards);
        vm.prank(developer);
        credits.issue(reportId);
        uint256 overlapping = _reportWith(gec, JAN_2024 + 1 days, JAN_2024 + 40 days, UNIT);
        _expectError(abi.encodeWithSelector(ICarbonCredits.VintageOverlap.selector, gec, JAN_2024 + 1 days, JAN_2024 + 30 days));
        vm.prank(developer);
        credits.issue(overlapping);
        vm.assertEq(credits.batchCount(), 1, "one batch");
    }

    function test_quantities_below_a_unit_are_carried_to_the_next_report() public {
        uint256 first = _report(ver, 2_500_000); // 2.5 t
        vm.expectEmit(address(credits));
        emit ICarbonCredits.RemainderCarried(ver, first, 500_000);
        vm.prank(developer);
        uint256 batchId = credits.issue(first);
        vm.assertEq(credits.supplyOf(batchId).issued, 2, "two whole units");
        vm.assertEq(credits.carriedRemainder(ver), 500_000, "carried");

        uint256 second = _report(ver, 400_000);
        vm.expectEmit(address(credits));
        emit ICarbonCredits.RemainderCarried(ver, second, 900_000);
        vm.prank(developer);
        vm.assertEq(credits.issue(second), 0, "no unit, no batch");
        vm.assertEq(credits.lastVintageEnd(ver), JAN_2024 + 60 days, "the period is used all the same");

        uint256 third = _report(ver, 100_000);
        vm.prank(developer);
        batchId = credits.issue(third);
        vm.assertEq(credits.supplyOf(batchId).issued, 1, "the remainders make a unit");
        vm.assertEq(credits.carriedRemainder(ver), 0, "nothing carried");
        uint256 fourth = _report(ver, 3 * UNIT); // whole: nothing carried, nothing to announce
        vm.prank(developer);
        batchId = credits.issue(fourth);
        vm.assertEq(credits.supplyOf(batchId).issued, 3, "three units");
    }

    // ---------------------------------------------------------------- CAI

    function test_the_cai_decodes_back_to_its_batch() public {
        uint256 batchId = _issue(gec, 100);
        bytes32 cai = credits.caiOf(batchId);
        vm.assertEq(cai, credits.batch(batchId).cai, "the batch's CAI");
        vm.assertEq(uint256(uint64(uint256(cai))), batchId, "low 8 bytes: the batch id");
        vm.assertEq(credits.batchOfCai(cai), batchId, "decodes");
        ICarbonCredits.CaiFields memory f = credits.decodeCai(cai);
        vm.assertEq(f.chainId, block.chainid, "chain");
        vm.assertEq(f.registry, address(credits), "registry");
        vm.assertEq(f.projectId, gec, "project");
        vm.assertTrue(f.jurisdiction == "CN", "jurisdiction");
        vm.assertEq(uint256(f.creditClass), uint256(IProjectRegistry.CreditClass.GreenElectricityCertificate), "class");
        vm.assertEq(f.serialEnd, 100, "serial end");
        vm.assertEq(f.vintageEnd, JAN_2024 + 30 days, "vintage end");
        vm.assertEq(f.reportHash, credits.batch(batchId).reportHash, "report hash");
        vm.assertEq(credits.caiString(batchId), "CAI-CN-1-2024-1-1-100", "readable form");

        bytes32 tampered = cai ^ bytes32(uint256(1) << 200);
        _expectError(abi.encodeWithSelector(ICarbonCredits.UnknownCai.selector, tampered));
        credits.batchOfCai(tampered);
        bytes32 noBatch = (cai >> 64 << 64) | bytes32(uint256(9));
        _expectError(abi.encodeWithSelector(ICarbonCredits.UnknownCai.selector, noBatch));
        credits.decodeCai(noBatch);
        _expectError(abi.encodeWithSelector(ICarbonCredits.UnknownBatch.selector, 9));
        credits.caiOf(9);
    }

    function test_a_vintage_across_new_year_reads_both_years() public {
        uint64 start = JAN_2024 + 335 days; // 2024-12-01
        uint256 reportId = _reportWith(gec, start, start + 62 days, 7 * UNIT); // to 2025-02-01
        vm.prank(developer);
        uint256 batchId = credits.issue(reportId);
        vm.assertEq(credits.caiString(batchId), "CAI-CN-1-2024_2025-1-1-7", "spans two years");
    }

    // ---------------------------------------------------------------- retirement

    function test_retire_burns_and_records_a_certificate() public {
        uint256 batchId = _issue(gec, 100);
        ICarbonCredits.Claim memory claim = _claim();
        vm.expectEmit(address(credits));
        emit ICarbonCredits.Retired(1, batchId, developer, 30, claim);
        vm.prank(developer);
        vm.assertEq(credits.retire(batchId, 30, claim), 1, "certificate id");
        vm.assertEq(credits.balanceOf(developer, batchId), 60, "burnt");
        vm.assertEq(credits.supplyOf(batchId).retired, 30, "retired");
        ICarbonCredits.Certificate memory c = credits.certificate(1);
        vm.assertEq(c.retiree, developer, "retiree");
        vm.assertEq(c.amount, 30, "amount");
        vm.assertEq(c.batchId, batchId, "batch");
        vm.assertEq(c.retiredAt, block.timestamp, "when");
        vm.assertEq(c.claim.beneficiary, buyer, "beneficiary");
        vm.assertEq(c.claim.periodEnd, claim.periodEnd, "period");
        vm.assertEq(credits.certificateCount(), 1, "count");
        _expectError(abi.encodeWithSelector(ICarbonCredits.UnknownCertificate.selector, 2));
        credits.certificate(2);
    }

    function test_retire_refusals() public {
        uint256 batchId = _issue(gec, 100);
        ICarbonCredits.Claim memory claim = _claim();
        vm.startPrank(developer);
        _expectError(abi.encodeWithSelector(ICarbonCredits.UnknownBatch.selector, 9));
        credits.retire(9, 1, claim);
        _expectError(abi.encodeWithSelector(ICarbonCredits.ZeroAmount.selector));
        credits.retire(batchId, 0, claim);
        _expectError(abi.encodeWithSelector(ICarbonCredits.InsufficientTradable.selector, developer, batchId, 90, 91));
        credits.retire(batchId, 91, claim);
        claim.periodEnd = claim.periodStart;
        _expectError(abi.encodeWithSelector(ICarbonCredits.InvalidClaimPeriod.selector, claim.periodStart, claim.periodEnd));
        credits.retire(batchId, 1, claim);
        vm.stopPrank();
        _freeze(developer);
        _expectFrozen(developer);
        vm.prank(developer);
        credits.retire(batchId, 1, _claim());
        vm.assertEq(credits.certificateCount(), 0, "no certificate");
    }

    function test_retireFrom_needs_the_owner_or_its_operator() public {
        uint256 batchId = _issue(gec, 100);
        _expectError(abi.encodeWithSelector(IERC1155Errors.ERC1155MissingApprovalForAll.selector, buyer, developer));
        vm.prank(buyer);
        credits.retireFrom(developer, batchId, 1, _claim());
        vm.prank(developer);
        credits.retireFrom(developer, batchId, 1, _claim()); // the owner itself
        vm.prank(developer);
        credits.setApprovalForAll(buyer, true);
        vm.prank(buyer);
        uint256 id = credits.retireFrom(developer, batchId, 2, _claim());
        vm.assertEq(credits.certificate(id).retiree, developer, "retired in the owner's name");
        vm.assertEq(credits.balanceOf(developer, batchId), 87, "from the owner's balance");
    }

    function test_escrow_entry_points_are_the_markets() public {
        uint256 batchId = _issue(gec, 10);
        _expectError(abi.encodeWithSelector(ICarbonCredits.NotMarket.selector, developer));
        vm.prank(developer);
        credits.retireFromEscrow(developer, batchId, 1, _claim());
        _expectError(abi.encodeWithSelector(ICarbonCredits.NotMarket.selector, regulator));
        vm.prank(regulator);
        credits.cancelEscrowed(batchId, 1, 0);
        _expectError(abi.encodeWithSelector(ICarbonCredits.NotMarket.selector, regulator));
        vm.prank(regulator);
        credits.reverseEscrowed(batchId, 1, 1, 0);
    }

    // ---------------------------------------------------------------- regulator

    function test_cancel_burns_a_holders_units() public {
        uint256 batchId = _issue(gec, 100);
        _expectMissingRole(developer, credits.REGULATOR_ROLE());
        vm.prank(developer);
        credits.cancel(developer, batchId, 1, 0);
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(ICarbonCredits.EscrowedUnits.selector, address(market)));
        credits.cancel(address(market), batchId, 1, 0);
        _expectError(abi.encodeWithSelector(ICarbonCredits.ZeroAmount.selector));
        credits.cancel(developer, batchId, 0, 0);
        _expectError(abi.encodeWithSelector(ICarbonCredits.InsufficientTradable.selector, buyer, batchId, 0, 1));
        credits.cancel(buyer, batchId, 1, 0);
        vm.expectEmit(address(credits));
        emit ICarbonCredits.Cancelled(batchId, developer, 40, keccak256("fraud"));
        credits.cancel(developer, batchId, 40, keccak256("fraud"));
        vm.stopPrank();
        vm.assertEq(credits.supplyOf(batchId).cancelled, 40, "cancelled");
        vm.assertEq(credits.balanceOf(developer, batchId), 50, "burnt");
    }

    function test_a_reversal_draws_the_buffer_first_then_the_holder() public {
        uint256 batchId = _issue(gec, 100); // 10 buffered, 90 with the developer
        _expectMissingRole(developer, credits.REGULATOR_ROLE());
        vm.prank(developer);
        credits.reverse(batchId, 1, developer, 0);
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(ICarbonCredits.EscrowedUnits.selector, address(market)));
        credits.reverse(batchId, 1, address(market), 0);
        _expectError(abi.encodeWithSelector(ICarbonCredits.ZeroAmount.selector));
        credits.reverse(batchId, 0, developer, 0);
        vm.expectEmit(address(credits));
        emit ICarbonCredits.Reversed(batchId, developer, 6, 6, 0, keccak256("r"));
        credits.reverse(batchId, 6, developer, keccak256("r"));
        vm.assertEq(credits.balanceOf(developer, batchId), 90, "the buffer alone");
        vm.expectEmit(address(credits));
        emit ICarbonCredits.Reversed(batchId, developer, 10, 4, 6, keccak256("r"));
        credits.reverse(batchId, 10, developer, keccak256("r"));
        _expectError(abi.encodeWithSelector(ICarbonCredits.InsufficientTradable.selector, buyer, batchId, 0, 1));
        credits.reverse(batchId, 1, buyer, 0);
        vm.stopPrank();
        ICarbonCredits.Supply memory s = credits.supplyOf(batchId);
        vm.assertEq(s.buffered, 0, "buffer drawn");
        vm.assertEq(s.cancelled, 16, "invalidated");
        vm.assertEq(credits.balanceOf(developer, batchId), 84, "six from the holder");
    }

    function test_setBufferShare_applies_to_later_batches_only() public {
        uint256 before = _issue(gec, 100);
        _expectMissingRole(regulator, credits.GOVERNOR_ROLE());
        vm.prank(regulator);
        credits.setBufferShare(0);
        _expectError(abi.encodeWithSelector(ICarbonCredits.BufferShareTooHigh.selector, 5_001, 5_000));
        credits.setBufferShare(5_001);
        vm.expectEmit(address(credits));
        emit ICarbonCredits.BufferShareSet(5_000);
        credits.setBufferShare(5_000);
        uint256 later = _issue(gec, 100);
        vm.assertEq(credits.supplyOf(before).buffered, 10, "unchanged");
        vm.assertEq(credits.supplyOf(later).buffered, 50, "half");
    }

    // ---------------------------------------------------------------- transfers and the market role

    function test_transfers_between_holders_ask_the_registry() public {
        uint256 batchId = _issue(gec, 100);
        vm.prank(developer);
        credits.safeTransferFrom(developer, buyer, batchId, 5, "");
        vm.assertEq(credits.balanceOf(buyer, batchId), 5, "moved");
        address outsider = address(0xBAD);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, outsider, IParticipantRegistry.Reason.NotRegistered)
        );
        vm.prank(developer);
        credits.safeTransferFrom(developer, outsider, batchId, 5, "");
    }

    function test_one_market_at_a_time() public {
        vm.assertEq(credits.market(), address(market), "market");
        bytes32 role = credits.MARKET_ROLE();
        credits.grantRole(role, address(market)); // the same market again: nothing changes
        _expectError(abi.encodeWithSelector(ICarbonCredits.MarketAlreadySet.selector, address(market)));
        credits.grantRole(role, address(0xB0B));
        uint256 batchId = _issue(gec, 10);
        credits.revokeRole(role, address(market));
        vm.assertEq(credits.market(), address(0), "no market");
        vm.assertEq(credits.supplyOf(batchId).escrowed, 0, "no escrow without a market");
        credits.revokeRole(role, address(market)); // not held: nothing to clear
        credits.grantRole(role, address(0xB0B));
        vm.assertEq(credits.market(), address(0xB0B), "replaced");
    }

    function test_supportsInterface() public view {
        vm.assertTrue(credits.supportsInterface(type(ICarbonCredits).interfaceId), "ICarbonCredits");
        vm.assertTrue(credits.supportsInterface(type(IERC1155).interfaceId), "IERC1155");
        vm.assertTrue(credits.supportsInterface(type(IAccessControl).interfaceId), "IAccessControl");
        vm.assertFalse(credits.supportsInterface(0xffffffff), "none else");
    }
}
