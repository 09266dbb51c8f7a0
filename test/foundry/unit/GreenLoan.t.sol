// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {vm} from "../lib/Vm.sol";
import {LoanWorld} from "../lib/LoanWorld.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {GreenLoan} from "../../../contracts/loan/GreenLoan.sol";
import {GreenLoanFactory} from "../../../contracts/loan/GreenLoanFactory.sol";
import {ReentrantTokenForBonds} from "../../../contracts/mocks/ReentrantTokenForBonds.sol";
import {IGreenLoan} from "../../../contracts/interfaces/IGreenLoan.sol";
import {IImpactAttribution} from "../../../contracts/interfaces/IImpactAttribution.sol";
import {IRiskOracleLedger} from "../../../contracts/interfaces/IRiskOracleLedger.sol";
import {IProjectRegistry} from "../../../contracts/interfaces/IProjectRegistry.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";

/// @title GreenLoanTest
/// @notice Every rule of a loan facility in docs/loans.md, through its external behaviour only (views, events,
/// balances; never storage): each refusal of the entry-point table with its exact error and arguments (and the
/// state unchanged after it), each event, the schedule (amortising and bullet), the Actual/365F interest and the
/// late interest to the base unit, the waterfall and prepayment, the score check on every path that prices or
/// draws, repricing, the KPI ratchet and the DSCR covenants, and the lender's remedies.
contract GreenLoanTest is LoanWorld {
    IGreenLoan.State private constant PROPOSED = IGreenLoan.State.Proposed;
    IGreenLoan.State private constant APPROVED = IGreenLoan.State.Approved;
    IGreenLoan.State private constant ACTIVE = IGreenLoan.State.Active;
    IGreenLoan.State private constant REPAID = IGreenLoan.State.Repaid;
    IGreenLoan.State private constant IMPAIRED = IGreenLoan.State.Impaired;
    IGreenLoan.State private constant DEFAULTED = IGreenLoan.State.Defaulted;
    IGreenLoan.State private constant WRITTEN_OFF = IGreenLoan.State.WrittenOff;
    IGreenLoan.State private constant CANCELLED = IGreenLoan.State.Cancelled;
    uint256 private constant DRAWN = 600_000e6;
    uint16 private constant RATE = 500; // base 300 + the first bucket's 200

    // ---------------------------------------------------------------- initialize

    /// Rule: a facility is initialized once with its terms and parties (LoanInitialized), starts Proposed with
    /// nothing funded, and its proposal opens an empty attribution position (no claim).
    function test_initialize_records_the_terms_once_and_opens_an_empty_position() public {
        IGreenLoan.Terms memory t = _terms();
        GreenLoan loan = GreenLoan(Clones.clone(address(implementation)));
        attribution.grantRole(attribution.REGISTRAR_ROLE(), admin);
        attribution.registerInstrument(address(loan));
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanInitialized(borrower, lender, 1, t);
        loan.initialize(t, borrower, lender);

        _assertState(loan, PROPOSED, "proposed");
        vm.assertEq(loan.borrower(), borrower, "borrower");
        vm.assertEq(loan.lender(), lender, "lender");
        vm.assertEq(loan.terms().commitment, COMMITMENT, "terms");
        vm.assertEq(loan.nextObservation(), 1, "first observation next");
        vm.assertEq(loan.lastObservation().period, 0, "no observation yet");
        vm.assertEq(loan.undrawn(), 0, "nothing funded, nothing undrawn");
        vm.assertEq(loan.unlocked(), COMMITMENT, "no tranche waits for output");
        vm.assertEq(loan.ledger().funded, 0, "not funded");
        vm.assertEq(loan.debt().total, 0, "nothing owed");
        vm.assertEq(uint256(loan.pricing().rateBps), 0, "not priced");
        vm.assertTrue(attribution.isOpen(address(loan), 1), "position opened");
        vm.assertEq(attribution.claimOf(address(loan), 1), 0, "but nothing claimed");

        _expectError(abi.encodeWithSelector(IGreenLoan.LoanAlreadyInitialized.selector));
        loan.initialize(t, borrower, lender);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanAlreadyInitialized.selector));
        implementation.initialize(t, borrower, lender);
    }

    /// Rule: the views of the buckets and the schedule: the credit margin of PD p is the first bucket with
    /// p ≤ its limit (LoanScoreAboveLimit past the last), period i ends at start + i × periodLength, and a period
    /// outside 1..periods is unknown; a stranger has nothing to withdraw.
    function test_bucket_and_period_views() public {
        GreenLoan loan = _proposed(_terms());
        vm.assertEq(uint256(loan.marginForScore(0)), 200, "bucket 1");
        vm.assertEq(uint256(loan.marginForScore(300)), 200, "a limit is inside its bucket");
        vm.assertEq(uint256(loan.marginForScore(301)), 350, "bucket 2");
        vm.assertEq(uint256(loan.marginForScore(1500)), 500, "bucket 3");
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanScoreAboveLimit.selector, 1501, 1500));
        loan.marginForScore(1501);
        vm.assertEq(uint256(loan.periodEnd(1)), NOW + PERIOD, "period 1");
        vm.assertEq(uint256(loan.periodEnd(12)), NOW + 12 * uint256(PERIOD), "maturity");
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanUnknownPeriod.selector, 0));
        loan.periodEnd(0);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanUnknownPeriod.selector, 13));
        loan.periodEnd(13);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanUnknownPeriod.selector, 0));
        loan.scheduledPrincipal(0);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanUnknownPeriod.selector, 13));
        loan.scheduledPrincipal(13);
        vm.assertEq(loan.withdrawable(stranger), 0, "a stranger has nothing");
    }

    // ---------------------------------------------------------------- approval

    /// Rule: only the lender, a Bank in good standing, approves a Proposed facility, under no pause, for a project
    /// still active and developed by the borrower, against the borrower's latest usable score (unexpired, not
    /// stale, of an approved model) whose PD falls in a bucket. Each refusal changes nothing.
    function test_approve_refusals_change_nothing() public {
        GreenLoan loan = _proposed(_terms());
        _expectUnauthorized(stranger, lender);
        vm.prank(stranger);
        loan.approve();

        _pause();
        _expectPaused();
        vm.prank(lender);
        loan.approve();
        vm.prank(regulator);
        registry.unpause();

        _freeze(lender);
        _expectFrozen(lender);
        vm.prank(lender);
        loan.approve();
        vm.prank(regulator);
        registry.unfreeze(lender);

        projects.setStatus(1, IProjectRegistry.ProjectStatus.Suspended);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanProjectNotEligible.selector, 1));
        vm.prank(lender);
        loan.approve();
        projects.setProject(1, stranger, IProjectRegistry.ProjectStatus.Active);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanProjectNotEligible.selector, 1));
        vm.prank(lender);
        loan.approve();
        projects.setProject(1, borrower, IProjectRegistry.ProjectStatus.Active);

        vm.warp(NOW + MAX_AGE + 1);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.ScoreStale.selector, borrower, NOW, MAX_AGE));
        vm.prank(lender);
        loan.approve();
        _score(1501);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanScoreAboveLimit.selector, 1501, 1500));
        vm.prank(lender);
        loan.approve();
        vm.warp(block.timestamp + 1);
        _score(250);
        vm.prank(auditor);
        models.suspend(modelVersion, keccak256("drift"));
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.ModelNotApproved.selector, modelVersion));
        vm.prank(lender);
        loan.approve();

        _assertState(loan, PROPOSED, "still proposed");
        vm.assertEq(token.balanceOf(address(loan)), 0, "nothing pulled");
        vm.assertEq(loan.ledger().funded, 0, "nothing funded");
        vm.assertEq(attribution.claimOf(address(loan), 1), 0, "nothing claimed");
    }

    /// Rule: approval prices the facility from the borrower's latest usable score (credit margin = its bucket,
    /// ratchet 0, rate = base + margin), records the AI decision (LoanApproved), escrows the commitment from the
    /// lender and raises the facility's claim on the project to the commitment. A second approval is refused.
    function test_approve_prices_funds_and_claims() public {
        GreenLoan loan = _proposed(_terms());
        uint256 before = token.balanceOf(lender);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanStateChanged(PROPOSED, APPROVED);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanApproved(modelVersion, 250, INPUT, WHY, NOW, 200, COMMITMENT);
        vm.prank(lender);
        loan.approve();

        _assertState(loan, APPROVED, "approved");
        IGreenLoan.Pricing memory p = loan.pricing();
        vm.assertEq(uint256(p.scoreBps), 250, "score");
        vm.assertEq(uint256(p.modelVersion), modelVersion, "model version");
        vm.assertEq(uint256(p.scoreTimestamp), NOW, "score time");
        vm.assertEq(uint256(p.repricedAt), NOW, "priced now");
        vm.assertEq(uint256(p.creditMarginBps), 200, "credit margin of bucket 1");
        vm.assertEq(uint256(int256(p.ratchetBps)), 0, "no ratchet");
        vm.assertEq(uint256(p.marginBps), 200, "margin");
        vm.assertEq(uint256(p.rateBps), RATE, "rate = base + margin");
        vm.assertEq(before - token.balanceOf(lender), COMMITMENT, "the lender paid the commitment");
        vm.assertEq(token.balanceOf(address(loan)), COMMITMENT, "escrowed");
        vm.assertEq(loan.ledger().funded, COMMITMENT, "funded");
        vm.assertEq(loan.undrawn(), COMMITMENT, "all undrawn");
        vm.assertEq(attribution.claimOf(address(loan), 1), COMMITMENT, "claim raised to the commitment");
        vm.assertEq(loan.debt().total, 0, "nothing owed before a drawdown");

        _expectWrongState(APPROVED);
        vm.prank(lender);
        loan.approve();
    }

    /// Rule: an approval after some period ends counts those periods as passed (no interest, nothing due); after
    /// the availability end no drawdown is possible (LoanAvailabilityEnded).
    function test_a_late_approval_passes_the_ended_periods_and_draws_nothing_after_availability() public {
        IGreenLoan.Terms memory t = _terms();
        GreenLoan loan = _proposed(t);
        vm.warp(NOW + 13 * uint256(PERIOD)); // past maturity
        _score(250);
        vm.prank(lender);
        loan.approve();
        vm.assertEq(loan.debt().overdue, 0, "nothing fell due");
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanAvailabilityEnded.selector, t.availabilityEnd));
        vm.prank(borrower);
        loan.draw(1);
        vm.assertEq(loan.ledger().drawn, 0, "nothing drawn");
    }

    /// Rule: a facility whose schedule starts later accrues from approval and owes nothing until its first
    /// period ends.
    function test_a_facility_starting_later_owes_nothing_before_its_first_period_ends() public {
        IGreenLoan.Terms memory t = _terms();
        t.startDate = NOW + 10 days;
        t.availabilityEnd = NOW + 40 days;
        GreenLoan loan = _active(t, DRAWN);
        vm.warp(NOW + 10 days + PERIOD - 1);
        IGreenLoan.Debt memory d = loan.debt();
        vm.assertEq(d.interest, _interest(DRAWN, RATE, 10 days + PERIOD - 1), "interest from the drawdown");
        vm.assertEq(d.overdue, 0, "nothing due before the first period end");
    }

    // ---------------------------------------------------------------- cancellation

    /// Rule: either party cancels a Proposed or Approved facility (nothing drawn); an approved one returns its
    /// commitment to the lender (withdrawable) and releases its claim; a stranger, or a later state, is refused.
    function test_cancel_by_either_party_before_any_drawdown() public {
        GreenLoan proposed = _proposed(_terms());
        _expectUnauthorized(stranger, borrower);
        vm.prank(stranger);
        proposed.cancel();
        vm.expectEmit(address(proposed));
        emit IGreenLoan.LoanStateChanged(PROPOSED, CANCELLED);
        vm.prank(lender);
        proposed.cancel();
        _assertState(proposed, CANCELLED, "cancelled by the lender");
        _expectWrongState(CANCELLED);
        vm.prank(borrower);
        proposed.cancel();

        GreenLoan approved = _approved(_terms());
        vm.expectEmit(address(approved));
        emit IGreenLoan.LoanStateChanged(APPROVED, CANCELLED);
        vm.expectEmit(address(approved));
        emit IGreenLoan.CommitmentCancelled(COMMITMENT, 0);
        vm.prank(borrower);
        approved.cancel();
        vm.assertEq(approved.undrawn(), 0, "nothing undrawn");
        vm.assertEq(approved.ledger().cancelled, COMMITMENT, "all cancelled");
        vm.assertEq(approved.withdrawable(lender), COMMITMENT, "the lender's again");
        vm.assertEq(attribution.claimOf(address(approved), 1), 0, "claim released");

        uint256 before = token.balanceOf(lender);
        vm.expectEmit(address(approved));
        emit IGreenLoan.LoanWithdrawn(lender, COMMITMENT);
        vm.prank(lender);
        approved.withdraw();
        vm.assertEq(token.balanceOf(lender) - before, COMMITMENT, "paid back");
        vm.assertEq(token.balanceOf(address(approved)), 0, "an ended facility holds nothing");

        GreenLoan active = _active(_terms(), 1e6);
        _expectWrongState(ACTIVE);
        vm.prank(lender);
        active.cancel();
    }

    /// Rule: the borrower alone cancels unused commitment, while Approved or Active, at most the undrawn amount
    /// and not zero; it goes back to the lender at once (CommitmentCancelled with what stays undrawn).
    function test_cancelCommitment_returns_unused_commitment_to_the_lender() public {
        GreenLoan proposed = _proposed(_terms());
        _expectWrongState(PROPOSED);
        vm.prank(borrower);
        proposed.cancelCommitment(1);

        GreenLoan loan = _active(_terms(), DRAWN);
        _expectUnauthorized(lender, borrower);
        vm.prank(lender);
        loan.cancelCommitment(1);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanZeroAmount.selector));
        vm.prank(borrower);
        loan.cancelCommitment(0);
        uint256 free = COMMITMENT - DRAWN;
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanExceedsCommitment.selector, free + 1, free));
        vm.prank(borrower);
        loan.cancelCommitment(free + 1);

        vm.expectEmit(address(loan));
        emit IGreenLoan.CommitmentCancelled(100_000e6, free - 100_000e6);
        vm.prank(borrower);
        loan.cancelCommitment(100_000e6);
        vm.assertEq(loan.undrawn(), free - 100_000e6, "undrawn");
        vm.assertEq(loan.ledger().cancelled, 100_000e6, "cancelled");
        vm.assertEq(loan.withdrawable(lender), 100_000e6, "the lender's");
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanExceedsCommitment.selector, free, free - 100_000e6));
        vm.prank(borrower);
        loan.draw(free);
    }

    // ---------------------------------------------------------------- drawdowns

    /// Rule: only the borrower draws, after approval, under no pause, a non-zero amount within the undrawn
    /// commitment, before the availability end, while not locked up, in good standing, for an eligible project and
    /// with a usable score inside the buckets. Each refusal changes nothing.
    function test_draw_refusals_change_nothing() public {
        IGreenLoan.Terms memory t = _terms();
        GreenLoan proposed = _proposed(t);
        _expectWrongState(PROPOSED);
        vm.prank(borrower);
        proposed.draw(1);

        GreenLoan loan = _approved(t);
        _expectUnauthorized(stranger, borrower);
        vm.prank(stranger);
        loan.draw(1);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanZeroAmount.selector));
        vm.prank(borrower);
        loan.draw(0);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanExceedsCommitment.selector, COMMITMENT + 1, COMMITMENT));
        vm.prank(borrower);
        loan.draw(COMMITMENT + 1);

        _pause();
        _expectPaused();
        vm.prank(borrower);
        loan.draw(1);
        vm.prank(regulator);
        registry.unpause();

        _freeze(borrower);
        _expectFrozen(borrower);
        vm.prank(borrower);
        loan.draw(1);
        vm.prank(regulator);
        registry.unfreeze(borrower);

        projects.setStatus(1, IProjectRegistry.ProjectStatus.Closed);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanProjectNotEligible.selector, 1));
        vm.prank(borrower);
        loan.draw(1);
        projects.setStatus(1, IProjectRegistry.ProjectStatus.Active);

        vm.warp(NOW + MAX_AGE + 1); // the score is stale
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.ScoreStale.selector, borrower, NOW, MAX_AGE));
        vm.prank(borrower);
        loan.draw(1);
        _score(1501);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanScoreAboveLimit.selector, 1501, 1500));
        vm.prank(borrower);
        loan.draw(1);
        vm.warp(block.timestamp + 1);
        _score(250);
        vm.prank(auditor);
        models.suspend(modelVersion, keccak256("drift"));
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.ModelNotApproved.selector, modelVersion));
        vm.prank(borrower);
        loan.draw(1);

        vm.warp(t.availabilityEnd);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanAvailabilityEnded.selector, t.availabilityEnd));
        vm.prank(borrower);
        loan.draw(1);

        _assertState(loan, APPROVED, "still approved");
        vm.assertEq(loan.ledger().drawn, 0, "nothing drawn");
        vm.assertEq(loan.undrawn(), COMMITMENT, "all undrawn");
        vm.assertEq(loan.debt().total, 0, "nothing owed");
    }

    /// Rule: the first drawdown makes the facility Active and the arrangement fee (commitment × feeBps / 10000,
    /// floored) owed; later drawdowns add principal only. What is drawn is the borrower's to withdraw.
    function test_draw_activates_owes_the_fee_once_and_credits_the_borrower() public {
        IGreenLoan.Terms memory t = _terms();
        t.arrangementFeeBps = 125;
        GreenLoan loan = _approved(t);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanStateChanged(APPROVED, ACTIVE);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanDrawn(DRAWN, DRAWN, 250, modelVersion);
        vm.prank(borrower);
        loan.draw(DRAWN);
        _assertState(loan, ACTIVE, "active");
        uint256 fee = COMMITMENT * 125 / 10_000;
        IGreenLoan.Debt memory d = loan.debt();
        vm.assertEq(d.principal, DRAWN, "principal");
        vm.assertEq(d.fees, fee, "the fee is owed from the first drawdown");
        vm.assertEq(d.total, DRAWN + fee, "no interest yet");
        vm.assertEq(loan.withdrawable(borrower), DRAWN, "the borrower's");
        vm.assertEq(loan.undrawn(), COMMITMENT - DRAWN, "undrawn");

        vm.warp(NOW + 1 days);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanDrawn(100_000e6, DRAWN + 100_000e6, 250, modelVersion);
        vm.prank(borrower);
        loan.draw(100_000e6);
        d = loan.debt();
        vm.assertEq(d.fees, fee, "the fee is owed once");
        vm.assertEq(d.principal, DRAWN + 100_000e6, "principal adds up");
        vm.assertEq(d.interest, _interest(DRAWN, RATE, 1 days), "interest on the first drawdown only");

        uint256 before = token.balanceOf(borrower);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanWithdrawn(borrower, DRAWN + 100_000e6);
        vm.prank(borrower);
        loan.withdraw();
        vm.assertEq(token.balanceOf(borrower) - before, DRAWN + 100_000e6, "paid out");
        vm.assertEq(loan.ledger().withdrawnByBorrower, DRAWN + 100_000e6, "ledger");
        vm.assertEq(loan.withdrawable(borrower), 0, "nothing left to withdraw");
    }

    /// Rule: tranche k is drawable once the output attributed to the facility since approval reaches its
    /// threshold (LoanExceedsUnlocked otherwise); `unlocked()` says how much.
    function test_tranches_unlock_with_attributed_output() public {
        IGreenLoan.Terms memory t = _terms();
        t.trancheAmounts = [uint256(600_000e6), 400_000e6, 0, 0];
        t.trancheThresholdsWh = [uint256(0), 100e6, 0, 0];
        GreenLoan loan = _approved(t);
        vm.assertEq(loan.unlocked(), 600_000e6, "the first tranche only");
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanExceedsUnlocked.selector, 600_000e6 + 1, 600_000e6));
        vm.prank(borrower);
        loan.draw(600_000e6 + 1);
        vm.prank(borrower);
        loan.draw(600_000e6);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanExceedsUnlocked.selector, 1, 0));
        vm.prank(borrower);
        loan.draw(1);

        reports.setTotals(1, 100e6, 0); // verified after approval: the facility's
        vm.assertEq(attribution.attributedWh(address(loan), 1), 100e6, "attributed to the facility");
        vm.assertEq(loan.unlocked(), COMMITMENT, "both tranches");
        vm.prank(borrower);
        loan.draw(400_000e6);
        vm.assertEq(loan.ledger().drawn, COMMITMENT, "all drawn");
    }

    // ---------------------------------------------------------------- repayment and the waterfall

    /// Rule: only the borrower repays, in good standing, under no pause, a non-zero amount no larger than
    /// `debt().total`, while Active, Impaired or Defaulted. Each refusal changes nothing.
    function test_repay_refusals_change_nothing() public {
        GreenLoan approved = _approved(_terms());
        _expectWrongState(APPROVED);
        vm.prank(borrower);
        approved.repay(1);

        GreenLoan loan = _active(_terms(), DRAWN);
        vm.warp(NOW + 5 days);
        _expectUnauthorized(stranger, borrower);
        vm.prank(stranger);
        loan.repay(1);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanZeroAmount.selector));
        vm.prank(borrower);
        loan.repay(0);
        uint256 owed = loan.debt().total;
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanRepaymentExceedsDebt.selector, owed + 1, owed));
        vm.prank(borrower);
        loan.repay(owed + 1);
        _pause();
        _expectPaused();
        vm.prank(borrower);
        loan.repay(1);
        vm.prank(regulator);
        registry.unpause();
        _freeze(borrower);
        _expectFrozen(borrower);
        vm.prank(borrower);
        loan.repay(1);

        vm.assertEq(loan.debt().total, owed, "owed unchanged");
        vm.assertEq(loan.ledger().received, 0, "nothing received");
        _assertState(loan, ACTIVE, "still active");
    }

    /// Rule: every repayment goes to fees, then interest, then principal (LoanRepayment says how much to each);
    /// what it pays becomes the lender's to withdraw; repaying exactly `debt().total` (or REPAY_ALL) ends the
    /// facility Repaid: the undrawn commitment goes back to the lender and the claim is released.
    function test_repayment_waterfall_fees_then_interest_then_principal_until_repaid() public {
        IGreenLoan.Terms memory t = _terms();
        t.arrangementFeeBps = 100;
        uint256 fee = COMMITMENT / 100;
        GreenLoan loan = _active(t, DRAWN);

        vm.expectEmit(address(loan)); // within the fee
        emit IGreenLoan.LoanRepayment(borrower, 4_000e6, 4_000e6, 0, 0, DRAWN);
        vm.prank(borrower);
        loan.repay(4_000e6);
        vm.assertEq(loan.debt().fees, fee - 4_000e6, "fees left");

        vm.warp(NOW + 10 days);
        uint256 interest = _interest(DRAWN, RATE, 10 days);
        vm.assertEq(loan.debt().interest, interest, "Actual/365F interest");
        uint256 amount = (fee - 4_000e6) + interest + 1_000e6;
        vm.expectEmit(address(loan)); // the rest of the fee, all interest, then principal
        emit IGreenLoan.LoanRepayment(borrower, amount, fee - 4_000e6, interest, 1_000e6, DRAWN - 1_000e6);
        vm.prank(borrower);
        loan.repay(amount);
        IGreenLoan.Debt memory d = loan.debt();
        vm.assertEq(d.fees, 0, "fees paid");
        vm.assertEq(d.interest, 0, "interest paid (a fraction of a unit stays accrued)");
        vm.assertEq(d.principal, DRAWN - 1_000e6, "principal");
        IGreenLoan.Ledger memory l = loan.ledger();
        vm.assertEq(l.feesPaid, fee, "fees paid");
        vm.assertEq(l.interestPaid, interest, "interest paid");
        vm.assertEq(l.principalPaid, 1_000e6, "principal paid");
        vm.assertEq(l.received, fee + interest + 1_000e6, "received");
        vm.assertEq(loan.withdrawable(lender), l.received, "the lender's");

        vm.warp(NOW + 20 days);
        uint256 owed = loan.debt().total;
        uint256 lenderBefore = loan.withdrawable(lender);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanRepayment(borrower, owed, 0, owed - (DRAWN - 1_000e6), DRAWN - 1_000e6, 0);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanStateChanged(ACTIVE, REPAID);
        vm.expectEmit(address(loan));
        emit IGreenLoan.CommitmentCancelled(COMMITMENT - DRAWN, 0);
        uint256 all = loan.REPAY_ALL();
        vm.prank(borrower);
        loan.repay(all);
        _assertState(loan, REPAID, "repaid");
        vm.assertEq(loan.debt().total, 0, "owed nothing");
        vm.assertEq(loan.undrawn(), 0, "nothing undrawn");
        vm.assertEq(loan.withdrawable(lender), lenderBefore + owed + COMMITMENT - DRAWN, "repayment and undrawn");
        vm.assertEq(attribution.claimOf(address(loan), 1), 0, "claim released");
        _expectWrongState(REPAID);
        vm.prank(borrower);
        loan.repay(1);
    }

    /// Rule: principal beyond what is due is a prepayment: it counts toward later instalments, so after the
    /// period end only the interest that fell due is overdue.
    function test_prepaid_principal_counts_toward_later_instalments() public {
        GreenLoan loan = _active(_terms(), DRAWN);
        vm.warp(NOW + 10 days);
        uint256 interest = _interest(DRAWN, RATE, 10 days);
        vm.prank(borrower);
        loan.repay(interest + 100_000e6); // the first instalment is DRAWN / 12 = 50,000
        vm.warp(NOW + PERIOD + 1);
        uint256 fraction = (DRAWN * RATE * 10 days) % DENOMINATOR; // what stayed accrued of the first 10 days
        uint256 due = (fraction + (DRAWN - 100_000e6) * RATE * (PERIOD - 10 days)) / DENOMINATOR;
        vm.assertEq(loan.debt().overdue, due, "only the interest that fell due");
    }

    /// Rule: cumulative principal due by period i for D drawn is floor(D × i / periods) when amortising and 0
    /// before the last period (D at it) as a bullet; at each period end fees, interest and that principal fall
    /// due, and what is unpaid is overdue.
    function test_schedule_amortising_and_bullet() public {
        GreenLoan amortising = _active(_terms(), DRAWN);
        IGreenLoan.Terms memory t = _terms();
        t.repayment = IGreenLoan.Repayment.Bullet;
        GreenLoan bullet = _active(t, DRAWN);
        for (uint256 i = 1; i <= 12; ++i) {
            vm.assertEq(amortising.scheduledPrincipal(i), DRAWN * i / 12, "amortising instalments");
            vm.assertEq(bullet.scheduledPrincipal(i), i < 12 ? 0 : DRAWN, "bullet at the last period");
        }
        vm.warp(NOW + PERIOD);
        uint256 interest = _interest(DRAWN, RATE, PERIOD);
        vm.assertEq(amortising.debt().overdue, interest + DRAWN / 12, "interest and the instalment");
        vm.assertEq(bullet.debt().overdue, interest, "interest only");
        vm.warp(NOW + 12 * uint256(PERIOD));
        vm.assertGe(bullet.debt().overdue, DRAWN, "all principal due at maturity");
        vm.assertEq(bullet.debt().overdue, amortising.debt().overdue, "the same once both matured");
    }

    /// Rule: late interest accrues at lateInterestBps per year on the overdue amount, on top of the contractual
    /// interest (the exact numerator: Σ P × r × s + Σ O × late × s).
    function test_late_interest_accrues_on_the_overdue_amount() public {
        IGreenLoan.Terms memory t = _terms();
        t.lateInterestBps = 200;
        GreenLoan loan = _active(t, DRAWN);
        vm.warp(NOW + PERIOD + 5 days);
        uint256 overdue = _interest(DRAWN, RATE, PERIOD) + DRAWN / 12;
        uint256 numerator = DRAWN * RATE * (PERIOD + 5 days) + overdue * 200 * 5 days;
        IGreenLoan.Debt memory d = loan.debt();
        vm.assertEq(d.overdue, overdue, "what fell due at the period end");
        vm.assertEq(d.interest, numerator / DENOMINATOR, "contractual + late interest");
    }

    // ---------------------------------------------------------------- withdrawals

    /// Rule: a party withdraws only what it has, in good standing, under no pause.
    function test_withdraw_refusals() public {
        GreenLoan loan = _active(_terms(), DRAWN);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanNothingToWithdraw.selector, stranger));
        vm.prank(stranger);
        loan.withdraw();
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanNothingToWithdraw.selector, lender));
        vm.prank(lender);
        loan.withdraw();
        _pause();
        _expectPaused();
        vm.prank(borrower);
        loan.withdraw();
        vm.prank(regulator);
        registry.unpause();
        _freeze(borrower);
        _expectFrozen(borrower);
        vm.prank(borrower);
        loan.withdraw();
        vm.assertEq(loan.withdrawable(borrower), DRAWN, "still the borrower's");
        vm.assertEq(token.balanceOf(address(loan)), COMMITMENT, "nothing moved");
    }

    // ---------------------------------------------------------------- repricing

    /// Rule: anyone reprices an Approved, Active or Impaired facility, no sooner than minRepricingInterval after
    /// the last pricing, only from a usable score computed after the recorded one and inside the buckets; the
    /// credit margin moves toward the new bucket by at most maxRepricingStepBps (LoanRepriced), and interest
    /// accrued so far stays at the old rate (forward-only).
    function test_reprice_bounded_steps_from_newer_scores_only() public {
        GreenLoan proposed = _proposed(_terms());
        _expectWrongState(PROPOSED);
        proposed.reprice();

        GreenLoan loan = _active(_terms(), DRAWN);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanRepricingTooEarly.selector, NOW + 1 days));
        loan.reprice();
        vm.warp(NOW + 2 days);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanScoreNotNewer.selector, NOW, NOW));
        loan.reprice();
        _score(1600);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanScoreAboveLimit.selector, 1600, 1500));
        loan.reprice();
        vm.warp(NOW + 2 days + MAX_AGE + 1);
        _expectError(abi.encodeWithSelector(IRiskOracleLedger.ScoreStale.selector, borrower, NOW + 2 days, MAX_AGE));
        loan.reprice();
        vm.assertEq(uint256(loan.pricing().creditMarginBps), 200, "refusals reprice nothing");

        uint64 t1 = uint64(block.timestamp);
        _score(1400); // bucket 3: 500 bps, 300 above
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanRepriced(modelVersion, 1400, INPUT, WHY, t1, 500, 200, 300);
        loan.reprice();
        IGreenLoan.Pricing memory p = loan.pricing();
        vm.assertEq(uint256(p.creditMarginBps), 300, "one bounded step up");
        vm.assertEq(uint256(p.rateBps), 600, "rate follows");
        vm.assertEq(uint256(p.scoreTimestamp), t1, "score recorded");
        vm.assertEq(uint256(p.repricedAt), t1, "repriced now");
        vm.warp(t1 + 10 days);
        uint256 numerator = DRAWN * RATE * (t1 - NOW) + DRAWN * 600 * 10 days;
        vm.assertEq(loan.debt().interest, numerator / DENOMINATOR, "old rate before, new rate after");

        _repriceTo(loan, 500, 350); // bucket 2, within a step: reached
        _repriceTo(loan, 1400, 450);
        _repriceTo(loan, 1400, 500); // within a step again
        _repriceTo(loan, 100, 400); // back down, one step at a time
        _repriceTo(loan, 100, 300);
        _repriceTo(loan, 100, 200); // the gap equals the step: the target is reached
        vm.assertEq(uint256(loan.pricing().rateBps), RATE, "base + margin");
    }

    function _repriceTo(GreenLoan loan, uint16 pd, uint256 expectedMargin) private {
        vm.warp(block.timestamp + 1 days);
        _score(pd);
        loan.reprice();
        vm.assertEq(uint256(loan.pricing().creditMarginBps), expectedMargin, "bounded step");
    }

    // ---------------------------------------------------------------- observations: KPI and ratchet

    /// Rule: anyone observes period i once it ended, in order, while Approved, Active or Impaired, reading the
    /// attributed output from ImpactAttribution (its refusal when the reports are unreadable).
    function test_observe_refusals() public {
        GreenLoan proposed = _proposed(_terms());
        _expectWrongState(PROPOSED);
        proposed.observe(1);

        GreenLoan loan = _approved(_terms());
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanUnknownPeriod.selector, 0));
        loan.observe(0);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanUnknownPeriod.selector, 13));
        loan.observe(13);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanObservationOutOfOrder.selector, 2, 1));
        loan.observe(2);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanPeriodNotEnded.selector, 1, NOW + PERIOD));
        loan.observe(1);
        vm.warp(NOW + PERIOD);
        reports.setBroken(1, true);
        _expectError(abi.encodeWithSelector(IImpactAttribution.ImpactAttributionReportsUnavailable.selector, 1));
        loan.observe(1);
        vm.assertEq(loan.nextObservation(), 1, "nothing observed");
        reports.setBroken(1, false);
        loan.observe(1);
        vm.assertEq(loan.nextObservation(), 2, "observed once it ended");
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanObservationOutOfOrder.selector, 1, 2));
        loan.observe(1);
    }

    /// Rule: the KPI ratchet: Met (output ≥ target) steps the margin down by ratchetStepBps; Missed (0 < output <
    /// target), Missing (no output) and Stale (observed after the grace) step it up; credit margin + ratchet stays
    /// within [marginFloorBps, marginCapBps]. The rate follows; LoanObserved records each observation.
    function test_kpi_ratchet_met_missed_missing_stale_within_floor_and_cap() public {
        IGreenLoan.Terms memory t = _terms();
        t.kpiTargetWh = 100e6;
        t.ratchetStepBps = 50;
        t.marginFloorBps = 150;
        t.marginCapBps = 300;
        t.marginsBps = [uint16(200), 250, 300, 0];
        GreenLoan loan = _approved(t); // nothing drawn: no debt service, DSCR unbounded
        uint32 unbounded = type(uint32).max;

        _observe(loan, 1, 150e6, 0);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanObserved(1, IGreenLoan.KpiOutcome.Met, 150e6, unbounded, -50, 150, false, 0);
        loan.observe(1);
        _assertMargin(loan, -50, 150);
        _observe(loan, 2, 300e6, 0);
        loan.observe(2);
        _assertMargin(loan, -50, 150); // at the floor
        vm.assertEq(uint256(loan.lastObservation().outcome), uint256(IGreenLoan.KpiOutcome.Met), "met again");
        _observe(loan, 3, 350e6, 0);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanObserved(3, IGreenLoan.KpiOutcome.Missed, 50e6, unbounded, 0, 200, false, 0);
        loan.observe(3);
        _assertMargin(loan, 0, 200);
        _observe(loan, 4, 350e6, 0);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanObserved(4, IGreenLoan.KpiOutcome.Missing, 0, unbounded, 50, 250, false, 0);
        loan.observe(4);
        _assertMargin(loan, 50, 250);
        _observe(loan, 5, 500e6, t.observationGrace + 1);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanObserved(5, IGreenLoan.KpiOutcome.Stale, 150e6, unbounded, 100, 300, false, 0);
        loan.observe(5);
        _assertMargin(loan, 100, 300);
        _observe(loan, 6, 500e6, 0);
        loan.observe(6);
        _assertMargin(loan, 100, 300); // at the cap
        IGreenLoan.LastObservation memory last = loan.lastObservation();
        vm.assertEq(last.period, 6, "last period");
        vm.assertEq(uint256(last.outcome), uint256(IGreenLoan.KpiOutcome.Missing), "missing");
        vm.assertEq(uint256(last.dscrBps), unbounded, "no debt service");
        vm.assertEq(uint256(loan.pricing().rateBps), 600, "base + cap");
    }

    /// Rule: a facility that is not sustainability-linked records the outcome None and never moves its margin.
    function test_an_unlinked_facility_has_no_kpi_outcome() public {
        GreenLoan loan = _approved(_terms());
        _observe(loan, 1, 150e6, 0);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanObserved(1, IGreenLoan.KpiOutcome.None, 150e6, type(uint32).max, 0, 200, false, 0);
        loan.observe(1);
        _assertMargin(loan, 0, 200);
    }

    /// @dev Sets the project's verified generation to `totalWh` and warps `late` seconds past period `period`'s end.
    function _observe(GreenLoan loan, uint256 period, uint256 totalWh, uint256 late) private {
        reports.setTotals(1, totalWh, 0);
        vm.warp(loan.periodEnd(period) + late);
    }

    function _assertMargin(GreenLoan loan, int256 ratchet, uint256 margin) private view {
        IGreenLoan.Pricing memory p = loan.pricing();
        vm.assertEq(uint256(int256(p.ratchetBps) + 1_000), uint256(ratchet + 1_000), "ratchet");
        vm.assertEq(uint256(p.marginBps), margin, "margin within floor and cap");
        vm.assertEq(uint256(p.rateBps), 300 + margin, "rate = base + margin");
    }

    // ---------------------------------------------------------------- observations: DSCR covenants

    /// Rule: DSCR = max(0, output × tariff / 10^6 − opex) × 10000 / (the period's instalment + a period's
    /// interest). Below lockupDscrBps the facility is locked up until the next observation (LoanLockedUp on
    /// drawdowns) and the excess cash (net − service) is swept: that much principal falls due at once
    /// (CashSwept). Below defaultDscrBps counts a breach; an observation at or above it resets the count.
    function test_dscr_lockup_sweep_and_breach_reset() public {
        IGreenLoan.Terms memory t = _terms();
        t.tariffPerMWh = 80e6;
        t.availabilityEnd = NOW + 120 days;
        uint256 drawn = 120_000e6; // instalments of 10,000
        GreenLoan loan = _active(t, drawn);
        uint256 service = drawn / 12 + _interest(drawn, RATE, PERIOD);

        _observe(loan, 1, 0, 0); // no output: DSCR 0, a breach and a lock-up
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanObserved(1, IGreenLoan.KpiOutcome.None, 0, 0, 0, 200, true, 1);
        loan.observe(1);
        vm.assertEq(uint256(loan.breaches()), 1, "one breach");
        vm.assertTrue(loan.lockedUp(), "locked up");
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanLockedUp.selector, 0, 12_000));
        vm.prank(borrower);
        loan.draw(1);

        _observe(loan, 2, 144e6, 0); // net 11,520: 1.00x ≤ DSCR < 1.20x
        uint256 net = 144e6 * 80e6 / 1e6;
        uint32 dscr = uint32(net * 10_000 / service);
        vm.assertLe(10_000, dscr, "at or above the default level");
        vm.expectEmit(address(loan));
        emit IGreenLoan.CashSwept(2, net - service);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanObserved(2, IGreenLoan.KpiOutcome.None, 144e6, dscr, 0, 200, true, 0);
        loan.observe(2);
        vm.assertEq(uint256(loan.breaches()), 0, "the count resets");
        vm.assertEq(loan.ledger().swept, net - service, "swept");
        IGreenLoan.LastObservation memory last = loan.lastObservation();
        vm.assertEq(uint256(last.dscrBps), dscr, "its DSCR");
        vm.assertTrue(last.lockedUp, "still locked up");
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanLockedUp.selector, dscr, 12_000));
        vm.prank(borrower);
        loan.draw(1);

        _observe(loan, 3, 400e6, 0); // net 20,480: above 1.20x
        loan.observe(3);
        vm.assertFalse(loan.lockedUp(), "lock-up lifted");
        _score(250);
        vm.prank(borrower);
        loan.draw(1e6);
        vm.assertEq(loan.ledger().drawn, drawn + 1e6, "drawdowns again");
    }

    // ---------------------------------------------------------------- lender remedies

    /// Rule: the lender impairs an Active facility only when something is overdue (LoanImpaired with it); an
    /// Impaired facility draws nothing, may be called at once, and a called one has all principal, fees and
    /// interest due, its undrawn commitment returned; the lender then writes off what is owed (LoanWrittenOff).
    function test_impair_call_and_write_off() public {
        GreenLoan approved = _approved(_terms());
        _expectWrongState(APPROVED);
        vm.prank(lender);
        approved.impair();
        _expectWrongState(APPROVED);
        vm.prank(lender);
        approved.callLoan();

        GreenLoan loan = _active(_terms(), DRAWN);
        _expectUnauthorized(borrower, lender);
        vm.prank(borrower);
        loan.impair();
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanNothingOverdue.selector));
        vm.prank(lender);
        loan.impair();
        _expectWrongState(ACTIVE);
        vm.prank(lender);
        loan.writeOff();

        vm.warp(NOW + PERIOD + 1);
        uint256 overdue = _interest(DRAWN, RATE, PERIOD) + DRAWN / 12;
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanStateChanged(ACTIVE, IMPAIRED);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanImpaired(overdue);
        vm.prank(lender);
        loan.impair();
        _assertState(loan, IMPAIRED, "impaired");
        _expectWrongState(IMPAIRED);
        vm.prank(lender);
        loan.impair();
        _expectWrongState(IMPAIRED);
        vm.prank(borrower);
        loan.draw(1);
        _expectWrongState(IMPAIRED);
        vm.prank(borrower);
        loan.cancelCommitment(1);
        vm.warp(block.timestamp + 1 days);
        _score(250);
        loan.reprice(); // an Impaired facility is still repriced
        loan.observe(1); // and observed

        _expectUnauthorized(borrower, lender);
        vm.prank(borrower);
        loan.callLoan();
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanStateChanged(IMPAIRED, DEFAULTED);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanCalled(DRAWN, 1); // observation 1 was a breach; an Impaired facility is callable anyway
        vm.expectEmit(address(loan));
        emit IGreenLoan.CommitmentCancelled(COMMITMENT - DRAWN, 0);
        vm.prank(lender);
        loan.callLoan();
        IGreenLoan.Debt memory d = loan.debt();
        vm.assertEq(d.overdue, d.total, "everything is due");
        vm.assertEq(loan.undrawn(), 0, "undrawn returned");
        _expectWrongState(DEFAULTED);
        vm.prank(lender);
        loan.callLoan();
        _expectWrongState(DEFAULTED);
        loan.observe(2);
        _expectWrongState(DEFAULTED);
        loan.reprice();

        vm.warp(block.timestamp + 3 days);
        d = loan.debt();
        _expectUnauthorized(borrower, lender);
        vm.prank(borrower);
        loan.writeOff();
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanWrittenOff(d.principal, d.interest, d.fees);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanStateChanged(DEFAULTED, WRITTEN_OFF);
        vm.prank(lender);
        loan.writeOff();
        _assertState(loan, WRITTEN_OFF, "written off");
        vm.assertEq(loan.ledger().writtenOff, d.total, "what was owed is written off");
        vm.assertEq(loan.debt().total, 0, "owed nothing");
        vm.assertEq(attribution.claimOf(address(loan), 1), 0, "claim released");
        _expectWrongState(WRITTEN_OFF);
        vm.prank(lender);
        loan.writeOff();
    }

    /// Rule: the lender calls an Active facility only after defaultPeriods consecutive observations below the
    /// default DSCR (LoanNotCallable(breaches, required) before); a called facility can still be repaid in full.
    function test_call_after_n_breaches_then_repaid_in_full() public {
        GreenLoan loan = _active(_terms(), DRAWN); // tariff 0: every observation is a breach
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanNotCallable.selector, 0, 2));
        vm.prank(lender);
        loan.callLoan();
        _observe(loan, 1, 0, 0);
        loan.observe(1);
        _expectError(abi.encodeWithSelector(IGreenLoan.LoanNotCallable.selector, 1, 2));
        vm.prank(lender);
        loan.callLoan();
        _observe(loan, 2, 0, 0);
        loan.observe(2);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanStateChanged(ACTIVE, DEFAULTED);
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanCalled(DRAWN, 2);
        vm.prank(lender);
        loan.callLoan();

        IGreenLoan.Debt memory d = loan.debt();
        vm.assertEq(d.overdue, d.total, "everything is due once called");
        vm.warp(block.timestamp + 1 days);
        d = loan.debt();
        vm.expectEmit(address(loan));
        emit IGreenLoan.LoanStateChanged(DEFAULTED, REPAID);
        vm.prank(borrower);
        loan.repay(d.total);
        _assertState(loan, REPAID, "repaid");
        vm.assertEq(loan.debt().total, 0, "owed nothing");
        vm.assertEq(loan.ledger().principalPaid, DRAWN, "all principal paid");
        _expectWrongState(REPAID);
        vm.prank(lender);
        loan.writeOff();
    }

    /// Rule: the money entry points are guarded against re-entry: a token that calls back into the facility while
    /// it moves money (here withdraw() from inside approval's pull) is refused with LoanWrongState and the outer
    /// call completes as if the call-back never happened.
    function test_a_reentrant_call_from_the_token_is_refused() public {
        ReentrantTokenForBonds hostile = new ReentrantTokenForBonds();
        GreenLoanFactory hostileFactory =
            new GreenLoanFactory(registry, address(new GreenLoan(registry, IERC20(address(hostile)), projects, attribution, oracle)));
        attribution.grantRole(attribution.REGISTRAR_ROLE(), address(hostileFactory));
        vm.prank(borrower);
        (, address at) = hostileFactory.createLoan(_terms(), lender);
        GreenLoan loan = GreenLoan(at);
        hostile.mint(lender, COMMITMENT);
        vm.prank(lender);
        hostile.approve(at, COMMITMENT);
        hostile.arm(at, abi.encodeCall(GreenLoan.withdraw, ()));
        vm.prank(lender);
        loan.approve();
        vm.assertTrue(hostile.attempted(), "the token called back");
        vm.assertFalse(hostile.reentrySucceeded(), "the call-back was refused");
        vm.assertEq(hostile.reentryRevertData(), abi.encodeWithSelector(IGreenLoan.LoanWrongState.selector, APPROVED), "named");
        _assertState(loan, APPROVED, "approved");
        vm.assertEq(hostile.balanceOf(at), COMMITMENT, "funded");
        vm.assertEq(loan.ledger().withdrawnByLender, 0, "nothing withdrawn");
    }

    /// Rule (Money law): the Ledger's totals are 128-bit: a write-off that keeps written-off below 2^128 is
    /// recorded exactly; one that would pass it reverts SafeCastOverflowedUintDowncast and changes nothing.
    function test_ledger_totals_past_128_bits_revert_and_change_nothing() public {
        GreenLoan below = _calledAtMaximumRate();
        GreenLoan beyond = _calledAtMaximumRate();
        vm.warp(block.timestamp + 2e9 * 365 days); // ~1.1 x 2^95 a year: ~2^126.4 owed
        uint256 owed = below.debt().total;
        vm.assertLe(owed, type(uint128).max, "still representable");
        vm.prank(lender);
        below.writeOff();
        vm.assertEq(below.ledger().writtenOff, owed, "written off exactly");
        vm.warp(block.timestamp + 8e9 * 365 days); // ~2^128.4 owed
        vm.assertGe(beyond.debt().total, uint256(type(uint128).max) + 1, "past 128 bits");
        _expectError(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 128, beyond.debt().total));
        vm.prank(lender);
        beyond.writeOff();
        _assertState(beyond, DEFAULTED, "state unchanged");
        vm.assertEq(beyond.ledger().writtenOff, 0, "nothing written off");
    }

    /// @dev A facility of 2^95 at base 9000 + margin 200 bps and 2000 bps late interest, fully drawn, impaired
    /// after maturity and called: everything is overdue and accrues ~1.1 x principal a year.
    function _calledAtMaximumRate() private returns (GreenLoan loan) {
        IGreenLoan.Terms memory t = _terms();
        t.commitment = 2 ** 95;
        t.trancheAmounts[0] = 2 ** 95;
        t.baseRateBps = 9_000;
        t.lateInterestBps = 2_000;
        _score(250); // fresh at the second facility's approval (a repeat in the same block is ignored)
        loan = _active(t, 2 ** 95);
        vm.warp(uint256(t.startDate) + uint256(t.periods) * t.periodLength + 1 days);
        vm.prank(lender);
        loan.impair();
        vm.prank(lender);
        loan.callLoan();
    }
}
