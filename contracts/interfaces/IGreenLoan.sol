// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IImpactAttribution} from "./IImpactAttribution.sol";

/// @title IGreenLoan
/// @notice One bilateral green / sustainability-linked loan facility between a bank (Kind.Bank, the
/// lender) and a borrower (Kind.Enterprise or Kind.ProjectDeveloper, the developer of the financed
/// project), in the settlement token. Deployed as an EIP-1167 clone per facility by GreenLoanFactory.
/// See docs/loans.md for the terms, units, day count, schedule, waterfall, ratchet and covenants.
///
/// States (every transition emits LoanStateChanged):
///     Proposed  -> Approved (lender, score check) | Cancelled (either party)
///     Approved  -> Active (first drawdown) | Cancelled (either party, nothing drawn)
///     Active    -> Repaid (all owed paid) | Impaired (lender, something overdue) | Defaulted (lender call)
///     Impaired  -> Repaid | Defaulted (lender call)
///     Defaulted -> Repaid | WrittenOff (lender)
///     Repaid, WrittenOff, Cancelled: final
///
/// Units: amounts in settlement base units; rates, margins and steps in basis points per year;
/// DSCR in basis points (10000 = 1.00x); output in Wh; tariff in base units per MWh.
/// Day count: Actual/365 Fixed on seconds (interest = principal × rateBps × seconds / (10000 × 365 days)),
/// accrued exactly as a numerator and floored to whole base units only when owed amounts are read or paid.
interface IGreenLoan {
    // ---------------------------------------------------------------- types

    /// @notice Where the facility stands.
    enum State {
        Proposed, // created by the borrower, waiting for the lender's approval
        Approved, // priced from the borrower's risk score and funded by the lender; drawdowns may start
        Active, // at least one drawdown made
        Repaid, // everything owed paid (final)
        Impaired, // the lender marked it impaired after a missed payment; no drawdowns
        Defaulted, // the lender called it: all principal due, undrawn commitment returned
        WrittenOff, // the lender wrote off what was still owed (final)
        Cancelled // cancelled before any drawdown (final)
    }

    /// @notice How principal is repaid.
    enum Repayment {
        Amortising, // equal principal instalments: cumulative due at period i = floor(drawn × i / periods)
        Bullet // all principal due at the last period end
    }

    /// @notice The result of one sustainability-linked KPI observation.
    enum KpiOutcome {
        None, // not observed, or the facility is not KPI-linked (kpiTargetWh == 0)
        Met, // output ≥ target: the margin steps down
        Missed, // 0 < output < target: the margin steps up
        Missing, // no output attributed in the period: the margin steps up
        Stale // observed later than observationGrace after the period end: the margin steps up
    }

    /// @notice The facility's terms, fixed at creation.
    struct Terms {
        uint256 projectId; // the financed project (ProjectRegistry): active, developed by the borrower
        uint256 commitment; // settlement base units the lender commits; 0 < commitment < 2^96
        uint64 startDate; // schedule anchor: period i (1-based) ends at startDate + i × periodLength
        uint32 periodLength; // seconds, a whole number of days, 1..366 days
        uint16 periods; // number of periods, 1..MAX_PERIODS
        uint64 availabilityEnd; // drawdowns only before this; now < availabilityEnd ≤ maturity
        Repayment repayment;
        uint16 baseRateBps; // fixed base rate per year
        uint16[4] pdLimitsBps; // PD buckets, strictly ascending; a 0 after the first ends the list
        uint16[4] marginsBps; // credit margin of bucket k: used when PD ≤ pdLimitsBps[k] (first match)
        uint16 marginFloorBps; // credit margin + ratchet never below this
        uint16 marginCapBps; // nor above this (≥ floor)
        uint16 maxRepricingStepBps; // a repricing moves the credit margin at most this far (1..1000)
        uint32 minRepricingInterval; // seconds between repricings (≥ 1 day)
        uint16 ratchetStepBps; // per KPI observation, ≤ 500; 0 with kpiTargetWh 0
        uint256 kpiTargetWh; // sustainability performance target per period (Wh attributed); 0 = not linked
        uint32 observationGrace; // an observation later than this after the period end is Stale (≥ 1 hour)
        uint256 tariffPerMWh; // base units per MWh of attributed output, for the DSCR
        uint256 opexPerPeriod; // base units of operating cost per period, for the DSCR
        uint32 lockupDscrBps; // DSCR below this: lock-up (no drawdowns, excess cash swept)
        uint32 defaultDscrBps; // DSCR below this for defaultPeriods consecutive periods: callable (≤ lockup)
        uint8 defaultPeriods; // 1..12
        uint16 lateInterestBps; // extra rate per year on the overdue amount (≤ 2000)
        uint16 arrangementFeeBps; // of the commitment, owed at the first drawdown (≤ 500)
        uint256[4] trancheAmounts; // use of proceeds: Σ = commitment
        uint256[4] trancheThresholdsWh; // tranche k is drawable once output attributed since approval ≥ this
    }

    /// @notice What the borrower owes now (accrued to the current block).
    struct Debt {
        uint256 principal; // drawn and not yet repaid
        uint256 interest; // accrued and unpaid, incl. late interest, floored to base units
        uint256 fees; // arrangement fee unpaid
        uint256 overdue; // the part of fees + interest + principal that fell due and is unpaid
        uint256 total; // fees + interest + principal: the most a repayment may be
    }

    /// @notice The pricing state: the score the credit margin rests on and the KPI ratchet.
    struct Pricing {
        uint16 scoreBps; // PD of the recorded score
        uint64 modelVersion; // its model version (ModelRegistry)
        uint64 scoreTimestamp; // when it was computed
        uint64 repricedAt; // when the credit margin was last set (approval or repricing)
        uint16 creditMarginBps; // from the PD buckets, moved by bounded repricing steps
        int16 ratchetBps; // Σ KPI steps, kept so that floor ≤ credit margin + ratchet ≤ cap
        uint16 marginBps; // credit margin + ratchet (within floor and cap)
        uint16 rateBps; // baseRateBps + marginBps: the contractual rate per year now
    }

    /// @notice What the facility keeps of its last observation (the later rules read it). Every observation's
    /// full record (output, DSCR, ratchet, margin, lock-up, breaches) is its LoanObserved event.
    struct LastObservation {
        uint256 period; // the last period observed (0: none yet)
        KpiOutcome outcome; // its KPI outcome
        uint32 dscrBps; // its DSCR (type(uint32).max when no debt service was scheduled)
        bool lockedUp; // dscrBps < lockupDscrBps: no drawdowns until the next observation
        uint8 breaches; // consecutive observations below the default DSCR, up to this one
    }

    /// @notice The facility's running money totals, in base units. Money law (tested as invariant):
    /// token balance = funded + received − withdrawnByBorrower − withdrawnByLender, and
    /// funded = drawn + cancelled + undrawn; received = feesPaid + interestPaid + principalPaid.
    struct Ledger {
        uint256 funded; // pulled from the lender at approval (= commitment)
        uint256 drawn; // paid out to the borrower (withdrawable, then withdrawn)
        uint256 cancelled; // undrawn commitment returned to the lender (withdrawable)
        uint256 received; // repayments pulled from payers
        uint256 feesPaid;
        uint256 interestPaid;
        uint256 principalPaid;
        uint256 swept; // principal made due at once by lock-up cash sweeps
        uint256 writtenOff; // principal + interest + fees forgiven at write-off
        uint256 withdrawnByBorrower;
        uint256 withdrawnByLender;
    }

    // ---------------------------------------------------------------- errors

    /// @notice Thrown when the facility is initialized a second time (or the implementation at all).
    error LoanAlreadyInitialized();
    /// @notice Thrown when term `field` (or party "borrower"/"lender"/"project") is invalid.
    error LoanInvalidTerms(bytes32 field);
    /// @notice Thrown when `caller` is not `expected` (the lender or the borrower).
    error LoanUnauthorized(address caller, address expected);
    /// @notice Thrown when the call is not allowed in state `actual`.
    error LoanWrongState(State actual);
    /// @notice Thrown when an amount is zero.
    error LoanZeroAmount();
    /// @notice Thrown when a drawdown (or cancellation) of `amount` exceeds the undrawn commitment `undrawn`.
    error LoanExceedsCommitment(uint256 amount, uint256 undrawn);
    /// @notice Thrown when a drawdown of `amount` exceeds `available`, what the met milestones unlock less what was drawn.
    error LoanExceedsUnlocked(uint256 amount, uint256 available);
    /// @notice Thrown when a drawdown comes at or after the end of the availability period.
    error LoanAvailabilityEnded(uint64 availabilityEnd);
    /// @notice Thrown when a drawdown comes while the DSCR covenant is in lock-up (`dscrBps` < `lockupBps`).
    error LoanLockedUp(uint32 dscrBps, uint32 lockupBps);
    /// @notice Thrown when the financed project is not active or no longer developed by the borrower.
    error LoanProjectNotEligible(uint256 projectId);
    /// @notice Thrown when the borrower's usable score has PD `scoreBps` above the last bucket limit `maxBps`.
    error LoanScoreAboveLimit(uint16 scoreBps, uint16 maxBps);
    /// @notice Thrown when a repricing's score (computed at `timestamp`) is not newer than the recorded one (`recorded`).
    error LoanScoreNotNewer(uint64 timestamp, uint64 recorded);
    /// @notice Thrown when a repricing comes before `earliest` (last repricing + minRepricingInterval).
    error LoanRepricingTooEarly(uint64 earliest);
    /// @notice Thrown when a repayment of `amount` exceeds everything owed, `owed`.
    error LoanRepaymentExceedsDebt(uint256 amount, uint256 owed);
    /// @notice Thrown when `period` is 0 or beyond the last period.
    error LoanUnknownPeriod(uint256 period);
    /// @notice Thrown when `period` is observed before its end `end`.
    error LoanPeriodNotEnded(uint256 period, uint64 end);
    /// @notice Thrown when `period` is observed out of order: `expected` is next.
    error LoanObservationOutOfOrder(uint256 period, uint256 expected);
    /// @notice Thrown when the lender calls a facility that is neither Impaired nor in covenant default
    /// (`breaches` consecutive default-level periods, fewer than `required`).
    error LoanNotCallable(uint8 breaches, uint8 required);
    /// @notice Thrown when the lender impairs a facility with nothing overdue.
    error LoanNothingOverdue();
    /// @notice Thrown when `account` has nothing to withdraw.
    error LoanNothingToWithdraw(address account);

    // ---------------------------------------------------------------- events

    /// @notice Emitted when the facility is created with `terms` between `borrower` and `lender`.
    event LoanInitialized(address indexed borrower, address indexed lender, uint256 indexed projectId, Terms terms);
    /// @notice Emitted at every state transition.
    event LoanStateChanged(State from, State to);
    /// @notice Emitted when the lender approves: the AI decision the price rests on (the borrower's latest
    /// usable score) and the credit margin its PD maps to. The commitment is funded in the same call.
    event LoanApproved(
        uint256 indexed modelVersion,
        uint16 scoreBps,
        bytes32 inputHash,
        bytes32 explanationHash,
        uint64 scoreTimestamp,
        uint16 creditMarginBps,
        uint256 commitment
    );
    /// @notice Emitted when the credit margin is repriced from a newer score: `targetMarginBps` is the
    /// bucket's margin, `creditMarginBps` what the bounded step reached.
    event LoanRepriced(
        uint256 indexed modelVersion,
        uint16 scoreBps,
        bytes32 inputHash,
        bytes32 explanationHash,
        uint64 scoreTimestamp,
        uint16 targetMarginBps,
        uint16 creditMarginBefore,
        uint16 creditMarginBps
    );
    /// @notice Emitted when the borrower draws `amount` (credited to its withdrawable balance), after
    /// the score check on `scoreBps` of `modelVersion`.
    event LoanDrawn(uint256 amount, uint256 principalAfter, uint16 scoreBps, uint256 modelVersion);
    /// @notice Emitted when `payer` repays `amount`, split fees → interest → principal.
    event LoanRepayment(
        address indexed payer, uint256 amount, uint256 fees, uint256 interest, uint256 principal, uint256 principalAfter
    );
    /// @notice Emitted when `amount` of undrawn commitment is cancelled and returned to the lender.
    event CommitmentCancelled(uint256 amount, uint256 undrawnAfter);
    /// @notice Emitted when period `period` is observed (anyone may trigger it; on-chain data only): the
    /// observation's full record (`outputWh` attributed to the facility since the previous observation or
    /// approval; `dscrBps` type(uint32).max when no debt service is scheduled; the ratchet and the margin after it).
    event LoanObserved(
        uint256 indexed period,
        KpiOutcome outcome,
        uint256 outputWh,
        uint32 dscrBps,
        int16 ratchetBps,
        uint16 marginBps,
        bool lockedUp,
        uint8 breaches
    );
    /// @notice Emitted when a lock-up observation sweeps `amount` of excess cash: that much principal is due at once.
    event CashSwept(uint256 indexed period, uint256 amount);
    /// @notice Emitted when the lender marks the facility impaired while `overdue` is unpaid.
    event LoanImpaired(uint256 overdue);
    /// @notice Emitted when the lender calls the facility: all `principal` is due at once.
    event LoanCalled(uint256 principal, uint8 breaches);
    /// @notice Emitted when the lender writes off what is still owed.
    event LoanWrittenOff(uint256 principal, uint256 interest, uint256 fees);
    /// @notice Emitted when `account` withdraws `amount` (drawn proceeds or the lender's receipts).
    event LoanWithdrawn(address indexed account, uint256 amount);

    // ---------------------------------------------------------------- set-up

    /// @notice Set the terms and parties (a clone is initialized once, by the factory, in its creation call).
    /// @param terms_ the facility's terms
    /// @param borrower_ the borrower (the project's developer)
    /// @param lender_ the lender (a bank)
    /// Opens the facility's attribution position (ImpactAttribution.open: no claim, credited nothing) so that
    /// approval only raises the claim.
    /// @dev Caller: GreenLoanFactory, after registering the clone as an instrument. Reverts LoanAlreadyInitialized,
    /// LoanInvalidTerms, ImpactAttributionNotInstrument. Emits LoanInitialized (and the attribution's PositionOpened).
    function initialize(Terms calldata terms_, address borrower_, address lender_) external;

    /// @notice Approve and fund the facility: read the borrower's latest usable risk score (approved model
    /// version, unexpired, not stale), map its PD to a credit margin through the buckets, record the decision,
    /// pull the commitment from the lender and raise the facility's ImpactAttribution claim on the project (its
    /// position was opened, empty, at the proposal) to the commitment.
    /// @dev Caller: the lender, a Kind.Bank in good standing. Reverts LoanUnauthorized, LoanWrongState,
    /// NetworkPaused, ComplianceRefused, LoanProjectNotEligible, the RiskOracle's NoScore / ScoreExpired /
    /// ScoreStale / ModelNotApproved, LoanScoreAboveLimit, ExactTransfersAmountMismatch, the attribution's
    /// errors. Emits LoanApproved, LoanStateChanged.
    function approve() external;

    /// @notice Cancel the facility before any drawdown: the funded commitment (if any) returns to the lender.
    /// @dev Caller: the borrower or the lender. Reverts LoanUnauthorized, LoanWrongState (not Proposed or
    /// Approved). Emits CommitmentCancelled (when funded), LoanStateChanged.
    function cancel() external;

    /// @notice Cancel `amount` of the undrawn commitment; it becomes withdrawable by the lender.
    /// @dev Caller: the borrower. Reverts LoanUnauthorized, LoanWrongState (not Approved or Active),
    /// LoanZeroAmount, LoanExceedsCommitment. Emits CommitmentCancelled.
    function cancelCommitment(uint256 amount) external;

    // ---------------------------------------------------------------- money

    /// @notice Draw `amount` for the financed project; it becomes withdrawable by the borrower. The borrower's
    /// latest usable score is checked on every drawdown.
    /// @dev Caller: the borrower, in good standing (not frozen). Reverts LoanUnauthorized, LoanWrongState (not
    /// Approved or Active), LoanZeroAmount, LoanAvailabilityEnded, LoanExceedsCommitment, LoanExceedsUnlocked,
    /// LoanLockedUp, NetworkPaused, ComplianceRefused, LoanProjectNotEligible, NoScore / ScoreExpired /
    /// ScoreStale / ModelNotApproved, LoanScoreAboveLimit. Emits LoanDrawn (and LoanStateChanged at the first).
    function draw(uint256 amount) external;

    /// @notice Repay `amount`, applied to fees, then interest (incl. late interest), then principal; principal
    /// paid beyond what is due is a prepayment (no penalty) that reduces the later instalments. Paying
    /// everything owed ends the facility (Repaid) and returns any undrawn commitment to the lender.
    /// `amount = type(uint256).max` (REPAY_ALL) pays exactly everything owed at the block.
    /// @dev Caller: the borrower, in good standing. Reverts LoanUnauthorized, LoanWrongState (not Active,
    /// Impaired or Defaulted), LoanZeroAmount, LoanRepaymentExceedsDebt, NetworkPaused, ComplianceRefused,
    /// ExactTransfersAmountMismatch. Emits LoanRepayment (and LoanStateChanged, CommitmentCancelled when repaid).
    function repay(uint256 amount) external;

    /// @notice Withdraw what is credited to the caller (the borrower's drawn proceeds, the lender's
    /// repayments and returned commitment).
    /// @dev Caller: the borrower or the lender with a balance, in good standing. Reverts
    /// LoanNothingToWithdraw, NetworkPaused, ComplianceRefused. Emits LoanWithdrawn.
    function withdraw() external;

    // ---------------------------------------------------------------- pricing and covenants

    /// @notice Reprice the credit margin from the borrower's newer usable score: the margin moves toward the
    /// score's bucket by at most maxRepricingStepBps, no sooner than minRepricingInterval after the last
    /// pricing. Interest accrued so far keeps the old rate (forward-only).
    /// @dev Caller: anyone. Reverts LoanWrongState (not Approved, Active or Impaired), LoanRepricingTooEarly,
    /// NoScore / ScoreExpired / ScoreStale / ModelNotApproved, LoanScoreNotNewer, LoanScoreAboveLimit.
    /// Emits LoanRepriced.
    function reprice() external;

    /// @notice Observe period `period` (in order, after its end): the output attributed to this facility
    /// since the last observation sets the KPI outcome (ratchet step within floor and cap) and the DSCR
    /// (lock-up, cash sweep, default count). Reads only on-chain data.
    /// @dev Caller: anyone. Reverts LoanWrongState (not Approved, Active or Impaired), LoanUnknownPeriod,
    /// LoanObservationOutOfOrder, LoanPeriodNotEnded, ImpactAttributionReportsUnavailable. Emits LoanObserved
    /// (and CashSwept under lock-up with excess cash).
    function observe(uint256 period) external;

    // ---------------------------------------------------------------- lender remedies

    /// @notice Mark the facility impaired while something is overdue: no more drawdowns.
    /// @dev Caller: the lender. Reverts LoanUnauthorized, LoanWrongState (not Active), LoanNothingOverdue.
    /// Emits LoanImpaired, LoanStateChanged.
    function impair() external;

    /// @notice Call the facility (Impaired, or the DSCR below the default level for defaultPeriods
    /// consecutive observations): all principal is due at once, the undrawn commitment returns to the lender.
    /// @dev Caller: the lender. Reverts LoanUnauthorized, LoanWrongState (not Active or Impaired),
    /// LoanNotCallable. Emits LoanCalled, CommitmentCancelled (when undrawn), LoanStateChanged.
    function callLoan() external;

    /// @notice Write off what is still owed on a defaulted facility, ending it.
    /// @dev Caller: the lender. Reverts LoanUnauthorized, LoanWrongState (not Defaulted). Emits
    /// LoanWrittenOff, LoanStateChanged.
    function writeOff() external;

    // ---------------------------------------------------------------- views

    /// @notice The terms.
    function terms() external view returns (Terms memory);
    /// @notice The current state.
    function state() external view returns (State);
    /// @notice The borrower.
    function borrower() external view returns (address);
    /// @notice The lender.
    function lender() external view returns (address);
    /// @notice What is owed now, accrued to this block.
    function debt() external view returns (Debt memory);
    /// @notice The pricing state (recorded score, credit margin, ratchet, rate).
    function pricing() external view returns (Pricing memory);
    /// @notice The last observation's summary (period 0 and outcome None before the first); past periods are in
    /// the LoanObserved events.
    function lastObservation() external view returns (LastObservation memory);
    /// @notice The next period to observe (1-based; periods + 1 when all are observed).
    function nextObservation() external view returns (uint256);
    /// @notice Consecutive observations with DSCR below the default level.
    function breaches() external view returns (uint8);
    /// @notice Whether the last observation put the facility in lock-up.
    function lockedUp() external view returns (bool);
    /// @notice The money totals.
    function ledger() external view returns (Ledger memory);
    /// @notice Commitment not drawn and not cancelled.
    function undrawn() external view returns (uint256);
    /// @notice What the met milestones unlock so far (Σ amounts of tranches whose threshold is reached).
    function unlocked() external view returns (uint256);
    /// @notice The settlement base units `account` may withdraw.
    function withdrawable(address account) external view returns (uint256);
    /// @notice When period `period` ends (startDate + period × periodLength). Reverts LoanUnknownPeriod.
    function periodEnd(uint256 period) external view returns (uint64);
    /// @notice Cumulative principal scheduled by the end of `period` for the principal drawn so far
    /// (amortising: floor(drawn × period / periods); bullet: drawn at the last period, else 0). Reverts LoanUnknownPeriod.
    function scheduledPrincipal(uint256 period) external view returns (uint256);
    /// @notice The credit margin the buckets give a PD of `scoreBps`. Reverts LoanScoreAboveLimit.
    function marginForScore(uint16 scoreBps) external view returns (uint16);
    /// @notice Where the facility claims its project's output (the suite's ImpactAttribution).
    function attribution() external view returns (IImpactAttribution);
}
