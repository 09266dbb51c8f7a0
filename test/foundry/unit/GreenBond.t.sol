// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {vm} from "../lib/Vm.sol";
import {BondWorld} from "../lib/BondWorld.sol";
import {GreenBond} from "../../../contracts/bond/GreenBond.sol";
import {IGreenBond} from "../../../contracts/interfaces/IGreenBond.sol";
import {IProjectRegistry} from "../../../contracts/interfaces/IProjectRegistry.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";

/// @title GreenBondTest
/// @notice Every entry point of a GreenBond series (docs/bonds.md): each refusal with its exact error
/// and arguments, each event, and what the views and balances show after each step. CouponRecords
/// (the record-date bookkeeping) is driven through transfers, funding and claims.
contract GreenBondTest is BondWorld {
    uint256 private constant PERIOD = 365 days / 4;

    GreenBond private bond;

    function setUp() public override {
        super.setUp();
        bond = _series(_terms());
    }

    // ---------------------------------------------------------------- initialize and terms

    function test_initialize_records_the_terms_and_emits() public {
        IGreenBond.Terms memory t = _terms();
        GreenBond clone = GreenBond(Clones.clone(address(implementation)));
        vm.expectEmit(address(clone));
        emit IGreenBond.BondInitialized(t.isin, issuer, t);
        clone.initialize(t, issuer, "Green 2027", "GRN27");

        vm.assertEq(clone.name(), "Green 2027", "name");
        vm.assertEq(clone.symbol(), "GRN27", "symbol");
        vm.assertEq(clone.decimals(), 0, "bonds are whole");
        vm.assertEq(clone.issuer(), issuer, "issuer");
        vm.assertEq(clone.terms().isin, ISIN, "isin");
        vm.assertEq(uint256(clone.status()), uint256(IGreenBond.Status.Subscription), "status");
        vm.assertEq(clone.periodCount(), 4, "quarterly for a year");
        vm.assertEq(clone.nextPeriod(), 1, "next period");
        vm.assertEq(clone.paymentDate(1), t.issueDate + PERIOD, "payment date");
        vm.assertEq(clone.recordDate(1), t.issueDate + PERIOD - 1 days, "record date");
        vm.assertEq(address(clone.monitoringReports()), address(reports), "reports through attribution");
        vm.assertEq(address(clone.attribution()), address(attribution), "attribution");
    }

    function test_initialize_refuses_a_second_time_and_on_the_implementation() public {
        _expectError(abi.encodeWithSelector(IGreenBond.AlreadyInitialized.selector));
        bond.initialize(_terms(), issuer, "x", "x");
        _expectError(abi.encodeWithSelector(IGreenBond.AlreadyInitialized.selector));
        implementation.initialize(_terms(), issuer, "x", "x");
    }

    function test_initialize_refuses_a_zero_issuer() public {
        GreenBond clone = GreenBond(Clones.clone(address(implementation)));
        _expectError(abi.encodeWithSelector(IGreenBond.InvalidTerms.selector, bytes32("issuer")));
        clone.initialize(_terms(), address(0), "x", "x");
    }

    function test_initialize_refuses_each_bad_term() public {
        IGreenBond.Terms memory t = _terms();
        t.isin = 0;
        _refused(t, "isin");
        t = _terms();
        t.denomination = 0;
        _refused(t, "denomination");
        t.denomination = uint256(type(uint64).max) + 1;
        _refused(t, "denomination");
        t = _terms();
        t.issueSize = 0;
        _refused(t, "issueSize");
        t = _terms();
        t.minimumRaise = 0;
        _refused(t, "minimumRaise");
        t.minimumRaise = t.issueSize + 1;
        _refused(t, "minimumRaise");
        t = _terms();
        t.subscriptionStart = t.issueDate;
        _refused(t, "dates");
        t = _terms();
        t.subscriptionStart = 0;
        t.issueDate = uint64(block.timestamp);
        _refused(t, "dates");
        t = _terms();
        t.couponFrequency = 3;
        _refused(t, "couponFrequency");
        t = _terms();
        t.maturityDate = t.issueDate;
        _refused(t, "maturityDate");
        t.maturityDate = t.issueDate + 365 days + 1;
        _refused(t, "maturityDate");
        t = _terms();
        t.couponFrequency = 12;
        t.callDate = 0;
        t.maturityDate = t.issueDate + 121 * (365 days / 12); // one period more than MAX_PERIODS
        _refused(t, "maturityDate");
        t = _terms();
        t.couponRateBps = 10_001;
        _refused(t, "couponRate");
        t.couponRateBps = 500;
        t.kpiStepBps = 600; // 500 + 600 × 120 steps overflows a uint16 rate
        _refused(t, "couponRate");
        t = _terms();
        t.riskLimitBps = 10_001;
        _refused(t, "riskLimitBps");
        t = _terms();
        t.callDate = t.issueDate;
        _refused(t, "call");
        t.callDate = t.maturityDate;
        _refused(t, "call");
        t = _terms();
        t.callPrice = t.denomination - 1;
        _refused(t, "call");
    }

    function _expectWrongStatus(IGreenBond.Status expected, IGreenBond.Status actual) private {
        _expectError(abi.encodeWithSelector(IGreenBond.WrongStatus.selector, expected, actual));
    }

    function _refused(IGreenBond.Terms memory t, bytes32 field) private {
        GreenBond clone = GreenBond(Clones.clone(address(implementation)));
        _expectError(abi.encodeWithSelector(IGreenBond.InvalidTerms.selector, field));
        clone.initialize(t, issuer, "x", "x");
    }

    // ---------------------------------------------------------------- documents

    function test_addDocument_numbers_documents_and_refuses_others_and_empty_ones() public {
        _expectError(abi.encodeWithSelector(IGreenBond.NotIssuer.selector, investor));
        vm.prank(investor);
        bond.addDocument(IGreenBond.DocumentKind.Framework, keccak256("f"), "ipfs://f");
        vm.startPrank(issuer);
        _expectError(abi.encodeWithSelector(IGreenBond.InvalidDocument.selector));
        bond.addDocument(IGreenBond.DocumentKind.Framework, 0, "ipfs://f");
        _expectError(abi.encodeWithSelector(IGreenBond.InvalidDocument.selector));
        bond.addDocument(IGreenBond.DocumentKind.Framework, keccak256("f"), "");

        vm.expectEmit(address(bond));
        emit IGreenBond.DocumentAdded(1, IGreenBond.DocumentKind.Framework, keccak256("f"), "ipfs://f");
        vm.assertEq(bond.addDocument(IGreenBond.DocumentKind.Framework, keccak256("f"), "ipfs://f"), 1, "first id");
        vm.assertEq(bond.addDocument(IGreenBond.DocumentKind.ImpactReport, keccak256("r"), "ipfs://r"), 2, "second id");
        vm.stopPrank();
        vm.assertEq(bond.documentHash(1), keccak256("f"), "hash 1");
        vm.assertEq(bond.documentHash(2), keccak256("r"), "hash 2");
    }

    // ---------------------------------------------------------------- subscription

    function test_subscribe_mints_bonds_against_the_exact_payment() public {
        uint256 before = token.balanceOf(investor);
        vm.expectEmit(address(bond));
        emit IGreenBond.Subscribed(investor, 10, 10 * DENOMINATION);
        _subscribe(bond, investor, 10);
        vm.assertEq(bond.balanceOf(investor), 10, "bonds");
        vm.assertEq(before - token.balanceOf(investor), 10 * DENOMINATION, "paid");
        vm.assertEq(token.balanceOf(address(bond)), 10 * DENOMINATION, "escrowed");
        vm.assertEq(bond.ledger().subscribed, 10 * DENOMINATION, "ledger");
    }

    function test_subscribe_refusals() public {
        _expectError(abi.encodeWithSelector(IGreenBond.ZeroAmount.selector));
        _subscribe(bond, investor, 0);
        _expectError(abi.encodeWithSelector(IGreenBond.ExceedsIssueSize.selector, 1_001, 1_000));
        _subscribe(bond, investor, 1_001);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, outsider, IParticipantRegistry.Reason.NotRegistered)
        );
        _subscribe(bond, outsider, 1);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, issuer, IParticipantRegistry.Reason.WrongKind)
        );
        _subscribe(bond, issuer, 1);
        IGreenBond.Terms memory t = bond.terms();
        vm.warp(t.issueDate);
        _expectError(abi.encodeWithSelector(IGreenBond.OutsideSubscriptionWindow.selector, t.subscriptionStart, t.issueDate));
        _subscribe(bond, investor, 1);
        vm.assertEq(bond.totalSupply(), 0, "nothing minted");
    }

    function test_subscribe_refuses_before_the_window_opens() public {
        IGreenBond.Terms memory t = _terms();
        t.isin = bytes32("XS0000LATER1");
        t.subscriptionStart = uint64(block.timestamp + 1 days);
        GreenBond later = _series(t);
        _expectError(abi.encodeWithSelector(IGreenBond.OutsideSubscriptionWindow.selector, t.subscriptionStart, t.issueDate));
        _subscribe(later, investor, 1);
    }

    function test_settle_issues_with_the_risk_score() public {
        _subscribe(bond, investor, 100);
        _expectError(abi.encodeWithSelector(IGreenBond.NotIssuer.selector, investor));
        vm.prank(investor);
        bond.settle();
        uint64 issueDate = bond.terms().issueDate;
        vm.prank(issuer);
        _expectError(abi.encodeWithSelector(IGreenBond.IssueDateNotReached.selector, issueDate));
        bond.settle();

        vm.warp(issueDate);
        vm.expectEmit(address(bond));
        emit IGreenBond.BondIssued(100, 100 * DENOMINATION, 100, 1);
        vm.prank(issuer);
        bond.settle();
        vm.assertEq(uint256(bond.status()), uint256(IGreenBond.Status.Issued), "issued");
        (uint16 score, uint256 version) = bond.riskScoreUsed();
        vm.assertEq(score, 100, "score");
        vm.assertEq(version, 1, "model version");
        vm.assertEq(bond.unallocated(), 100 * DENOMINATION, "all proceeds free");

        _expectWrongStatus(IGreenBond.Status.Subscription, IGreenBond.Status.Issued);
        _subscribe(bond, investor, 1);
        vm.prank(issuer);
        _expectWrongStatus(IGreenBond.Status.Subscription, IGreenBond.Status.Issued);
        bond.settle();
    }

    function test_settle_refuses_while_paused_and_on_a_missing_or_high_risk_score() public {
        _subscribe(bond, investor, 100);
        vm.warp(bond.terms().issueDate);
        _pause();
        _expectPaused();
        vm.prank(issuer);
        bond.settle();
        vm.prank(regulator);
        registry.unpause();

        oracle.setScore(issuer, 6_000, 2);
        _expectError(abi.encodeWithSelector(IGreenBond.RiskScoreAboveLimit.selector, 6_000, 5_000));
        vm.prank(issuer);
        bond.settle();
        oracle.clearScore(issuer);
        _expectError(abi.encodeWithSelector(IGreenBond.RiskScoreUnavailable.selector, issuer));
        vm.prank(issuer);
        bond.settle();
        vm.assertEq(uint256(bond.status()), uint256(IGreenBond.Status.Subscription), "still subscribing");
    }

    function test_an_undersubscribed_issue_fails_and_refunds() public {
        _subscribe(bond, investor, 50);
        vm.warp(bond.terms().issueDate);
        vm.expectEmit(address(bond));
        emit IGreenBond.IssueFailed(50, 50 * DENOMINATION);
        vm.prank(issuer);
        bond.settle();
        vm.assertEq(uint256(bond.status()), uint256(IGreenBond.Status.Failed), "failed");
        vm.assertEq(bond.unallocated(), 0, "nothing to allocate once failed");
        vm.assertEq(bond.claimableCoupons(investor), 0, "no coupons");
        _expectError(abi.encodeWithSelector(IGreenBond.NothingToClaim.selector, investor));
        vm.prank(investor);
        bond.claimCoupons();

        _expectError(abi.encodeWithSelector(IGreenBond.NothingToRefund.selector, investor2));
        vm.prank(investor2);
        bond.refund();
        _freeze(investor);
        _expectFrozen(investor);
        vm.prank(investor);
        bond.refund();
        vm.prank(regulator);
        registry.unfreeze(investor);

        uint256 before = token.balanceOf(investor);
        vm.expectEmit(address(bond));
        emit IGreenBond.Refunded(investor, 50, 50 * DENOMINATION);
        vm.prank(investor);
        bond.refund();
        vm.assertEq(token.balanceOf(investor) - before, 50 * DENOMINATION, "paid back");
        vm.assertEq(bond.balanceOf(investor), 0, "bonds burnt");
        vm.assertEq(bond.ledger().refunded, 50 * DENOMINATION, "ledger");
    }

    function test_refund_and_abandon_need_their_status() public {
        _expectWrongStatus(IGreenBond.Status.Failed, IGreenBond.Status.Subscription);
        bond.refund();
        uint64 until = bond.terms().issueDate + bond.SETTLEMENT_GRACE();
        vm.warp(until - 1);
        _expectError(abi.encodeWithSelector(IGreenBond.SettlementGraceNotOver.selector, until));
        bond.abandon();
        vm.warp(until);
        _subscribe(_series(_otherIsin()), investor, 1); // another series is unaffected
        vm.expectEmit(address(bond));
        emit IGreenBond.IssueFailed(0, 0);
        vm.prank(outsider);
        bond.abandon();
        vm.assertEq(uint256(bond.status()), uint256(IGreenBond.Status.Failed), "anyone may abandon after the grace");
        _expectWrongStatus(IGreenBond.Status.Subscription, IGreenBond.Status.Failed);
        bond.abandon();
    }

    function _otherIsin() private view returns (IGreenBond.Terms memory t) {
        t = _terms();
        t.isin = bytes32("XS0000OTHER1");
    }

    // ---------------------------------------------------------------- transfers

    function test_transfers_are_locked_until_issue_and_checked_for_both_sides() public {
        _subscribe(bond, investor, 100);
        _expectError(abi.encodeWithSelector(IGreenBond.TransfersLocked.selector));
        vm.prank(investor);
        bond.transfer(investor2, 1);

        vm.warp(bond.terms().issueDate);
        vm.prank(issuer);
        bond.settle();
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, outsider, IParticipantRegistry.Reason.NotRegistered)
        );
        vm.prank(investor);
        bond.transfer(outsider, 1);
        _freeze(investor);
        _expectFrozen(investor);
        vm.prank(investor);
        bond.transfer(investor2, 1);
        vm.prank(regulator);
        registry.unfreeze(investor);
        _pause();
        _expectPaused();
        vm.prank(investor);
        bond.transfer(investor2, 1);
        vm.prank(regulator);
        registry.unpause();

        vm.prank(investor);
        bond.transfer(investor2, 30);
        vm.assertEq(bond.balanceOf(investor2), 30, "moved once issued");
    }

    // ---------------------------------------------------------------- use of proceeds

    function test_allocate_refusals() public {
        bond = _settled(bond, 100, 0);
        uint64 maturity = bond.terms().maturityDate;
        uint64 deadline = maturity;
        _expectError(abi.encodeWithSelector(IGreenBond.NotIssuer.selector, investor));
        vm.prank(investor);
        bond.allocate(1, 1e6, 0, deadline);
        vm.startPrank(issuer);
        _expectError(abi.encodeWithSelector(IGreenBond.ZeroAmount.selector));
        bond.allocate(1, 0, 0, deadline);
        _expectError(abi.encodeWithSelector(IGreenBond.ProjectNotActive.selector, 3));
        bond.allocate(3, 1e6, 0, deadline);
        _expectError(abi.encodeWithSelector(IGreenBond.InvalidDeadline.selector, uint64(block.timestamp), maturity));
        bond.allocate(1, 1e6, 0, uint64(block.timestamp));
        _expectError(abi.encodeWithSelector(IGreenBond.InvalidDeadline.selector, maturity + 1, maturity));
        bond.allocate(1, 1e6, 0, maturity + 1);
        _expectError(abi.encodeWithSelector(IGreenBond.ExceedsUnallocated.selector, 100 * DENOMINATION + 1, 100 * DENOMINATION));
        bond.allocate(1, 100 * DENOMINATION + 1, 0, deadline);
        vm.stopPrank();
        vm.assertEq(bond.milestoneCount(), 0, "nothing allocated");
    }

    function test_allocate_refuses_before_issue_and_a_ninth_project() public {
        uint64 maturity = bond.terms().maturityDate;
        vm.prank(issuer);
        _expectWrongStatus(IGreenBond.Status.Issued, IGreenBond.Status.Subscription);
        bond.allocate(1, 1e6, 0, maturity);

        bond = _settled(bond, 100, 0);
        uint64 deadline = bond.terms().maturityDate;
        for (uint256 id = 1; id <= 9; ++id) {
            projects.setProject(id, developer, IProjectRegistry.ProjectStatus.Active);
        }
        vm.startPrank(issuer);
        for (uint256 id = 1; id <= 8; ++id) {
            bond.allocate(id, 1e6, 0, deadline);
        }
        bond.allocate(8, 1e6, 0, deadline); // a project already financed takes no new slot
        _expectError(abi.encodeWithSelector(IGreenBond.TooManyProjects.selector, 8));
        bond.allocate(9, 1e6, 0, deadline);
        vm.stopPrank();
        vm.assertEq(bond.financedProjects().length, 8, "eight projects");
        vm.assertEq(bond.milestoneCount(), 9, "nine milestones");
    }

    function test_an_attested_milestone_releases_to_the_developer_who_withdraws() public {
        bond = _settled(bond, 100, 0);
        uint64 deadline = uint64(block.timestamp + 30 days);
        vm.expectEmit(address(bond));
        emit IGreenBond.ProceedsAllocated(0, 1, 10 * DENOMINATION, 0);
        vm.prank(issuer);
        vm.assertEq(bond.allocate(1, 10 * DENOMINATION, 0, deadline), 0, "milestone id");
        vm.assertEq(bond.unallocated(), 90 * DENOMINATION, "unallocated");
        vm.assertEq(attribution.claimOf(address(bond), 1), 10 * DENOMINATION, "the series claims the project");
        vm.assertEq(bond.milestone(0).deadline, deadline, "deadline");

        _expectError(abi.encodeWithSelector(IGreenBond.MilestoneConditionNotMet.selector, 0));
        bond.releaseMilestone(0);
        _expectError(abi.encodeWithSelector(IGreenBond.UnknownMilestone.selector, 1));
        bond.attestMilestone(1, keccak256("e"));
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, investor, IParticipantRegistry.Reason.WrongKind)
        );
        vm.prank(investor);
        bond.attestMilestone(0, keccak256("e"));
        vm.expectEmit(address(bond));
        emit IGreenBond.MilestoneAttested(0, verifier, keccak256("e"));
        vm.prank(verifier);
        bond.attestMilestone(0, keccak256("e"));
        vm.assertTrue(bond.milestone(0).attested, "attested");

        _pause();
        _expectPaused();
        bond.releaseMilestone(0);
        vm.prank(regulator);
        registry.unpause();
        vm.expectEmit(address(bond));
        emit IGreenBond.ProceedsReleased(0, 1, developer, 10 * DENOMINATION);
        bond.releaseMilestone(0);
        vm.assertEq(bond.withdrawable(developer), 10 * DENOMINATION, "withdrawable");
        vm.assertEq(bond.ledger().released, 10 * DENOMINATION, "ledger released");
        _expectError(abi.encodeWithSelector(IGreenBond.MilestoneClosed.selector, 0));
        bond.releaseMilestone(0);

        _expectError(abi.encodeWithSelector(IGreenBond.NothingToWithdraw.selector, investor));
        vm.prank(investor);
        bond.withdrawProceeds();
        _freeze(developer);
        _expectFrozen(developer);
        vm.prank(developer);
        bond.withdrawProceeds();
        vm.prank(regulator);
        registry.unfreeze(developer);
        vm.expectEmit(address(bond));
        emit IGreenBond.ProceedsWithdrawn(developer, 10 * DENOMINATION);
        vm.prank(developer);
        bond.withdrawProceeds();
        vm.assertEq(token.balanceOf(developer), 10 * DENOMINATION, "paid out");
        vm.assertEq(bond.withdrawable(developer), 0, "nothing left");
    }

    function test_a_generation_milestone_releases_on_output_verified_after_allocation() public {
        reports.setTotals(1, 7_000, 0); // output before the allocation never counts
        bond = _settled(bond, 100, 0);
        _allocate(bond, 1, 10 * DENOMINATION, 500);
        vm.assertEq(bond.milestone(0).baselineWh, 0, "baseline: nothing attributed yet");
        _expectError(abi.encodeWithSelector(IGreenBond.NotAnAttestationMilestone.selector, 0));
        vm.prank(verifier);
        bond.attestMilestone(0, keccak256("e"));

        reports.setTotals(1, 7_499, 0);
        _expectError(abi.encodeWithSelector(IGreenBond.MilestoneConditionNotMet.selector, 0));
        bond.releaseMilestone(0);
        reports.setTotals(1, 7_500, 0);
        bond.releaseMilestone(0);
        vm.assertTrue(bond.milestone(0).released, "released at the threshold");

        // A second milestone on the same project starts from what is attributed now.
        _allocate(bond, 1, 10 * DENOMINATION, 100);
        vm.assertEq(bond.milestone(1).baselineWh, 500, "baseline");
    }

    function test_a_milestone_past_its_deadline_expires_back_to_the_pool() public {
        bond = _settled(bond, 100, 0);
        uint64 deadline = uint64(block.timestamp + 30 days);
        vm.prank(issuer);
        bond.allocate(1, 10 * DENOMINATION, 0, deadline);
        vm.prank(verifier);
        bond.attestMilestone(0, keccak256("e"));
        _expectError(abi.encodeWithSelector(IGreenBond.DeadlineNotReached.selector, 0, deadline));
        bond.expireMilestone(0);
        vm.warp(deadline);
        _expectError(abi.encodeWithSelector(IGreenBond.DeadlinePassed.selector, 0, deadline));
        bond.releaseMilestone(0);
        vm.expectEmit(address(bond));
        emit IGreenBond.MilestoneExpired(0, 1, 10 * DENOMINATION);
        vm.prank(outsider);
        bond.expireMilestone(0);
        vm.assertEq(bond.unallocated(), 100 * DENOMINATION, "back in the pool");
        vm.assertEq(attribution.claimOf(address(bond), 1), 0, "claim released");
        vm.assertTrue(bond.milestone(0).expired, "expired");
    }

    function test_reallocate_needs_an_inactive_project() public {
        bond = _settled(bond, 100, 0);
        _allocate(bond, 1, 10 * DENOMINATION, 0);
        _expectError(abi.encodeWithSelector(IGreenBond.NotIssuer.selector, investor));
        vm.prank(investor);
        bond.reallocate(0, keccak256("why"));
        _expectError(abi.encodeWithSelector(IGreenBond.ProjectStillActive.selector, 1));
        vm.prank(issuer);
        bond.reallocate(0, keccak256("why"));

        projects.setStatus(1, IProjectRegistry.ProjectStatus.Suspended);
        vm.expectEmit(address(bond));
        emit IGreenBond.ProceedsReallocated(0, 1, 10 * DENOMINATION, keccak256("why"));
        vm.prank(issuer);
        bond.reallocate(0, keccak256("why"));
        vm.assertEq(bond.unallocated(), 100 * DENOMINATION, "back in the pool");
        vm.assertEq(bond.ledger().allocatedNet, 0, "net allocation");
        vm.assertTrue(bond.milestone(0).reallocated, "reallocated");
        _expectError(abi.encodeWithSelector(IGreenBond.MilestoneClosed.selector, 0));
        vm.prank(verifier);
        bond.attestMilestone(0, keccak256("e"));
    }

    function test_milestone_views_refuse_unknown_ids_and_steps_need_the_issued_status() public {
        _expectError(abi.encodeWithSelector(IGreenBond.UnknownMilestone.selector, 0));
        bond.milestone(0);
        _expectWrongStatus(IGreenBond.Status.Issued, IGreenBond.Status.Subscription);
        bond.releaseMilestone(0);
        vm.prank(issuer);
        _expectWrongStatus(IGreenBond.Status.Issued, IGreenBond.Status.Subscription);
        bond.reallocate(0, 0);
        _expectWrongStatus(IGreenBond.Status.Issued, IGreenBond.Status.Subscription);
        bond.expireMilestone(0);
    }

    // ---------------------------------------------------------------- coupons

    function test_fundCoupon_refusals() public {
        vm.prank(issuer);
        _expectWrongStatus(IGreenBond.Status.Issued, IGreenBond.Status.Subscription);
        bond.fundCoupon(1);
        bond = _settled(bond, 100, 50);
        _expectError(abi.encodeWithSelector(IGreenBond.NotIssuer.selector, investor));
        vm.prank(investor);
        bond.fundCoupon(1);
        vm.startPrank(issuer);
        _expectError(abi.encodeWithSelector(IGreenBond.UnknownPeriod.selector, 0));
        bond.fundCoupon(0);
        _expectError(abi.encodeWithSelector(IGreenBond.UnknownPeriod.selector, 5));
        bond.fundCoupon(5);
        _expectError(abi.encodeWithSelector(IGreenBond.PeriodOutOfOrder.selector, 2, 1));
        bond.fundCoupon(2);
        vm.stopPrank();
        _freeze(issuer);
        _expectFrozen(issuer);
        vm.prank(issuer);
        bond.fundCoupon(1);
        vm.assertEq(bond.nextPeriod(), 1, "nothing funded");
    }

    function test_a_funded_coupon_pays_each_holder_its_record_date_balance() public {
        bond = _settled(bond, 100, 50);
        uint256 perBond = bond.couponPerBond(1);
        // Actual/365: 91 whole days of 5 % on 1,000 units
        vm.assertEq(perBond, DENOMINATION * 500 * 91 / 3_650_000, "Actual/365 coupon");
        vm.assertEq(bond.couponRate(1), 500, "base rate");
        vm.expectEmit(address(bond));
        emit IGreenBond.CouponFunded(1, 500, perBond, perBond * 150);
        vm.prank(issuer);
        bond.fundCoupon(1);
        vm.assertEq(bond.ledger().couponsDeposited, perBond * 150, "deposited");
        vm.assertEq(bond.claimableCoupons(investor), 0, "the record date has not begun");

        vm.warp(bond.recordDate(1));
        vm.assertEq(bond.claimableCoupons(investor), perBond * 100, "investor");
        vm.assertEq(bond.claimableCoupons(investor2), perBond * 50, "investor2");
        _freeze(investor);
        _expectFrozen(investor);
        vm.prank(investor);
        bond.claimCoupons();
        vm.prank(regulator);
        registry.unfreeze(investor);
        uint256 before = token.balanceOf(investor);
        vm.expectEmit(address(bond));
        emit IGreenBond.CouponClaimed(investor, perBond * 100);
        vm.prank(investor);
        vm.assertEq(bond.claimCoupons(), perBond * 100, "claimed");
        vm.assertEq(token.balanceOf(investor) - before, perBond * 100, "paid");
        _expectError(abi.encodeWithSelector(IGreenBond.NothingToClaim.selector, investor));
        vm.prank(investor);
        bond.claimCoupons();
    }

    function test_record_dates_passed_before_funding_pay_the_balance_then_held() public {
        bond = _settled(bond, 100, 50);
        uint256 c1 = bond.couponPerBond(1);
        uint256 c2 = bond.couponPerBond(2);
        uint256 c3 = bond.couponPerBond(3);
        // Two record dates pass unfunded; then the investor sells 40 bonds.
        vm.warp(bond.recordDate(2));
        vm.prank(investor);
        bond.transfer(investor2, 40);
        vm.assertEq(bond.claimableCoupons(investor), 0, "nothing funded yet");
        vm.startPrank(issuer);
        bond.fundCoupon(1);
        vm.stopPrank();
        vm.assertEq(bond.claimableCoupons(investor), 100 * c1, "period 1 at 100 bonds");
        vm.prank(investor);
        bond.claimCoupons(); // credits period 1 of the (0, 2] segment, keeps period 2 open
        vm.prank(issuer);
        bond.fundCoupon(2);
        vm.assertEq(bond.claimableCoupons(investor), 100 * c2, "period 2 still at 100 bonds");
        vm.assertEq(bond.claimableCoupons(investor2), 50 * (c1 + c2), "investor2 held 50 at both dates");

        // Period 3 funded first, then its record date passes, then a transfer: credited on the transfer.
        vm.prank(issuer);
        bond.fundCoupon(3);
        vm.warp(bond.recordDate(3));
        vm.prank(investor);
        bond.transfer(investor2, 10);
        vm.assertEq(bond.claimableCoupons(investor), 100 * c2 + 60 * c3, "period 3 at 60 bonds");
        vm.assertEq(bond.claimableCoupons(investor2), 50 * (c1 + c2) + 90 * c3, "period 3 at 90 bonds");
        vm.prank(investor);
        vm.assertEq(bond.claimCoupons(), 100 * c2 + 60 * c3, "claimed the rest");
    }

    function test_thirty_360_pays_360_over_f_days() public {
        IGreenBond.Terms memory t = _otherIsin();
        t.dayCount = IGreenBond.DayCount.Thirty360;
        GreenBond b = _series(t);
        vm.assertEq(b.couponPerBond(1), 12_500_000, "90 days of 5 % on 1,000 units");
        vm.assertEq(b.couponPerBond(4), 12_500_000, "every period the same");
    }

    function test_declareDefault_marks_an_unfunded_period_past_its_date() public {
        _expectWrongStatus(IGreenBond.Status.Issued, IGreenBond.Status.Subscription);
        bond.declareDefault(1);
        bond = _settled(bond, 100, 50);
        _expectError(abi.encodeWithSelector(IGreenBond.UnknownPeriod.selector, 0));
        bond.declareDefault(0);
        _expectError(abi.encodeWithSelector(IGreenBond.UnknownPeriod.selector, 5));
        bond.declareDefault(5);
        _expectError(abi.encodeWithSelector(IGreenBond.PaymentDateNotReached.selector, 1, bond.paymentDate(1)));
        bond.declareDefault(1);
        vm.prank(issuer);
        bond.fundCoupon(1);
        vm.warp(bond.paymentDate(2));
        _expectError(abi.encodeWithSelector(IGreenBond.PeriodFunded.selector, 1));
        bond.declareDefault(1);
        vm.expectEmit(address(bond));
        emit IGreenBond.CouponDefaultDeclared(2, bond.paymentDate(2), bond.couponPerBond(2) * 150);
        vm.prank(outsider);
        bond.declareDefault(2);
        vm.assertTrue(bond.isDefaulted(2), "defaulted");
        vm.assertFalse(bond.isDefaulted(1), "funded period not defaulted");
        _expectError(abi.encodeWithSelector(IGreenBond.DefaultAlreadyDeclared.selector, 2));
        bond.declareDefault(2);
    }

    // ---------------------------------------------------------------- KPI step-up

    function _kpiTerms() private view returns (IGreenBond.Terms memory t) {
        t = _otherIsin();
        t.kpiTargetGramsPerPeriod = 1_000;
        t.kpiStepBps = 25;
    }

    function test_observeKpi_refusals() public {
        _expectError(abi.encodeWithSelector(IGreenBond.KpiNotLinked.selector));
        bond.observeKpi(1);
        GreenBond kpi = _series(_kpiTerms());
        _expectWrongStatus(IGreenBond.Status.Issued, IGreenBond.Status.Subscription);
        kpi.observeKpi(1);
        kpi = _settled(kpi, 100, 0);
        _expectError(abi.encodeWithSelector(IGreenBond.UnknownObservation.selector, 0));
        kpi.observeKpi(0);
        _expectError(abi.encodeWithSelector(IGreenBond.UnknownObservation.selector, 4));
        kpi.observeKpi(4);
        _expectError(abi.encodeWithSelector(IGreenBond.PaymentDateNotReached.selector, 1, kpi.paymentDate(1)));
        kpi.observeKpi(1);
        vm.warp(kpi.paymentDate(2));
        _expectError(abi.encodeWithSelector(IGreenBond.ObservationOutOfOrder.selector, 2, 1));
        kpi.observeKpi(2);
        vm.startPrank(issuer);
        kpi.fundCoupon(1);
        _expectError(abi.encodeWithSelector(IGreenBond.KpiNotObserved.selector, 1));
        kpi.fundCoupon(2);
        vm.stopPrank();
    }

    function test_a_missing_kpi_steps_the_coupon_up_once() public {
        GreenBond kpi = _issued(_kpiTerms(), 100, 0);
        vm.warp(kpi.paymentDate(1));
        vm.expectEmit(address(kpi));
        emit IGreenBond.KpiObserved(1, IGreenBond.KpiOutcome.Missing, 0, 1_000, 1);
        kpi.observeKpi(1); // no financed project: Missing
        kpi.observeKpi(1); // idempotent
        vm.assertEq(kpi.stepCount(), 1, "one step");
        vm.assertEq(uint256(kpi.kpiObservation(1).outcome), uint256(IGreenBond.KpiOutcome.Missing), "missing");
        vm.assertEq(kpi.couponRate(1), 500, "period 1 at the base rate");
        vm.assertEq(kpi.couponRate(2), 525, "period 2 stepped up");
    }

    function test_kpi_outcomes_follow_the_reductions_attributed_to_the_series() public {
        GreenBond kpi = _issued(_kpiTerms(), 100, 0);
        _allocate(kpi, 1, 10 * DENOMINATION, 0);
        reports.setTotals(1, 0, 2_500);
        vm.warp(kpi.paymentDate(1));
        kpi.observeKpi(1);
        vm.assertEq(uint256(kpi.kpiObservation(1).outcome), uint256(IGreenBond.KpiOutcome.Met), "2,500 g >= 1,000 g");
        vm.assertEq(kpi.kpiObservation(1).kpiGrams, 2_500, "kpi");
        vm.warp(kpi.paymentDate(2));
        kpi.observeKpi(2);
        vm.assertEq(uint256(kpi.kpiObservation(2).outcome), uint256(IGreenBond.KpiOutcome.Stale), "nothing new");
        reports.setTotals(1, 0, 2_800);
        vm.warp(kpi.paymentDate(3));
        kpi.observeKpi(3);
        vm.assertEq(uint256(kpi.kpiObservation(3).outcome), uint256(IGreenBond.KpiOutcome.Missed), "2,800 g < 3,000 g");
        vm.assertEq(kpi.stepCount(), 2, "stale and missed each step up");
        vm.assertEq(kpi.couponRate(4), 550, "two steps");
    }

    function test_kpi_is_missing_when_the_reports_fail_or_show_nothing() public {
        GreenBond kpi = _issued(_kpiTerms(), 100, 0);
        _allocate(kpi, 1, 10 * DENOMINATION, 0);
        vm.warp(kpi.paymentDate(1));
        kpi.observeKpi(1); // financed, nothing verified
        vm.assertEq(uint256(kpi.kpiObservation(1).outcome), uint256(IGreenBond.KpiOutcome.Missing), "zero grams");
        reports.setBroken(1, true);
        vm.warp(kpi.paymentDate(2));
        kpi.observeKpi(2);
        vm.assertEq(uint256(kpi.kpiObservation(2).outcome), uint256(IGreenBond.KpiOutcome.Missing), "unreadable");
    }

    // ---------------------------------------------------------------- redemption

    function test_maturity_nets_unreleased_proceeds_and_redeems_at_par() public {
        bond = _settled(bond, 100, 50);
        _expectError(abi.encodeWithSelector(IGreenBond.NotIssuer.selector, investor));
        vm.prank(investor);
        bond.depositPrincipal();
        vm.startPrank(issuer);
        _expectError(abi.encodeWithSelector(IGreenBond.CouponsOutstanding.selector, 1));
        bond.depositPrincipal();
        for (uint256 p = 1; p <= 4; ++p) {
            bond.fundCoupon(p);
        }
        uint256 before = token.balanceOf(issuer);
        vm.expectEmit(address(bond));
        emit IGreenBond.ProceedsNetted(150 * DENOMINATION);
        vm.expectEmit(address(bond));
        emit IGreenBond.PrincipalDeposited(DENOMINATION, 0, false);
        bond.depositPrincipal();
        vm.stopPrank();
        vm.assertEq(before, token.balanceOf(issuer), "nothing released, nothing to deposit");
        vm.assertEq(bond.redemptionPrice(), DENOMINATION, "par");
        vm.assertEq(uint256(bond.status()), uint256(IGreenBond.Status.Redeemable), "redeemable");
        vm.assertEq(bond.unallocated(), 0, "no proceeds to allocate");

        uint64 maturity = bond.terms().maturityDate;
        _expectError(abi.encodeWithSelector(IGreenBond.RedemptionNotOpen.selector, maturity));
        vm.prank(investor);
        bond.redeem(1);
        vm.warp(maturity);
        _expectError(abi.encodeWithSelector(IGreenBond.ZeroAmount.selector));
        vm.prank(investor);
        bond.redeem(0);
        _freeze(investor2);
        _expectFrozen(investor2);
        vm.prank(investor2);
        bond.redeem(1);
        vm.prank(regulator);
        registry.unfreeze(investor2);

        vm.prank(investor);
        bond.transfer(investor2, 10); // after the last record date: coupons stay with the seller
        uint256 c = bond.couponPerBond(1) + bond.couponPerBond(2) + bond.couponPerBond(3) + bond.couponPerBond(4);
        vm.assertEq(bond.claimableCoupons(investor), 100 * c, "every coupon on 100 bonds");
        uint256 held = token.balanceOf(investor);
        vm.expectEmit(address(bond));
        emit IGreenBond.Redeemed(investor, 90, 90 * DENOMINATION);
        vm.prank(investor);
        bond.redeem(90);
        vm.assertEq(token.balanceOf(investor) - held, 90 * DENOMINATION, "par paid");
        vm.assertEq(bond.ledger().redeemed, 90 * DENOMINATION, "ledger");
        vm.prank(investor);
        bond.claimCoupons();
        vm.assertEq(token.balanceOf(investor) - held, 90 * DENOMINATION + 100 * c, "coupons after redemption");

        vm.warp(maturity + 365 days); // long after the last record date: no period beyond the last
        vm.prank(investor2);
        bond.transfer(investor, 5);
        vm.assertEq(bond.claimableCoupons(investor2), 50 * c, "investor2's four coupons, no more");
        vm.assertEq(bond.claimableCoupons(investor), 0, "investor claimed everything");

        vm.prank(issuer);
        _expectWrongStatus(IGreenBond.Status.Issued, IGreenBond.Status.Redeemable);
        bond.depositPrincipal();
    }

    function test_a_call_pays_the_call_price_less_the_unreleased_proceeds() public {
        bond = _settled(bond, 100, 50);
        IGreenBond.Terms memory t = bond.terms();
        vm.startPrank(issuer);
        bond.allocate(1, 10 * DENOMINATION, 0, t.maturityDate);
        bond.allocate(2, 5 * DENOMINATION, 0, uint64(block.timestamp + 10 days));
        _expectError(abi.encodeWithSelector(IGreenBond.CallWindowClosed.selector, t.callDate, t.maturityDate));
        bond.callBonds();
        vm.stopPrank();
        vm.prank(verifier);
        bond.attestMilestone(0, keccak256("e"));
        bond.releaseMilestone(0);
        vm.warp(block.timestamp + 10 days);
        bond.expireMilestone(1); // project 2's claim drops to zero

        vm.warp(t.callDate);
        vm.startPrank(issuer);
        _expectError(abi.encodeWithSelector(IGreenBond.CouponsOutstanding.selector, 1));
        bond.callBonds();
        bond.fundCoupon(1);
        uint256 netted = 150 * DENOMINATION - 10 * DENOMINATION;
        uint256 due = t.callPrice * 150 - netted;
        uint256 before = token.balanceOf(issuer);
        vm.expectEmit(address(bond));
        emit IGreenBond.PrincipalDeposited(t.callPrice, due, true);
        bond.callBonds();
        vm.stopPrank();
        vm.assertEq(before - token.balanceOf(issuer), due, "the issuer deposits the rest");
        vm.assertEq(bond.ledger().proceedsNetted, netted, "netted");
        vm.assertEq(attribution.claimOf(address(bond), 1), 0, "claims end with the series");

        uint256 held = token.balanceOf(investor);
        vm.prank(investor);
        bond.redeem(100); // a called series redeems at once
        vm.assertEq(token.balanceOf(investor) - held, 100 * t.callPrice, "call price");
    }

    function test_a_coupon_funded_ahead_of_a_call_goes_to_the_holders_at_the_call() public {
        bond = _settled(bond, 100, 50);
        vm.warp(bond.terms().callDate);
        vm.startPrank(issuer);
        for (uint256 p = 1; p <= 3; ++p) {
            bond.fundCoupon(p); // period 3's record date is three months away
        }
        uint256 c12 = bond.couponPerBond(1) + bond.couponPerBond(2);
        vm.assertEq(bond.claimableCoupons(investor), 100 * c12, "periods 1 and 2 recorded");
        bond.callBonds();
        vm.stopPrank();
        uint256 c123 = c12 + bond.couponPerBond(3);
        vm.assertEq(bond.claimableCoupons(investor), 100 * c123, "period 3 recorded at the call");
        vm.prank(investor);
        bond.redeem(100);
        vm.prank(investor);
        vm.assertEq(bond.claimCoupons(), 100 * c123, "redeeming first keeps the coupon");
    }

    function test_callBonds_refusals() public {
        IGreenBond.Terms memory t = _terms();
        vm.prank(issuer);
        _expectWrongStatus(IGreenBond.Status.Issued, IGreenBond.Status.Subscription);
        bond.callBonds();
        _subscribe(bond, investor, 100);

        IGreenBond.Terms memory plainTerms = _otherIsin();
        plainTerms.callDate = 0;
        plainTerms.callPrice = 0;
        GreenBond plain = _issued(plainTerms, 100, 0);
        vm.startPrank(issuer);
        _expectError(abi.encodeWithSelector(IGreenBond.NotCallable.selector));
        plain.callBonds();
        bond.settle();
        vm.stopPrank();
        _expectError(abi.encodeWithSelector(IGreenBond.NotIssuer.selector, investor));
        vm.prank(investor);
        bond.callBonds();

        vm.warp(t.maturityDate);
        vm.prank(issuer);
        _expectError(abi.encodeWithSelector(IGreenBond.CallWindowClosed.selector, t.callDate, t.maturityDate));
        bond.callBonds();
        _expectWrongStatus(IGreenBond.Status.Redeemable, IGreenBond.Status.Issued);
        bond.redeem(1);
    }

    // ---------------------------------------------------------------- impact

    function test_impactOf_shares_the_series_output_pro_rata() public {
        (uint256 wh, uint256 grams) = bond.impactOf(investor);
        vm.assertEq(wh + grams, 0, "no supply, no impact");
        bond = _settled(bond, 100, 50);
        _allocate(bond, 1, 10 * DENOMINATION, 0);
        reports.setTotals(1, 1_500, 300);
        (wh, grams) = bond.impactOf(investor);
        vm.assertEq(wh, 1_000, "100 of 150 bonds");
        vm.assertEq(grams, 200, "100 of 150 bonds");
        (wh, grams) = bond.impactOf(outsider);
        vm.assertEq(wh + grams, 0, "no bonds, no impact");
    }

    /// @dev The issuer allocates to a milestone due by maturity.
    function _allocate(GreenBond b, uint256 projectId, uint256 amount, uint256 thresholdWh) private {
        uint64 maturity = b.terms().maturityDate;
        vm.prank(issuer);
        b.allocate(projectId, amount, thresholdWh, maturity);
    }
}
