// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../interfaces/IProjectRegistry.sol";
import {IImpactAttribution} from "../interfaces/IImpactAttribution.sol";
import {IRiskOracle} from "../interfaces/IRiskOracle.sol";
import {IGreenLoan} from "../interfaces/IGreenLoan.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";
import {ExactTransfers} from "../utils/ExactTransfers.sol";
import {LoanMath} from "./LoanMath.sol";
import {LoanTerms} from "./LoanTerms.sol";

/// @title GreenLoan
/// @notice One green / sustainability-linked loan facility (see IGreenLoan and docs/loans.md). Deployed once
/// as an implementation wired to the suite and cloned per facility by GreenLoanFactory (EIP-1167).
/// @dev Interest is kept as an exact numerator (principal × rateBps × seconds summed over spans of constant
/// principal, rate and overdue amount); only whole base units are ever owed or paid, the fraction stays
/// accrued. The lender's and the borrower's withdrawable balances are derived from the ledger, so every base
/// unit the facility holds is in exactly one of: undrawn, borrower's, lender's.
contract GreenLoan is IGreenLoan, ComplianceGuard {
    using SafeERC20 for IERC20;

    /// @notice `repay(REPAY_ALL)` repays everything owed at the block (interest grows by the second).
    uint256 public constant REPAY_ALL = type(uint256).max;

    /// @notice The settlement token every amount is in.
    IERC20 public immutable settlementToken;
    /// @notice Where the financed project's developer and status are read.
    IProjectRegistry public immutable projectRegistry;
    /// @inheritdoc IGreenLoan
    IImpactAttribution public immutable attribution;
    /// @notice Where the borrower's AI risk scores are read (the AI decision ledger).
    IRiskOracle public immutable riskOracle;

    // ---------------------------------------------------------------- storage

    /// @dev The hot slot (248 bits): written by every accruing call; holds the copies of the terms every
    /// accrual reads (periods, repayment, late rate, dates) and the last observation's summary.
    struct Slot0 {
        State state;
        bool locked; // reentrancy lock
        bool lockedUp; // DSCR covenant lock-up (last observation)
        uint8 breaches; // consecutive observations below the default DSCR
        uint8 boundaries; // period ends already processed by _accrue (≤ MAX_PERIODS)
        uint8 nextObservation; // ≤ MAX_PERIODS + 1
        uint8 periods; // terms.periods
        Repayment repayment; // terms.repayment
        KpiOutcome lastOutcome; // the last observation's KPI outcome
        uint16 rateBps; // base + margin: the contractual rate now
        uint16 lateBps; // terms.lateInterestBps
        uint32 lastDscrBps; // the last observation's DSCR (LoanLockedUp reports it)
        uint32 periodLength;
        uint40 cursor; // interest accrued up to here (timestamps < 2^40)
        uint40 startDate;
    }

    /// @dev The interest numerator (see LoanMath.DENOMINATOR) and the fees + interest that fell due at a period end
    /// and are unpaid, a slot each: neither is bounded by the terms (late interest accrues on overdue interest),
    /// so each keeps 248 bits (unpaid interest up to ~2^210 base units). The flags (set at initialize) keep both
    /// slots non-zero, so no accrual or payment writes a fresh slot.
    struct Accrued {
        uint248 num;
        bool numOpened;
        uint248 due;
        bool dueOpened;
    }

    /// @dev The borrower and the principal drawn (≤ commitment < 2^96): read together by every borrower call.
    struct BorrowerSlot {
        address borrower;
        uint96 drawn;
    }

    /// @dev The commitment (copied from the terms), what of it was cancelled, the availability end and the flags:
    /// written non-zero at initialize, so approval and drawdowns write a warm, non-zero slot.
    struct CommitmentSlot {
        uint96 commitment;
        uint96 cancelled; // ≤ commitment
        uint40 availabilityEnd;
        bool initialized;
        bool funded; // the lender paid the commitment in (approval): Ledger.funded = commitment
        bool gated; // some tranche has an output threshold
    }

    /// @dev Pricing in one slot (256 bits) with the base rate the margin is added to (a copy of terms.baseRateBps,
    /// so a rate change reads no terms slot for it); its rateBps is Slot0.rateBps. `opened` is set at initialize so
    /// that approval writes a non-zero slot.
    struct PricingSlot {
        uint16 scoreBps;
        uint64 modelVersion;
        uint64 scoreTimestamp;
        uint40 repricedAt;
        uint16 creditMarginBps;
        int16 ratchetBps;
        uint16 marginBps;
        bool opened;
        uint16 baseRateBps; // terms.baseRateBps
    }

    /// @dev Copies of the terms every observation reads, in two slots instead of five (written once at
    /// initialize, like the terms, and never changed). The bounds are LoanTerms': tariff, opex, target < 2^128.
    struct CovenantSlots {
        uint128 tariffPerMWh;
        uint128 opexPerPeriod;
        uint128 kpiTargetWh;
        uint32 observationGrace;
        uint32 lockupDscrBps;
        uint32 defaultDscrBps;
    }

    /// @dev The principal and interest paid: one slot, read and written once by every repayment.
    struct Paid {
        uint128 principal;
        uint128 interest;
    }

    /// @dev The rest of the Ledger in uint128 pairs, grouped by the calls that touch them together (the fees still
    /// owed, written only while fees are paid, and the sweeps, both read by every accrual). Principal outstanding is
    /// not stored: it is drawn − principal paid (see _outstanding); fees paid are the fee charged − fees owed. Every
    /// write goes through SafeCast: amounts are bounded by the commitment (< 2^96) or by the token's supply.
    struct LedgerSlots {
        uint128 writtenOff;
        uint128 observedWh; // attributed output taken in by observations so far
        uint128 feesOwed; // the arrangement fee charged at the first drawdown and not yet paid (≤ commitment)
        uint128 swept;
        uint128 withdrawnByBorrower;
        uint128 withdrawnByLender;
    }

    Slot0 private _s;
    BorrowerSlot private _b;
    CommitmentSlot private _c;
    Accrued private _accruedSlot;
    PricingSlot private _pricing;
    CovenantSlots private _covenants;
    address private _lender;
    Paid private _paid;
    LedgerSlots private _ledger;
    Terms private _terms;

    // ---------------------------------------------------------------- construction

    constructor(
        IParticipantRegistry registry_,
        IERC20 settlementToken_,
        IProjectRegistry projectRegistry_,
        IImpactAttribution attribution_,
        IRiskOracle riskOracle_
    ) ComplianceGuard(registry_) {
        settlementToken = settlementToken_;
        projectRegistry = projectRegistry_;
        attribution = attribution_;
        riskOracle = riskOracle_;
        _c.initialized = true; // the implementation itself is never a facility
    }

    /// @inheritdoc IGreenLoan
    function initialize(Terms calldata t, address borrower_, address lender_) external {
        if (_c.initialized) revert LoanAlreadyInitialized();
        LoanTerms.validate(t, borrower_, lender_);
        _terms = t;
        _b.borrower = borrower_;
        _lender = lender_;
        bool gated;
        for (uint256 k = 0; k < 4; ++k) {
            if (t.trancheThresholdsWh[k] != 0) gated = true;
        }
        // Bounds checked by LoanTerms: commitment < 2^96, dates < 2^40, periods ≤ MAX_PERIODS.
        _c = CommitmentSlot(uint96(t.commitment), 0, uint40(t.availabilityEnd), true, false, gated);
        Slot0 storage s = _s; // state Proposed, nothing accrued or observed: the other fields stay 0
        (s.nextObservation, s.periods, s.repayment, s.lateBps) = (1, uint8(t.periods), t.repayment, t.lateInterestBps);
        (s.periodLength, s.startDate) = (t.periodLength, uint40(t.startDate));
        (_pricing.opened, _pricing.baseRateBps) = (true, t.baseRateBps);
        // Bounds checked by LoanTerms: tariff, opex, KPI target < 2^128.
        _covenants = CovenantSlots(
            uint128(t.tariffPerMWh),
            uint128(t.opexPerPeriod),
            uint128(t.kpiTargetWh),
            t.observationGrace,
            t.lockupDscrBps,
            t.defaultDscrBps
        );
        (_accruedSlot.numOpened, _accruedSlot.dueOpened) = (true, true);
        emit LoanInitialized(borrower_, lender_, t.projectId, _terms); // from storage: shares the terms() encoder
        // The proposal pays for its (empty) attribution position: it holds no claim until approval.
        attribution.open(t.projectId);
    }

    modifier nonReentrant() {
        _setLock(true);
        _;
        _setLock(false);
    }

    /// @dev The reentrancy lock (a function, not inlined code, in each of the four guarded entry points).
    function _setLock(bool on) private {
        if (on && _s.locked) revert LoanWrongState(_s.state);
        _s.locked = on;
    }

    // ---------------------------------------------------------------- approval and cancellation

    /// @inheritdoc IGreenLoan
    function approve() external nonReentrant whenNetworkActive {
        _only(_lender);
        _requireState(State.Proposed);
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Bank);
        address borrower_ = _b.borrower;
        _requireEligibleProject(borrower_);
        IRiskOracle.Score memory score = riskOracle.latestScore(borrower_);
        uint16 margin = _marginOrRevert(score.scoreBps);
        uint256 commitment = _c.commitment;
        Pricing memory p;
        (p.scoreBps, p.modelVersion, p.scoreTimestamp) = (score.scoreBps, uint64(score.modelVersion), score.timestamp);
        (p.repricedAt, p.creditMarginBps) = (uint64(block.timestamp), margin);
        _setMargin(p, 0); // the bucket margins lie within floor and cap: the ratchet stays 0
        Slot0 storage s = _s;
        s.cursor = uint40(block.timestamp);
        s.boundaries = _periodsEnded(s); // the cursor and the period ends processed move together
        _c.funded = true;
        _setState(State.Approved);
        emit LoanApproved(
            score.modelVersion, score.scoreBps, score.inputHash, score.explanationHash, score.timestamp, margin, commitment
        );
        // The facility counts only output verified from approval on (ImpactAttribution, a suite contract).
        attribution.claim(_terms.projectId, commitment);
        ExactTransfers.pullExact(settlementToken, msg.sender, commitment);
    }

    /// @inheritdoc IGreenLoan
    function cancel() external {
        address borrower_ = _b.borrower;
        if (msg.sender != borrower_ && msg.sender != _lender) revert LoanUnauthorized(msg.sender, borrower_);
        State st = _s.state;
        if (st != State.Proposed && st != State.Approved) revert LoanWrongState(st);
        _setState(State.Cancelled);
        if (st == State.Approved) {
            _cancelUndrawn();
            attribution.release(_terms.projectId, _c.commitment);
        }
    }

    /// @inheritdoc IGreenLoan
    function cancelCommitment(uint256 amount) external {
        _only(_b.borrower);
        State st = _s.state;
        if (st != State.Approved && st != State.Active) revert LoanWrongState(st);
        if (amount == 0) revert LoanZeroAmount();
        uint256 free = undrawn();
        if (amount > free) revert LoanExceedsCommitment(amount, free);
        _c.cancelled += uint96(amount); // ≤ commitment < 2^96
        emit CommitmentCancelled(amount, free - amount);
    }

    // ---------------------------------------------------------------- money

    /// @inheritdoc IGreenLoan
    function draw(uint256 amount) external nonReentrant whenNetworkActive {
        BorrowerSlot memory b_ = _b;
        _only(b_.borrower);
        Slot0 memory s = _load0();
        if (s.state != State.Approved && s.state != State.Active) revert LoanWrongState(s.state);
        if (amount == 0) revert LoanZeroAmount();
        CommitmentSlot memory c = _loadC();
        if (block.timestamp >= c.availabilityEnd) revert LoanAvailabilityEnded(c.availabilityEnd);
        uint256 drawn = b_.drawn;
        uint256 free = _undrawn(c, drawn);
        if (amount > free) revert LoanExceedsCommitment(amount, free);
        uint256 available = _unlocked(c) - drawn;
        if (amount > available) revert LoanExceedsUnlocked(amount, available);
        if (s.lockedUp) revert LoanLockedUp(s.lastDscrBps, _terms.lockupDscrBps);
        _requireCanHold(msg.sender);
        _requireEligibleProject(msg.sender);
        // The Huma lesson: no drawdown without a usable score of an approved model inside the buckets.
        IRiskOracle.Score memory score = riskOracle.latestScore(msg.sender);
        _marginOrRevert(score.scoreBps);
        _accrue();
        if (s.state == State.Approved) {
            uint256 fee = _feeCharged(c, 1);
            if (fee != 0) _ledger.feesOwed = uint128(fee); // ≤ commitment < 2^96
            _setState(State.Active);
        }
        drawn += amount; // ≤ commitment < 2^96
        _b.drawn = uint96(drawn);
        emit LoanDrawn(amount, drawn - _paid.principal, score.scoreBps, score.modelVersion);
    }

    /// @inheritdoc IGreenLoan
    function repay(uint256 amount) external nonReentrant whenNetworkActive {
        _only(_b.borrower);
        State st = _s.state;
        if (st != State.Active && st != State.Impaired && st != State.Defaulted) revert LoanWrongState(st);
        if (amount == 0) revert LoanZeroAmount();
        _requireCanHold(msg.sender);
        Accrued memory a = _accrue();
        (uint256 principal, uint256 fees) = _outstanding(st);
        uint256 interest = LoanMath.whole(a.num);
        uint256 owed = fees + interest + principal;
        if (amount == REPAY_ALL) amount = owed;
        else if (amount > owed) revert LoanRepaymentExceedsDebt(amount, owed);
        // The waterfall: fees, then interest, then principal.
        uint256 toFees = Math.min(amount, fees);
        uint256 toInterest = Math.min(amount - toFees, interest);
        uint256 toPrincipal = amount - toFees - toInterest;
        a.num -= uint248(toInterest * LoanMath.DENOMINATOR); // ≤ a.num
        a.due -= uint248(Math.min(a.due, toFees + toInterest));
        _accruedSlot = a;
        if (toFees != 0) _ledger.feesOwed = uint128(fees - toFees); // the fee is usually paid by the first repayment
        Paid memory paid = _paid;
        (paid.principal, paid.interest) = (_plus(paid.principal, toPrincipal), _plus(paid.interest, toInterest));
        _paid = paid;
        emit LoanRepayment(msg.sender, amount, toFees, toInterest, toPrincipal, principal - toPrincipal);
        if (amount == owed) _close(State.Repaid);
        ExactTransfers.pullExact(settlementToken, msg.sender, amount);
    }

    /// @inheritdoc IGreenLoan
    function withdraw() external nonReentrant whenNetworkActive {
        uint256 amount = withdrawable(msg.sender);
        if (amount == 0) revert LoanNothingToWithdraw(msg.sender);
        _requireCanHold(msg.sender);
        if (msg.sender == _b.borrower) _ledger.withdrawnByBorrower = _plus(_ledger.withdrawnByBorrower, amount);
        else _ledger.withdrawnByLender = _plus(_ledger.withdrawnByLender, amount);
        emit LoanWithdrawn(msg.sender, amount);
        settlementToken.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- pricing and covenants

    /// @inheritdoc IGreenLoan
    function reprice() external {
        State st = _s.state;
        if (st != State.Approved && st != State.Active && st != State.Impaired) revert LoanWrongState(st);
        Pricing memory p = _loadPricing();
        uint64 earliest = p.repricedAt + _terms.minRepricingInterval;
        if (block.timestamp < earliest) revert LoanRepricingTooEarly(earliest);
        IRiskOracle.Score memory score = riskOracle.latestScore(_b.borrower);
        if (score.timestamp <= p.scoreTimestamp) revert LoanScoreNotNewer(score.timestamp, p.scoreTimestamp);
        uint16 target = _marginOrRevert(score.scoreBps);
        _accrue(); // interest so far at the old rate: the new margin applies from now on only
        uint16 before = p.creditMarginBps;
        p.creditMarginBps = LoanMath.stepToward(before, target, _terms.maxRepricingStepBps);
        p.scoreBps = score.scoreBps;
        p.modelVersion = uint64(score.modelVersion);
        p.scoreTimestamp = score.timestamp;
        p.repricedAt = uint64(block.timestamp);
        _setMargin(p, p.ratchetBps);
        emit LoanRepriced(
            score.modelVersion,
            score.scoreBps,
            score.inputHash,
            score.explanationHash,
            score.timestamp,
            target,
            before,
            p.creditMarginBps
        );
    }

    /// @inheritdoc IGreenLoan
    function observe(uint256 period) external {
        Slot0 memory s = _load0();
        if (s.state != State.Approved && s.state != State.Active && s.state != State.Impaired) {
            revert LoanWrongState(s.state);
        }
        Terms storage t = _terms;
        if (period == 0 || period > s.periods) revert LoanUnknownPeriod(period);
        if (period != s.nextObservation) revert LoanObservationOutOfOrder(period, s.nextObservation);
        uint64 end = _periodEnd(s, period);
        if (block.timestamp < end) revert LoanPeriodNotEnded(period, end);
        _accrue();
        uint256 wh = attribution.attributedWh(address(this), t.projectId);
        LedgerSlots storage l = _ledger;
        uint256 output = wh - l.observedWh; // attributed output never decreases
        l.observedWh = SafeCast.toUint128(wh);
        // The covenant first: the period's debt service is at the rate that ran during the period.
        uint32 dscr = _covenant(period, output);
        KpiOutcome outcome = _kpiOutcome(output, block.timestamp > uint256(end) + _covenants.observationGrace);
        Pricing memory p = _loadPricing();
        if (outcome != KpiOutcome.None) {
            int16 r = LoanMath.ratchet(
                p.ratchetBps, outcome == KpiOutcome.Met, t.ratchetStepBps, p.creditMarginBps, t.marginFloorBps, t.marginCapBps
            );
            _setMargin(p, r);
        }
        Slot0 storage next = _s;
        (next.nextObservation, next.lastOutcome, next.lastDscrBps) = (uint8(period + 1), outcome, dscr);
        emit LoanObserved(period, outcome, output, dscr, p.ratchetBps, p.marginBps, next.lockedUp, next.breaches);
    }

    // ---------------------------------------------------------------- lender remedies

    /// @inheritdoc IGreenLoan
    function impair() external {
        _only(_lender);
        _requireState(State.Active);
        _accrue();
        uint256 overdue = _overdue();
        if (overdue == 0) revert LoanNothingOverdue();
        _setState(State.Impaired);
        emit LoanImpaired(overdue);
    }

    /// @inheritdoc IGreenLoan
    function callLoan() external {
        _only(_lender);
        State st = _s.state;
        if (st != State.Active && st != State.Impaired) revert LoanWrongState(st);
        uint8 count = _s.breaches;
        uint8 required = _terms.defaultPeriods;
        if (st != State.Impaired && count < required) revert LoanNotCallable(count, required);
        _accrue();
        _setState(State.Defaulted);
        (uint256 principal, uint256 fees) = _outstanding(State.Defaulted);
        _accruedSlot.due = uint248(fees + LoanMath.whole(_accruedSlot.num)); // everything is due now
        emit LoanCalled(principal, count);
        _cancelUndrawn();
    }

    /// @inheritdoc IGreenLoan
    function writeOff() external {
        _only(_lender);
        _requireState(State.Defaulted);
        _accrue();
        (uint256 principal, uint256 fees) = _outstanding(State.Defaulted);
        uint256 interest = LoanMath.whole(_accruedSlot.num);
        _ledger.writtenOff = _plus(_ledger.writtenOff, principal + interest + fees);
        emit LoanWrittenOff(principal, interest, fees);
        _close(State.WrittenOff);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IGreenLoan
    function terms() external view returns (Terms memory) {
        return _terms;
    }

    /// @inheritdoc IGreenLoan
    function state() external view returns (State) {
        return _s.state;
    }

    /// @inheritdoc IGreenLoan
    function borrower() external view returns (address) {
        return _b.borrower;
    }

    /// @inheritdoc IGreenLoan
    function lender() external view returns (address) {
        return _lender;
    }

    /// @inheritdoc IGreenLoan
    function debt() external view returns (Debt memory d) {
        Slot0 memory s = _load0();
        (uint256 num, uint256 due, uint256 boundaries) = _accrued(s);
        (d.principal, d.fees) = _outstanding(s.state);
        d.interest = LoanMath.whole(num);
        d.overdue = due + _principalShortfall(s, boundaries, d.principal);
        d.total = d.principal + d.fees + d.interest;
    }

    /// @inheritdoc IGreenLoan
    function pricing() external view returns (Pricing memory) {
        return _loadPricing();
    }

    /// @inheritdoc IGreenLoan
    function lastObservation() external view returns (LastObservation memory) {
        Slot0 memory s = _load0();
        return LastObservation(s.nextObservation - 1, s.lastOutcome, s.lastDscrBps, s.lockedUp, s.breaches);
    }

    /// @inheritdoc IGreenLoan
    function nextObservation() external view returns (uint256) {
        return _s.nextObservation;
    }

    /// @inheritdoc IGreenLoan
    function breaches() external view returns (uint8) {
        return _s.breaches;
    }

    /// @inheritdoc IGreenLoan
    function lockedUp() external view returns (bool) {
        return _s.lockedUp;
    }

    /// @inheritdoc IGreenLoan
    function ledger() external view returns (Ledger memory l) {
        LedgerSlots memory s = _ledger;
        CommitmentSlot memory c = _loadC();
        l.funded = c.funded ? c.commitment : 0;
        l.drawn = _b.drawn;
        l.cancelled = c.cancelled;
        l.feesPaid = _feeCharged(c, l.drawn) - s.feesOwed;
        Paid memory paid = _paid;
        (l.interestPaid, l.principalPaid) = (paid.interest, paid.principal);
        l.received = l.feesPaid + l.interestPaid + l.principalPaid;
        l.swept = s.swept;
        l.writtenOff = s.writtenOff;
        l.withdrawnByBorrower = s.withdrawnByBorrower;
        l.withdrawnByLender = s.withdrawnByLender;
    }

    /// @inheritdoc IGreenLoan
    function undrawn() public view returns (uint256) {
        return _undrawn(_c, _b.drawn);
    }

    /// @inheritdoc IGreenLoan
    function unlocked() external view returns (uint256) {
        return _unlocked(_c);
    }

    /// @inheritdoc IGreenLoan
    function withdrawable(address account) public view returns (uint256) {
        LedgerSlots storage l = _ledger;
        BorrowerSlot memory b = _b;
        if (account == b.borrower) return uint256(b.drawn) - l.withdrawnByBorrower;
        if (account == _lender) {
            CommitmentSlot memory c = _loadC();
            uint256 feesPaid = _feeCharged(c, b.drawn) - l.feesOwed;
            Paid memory paid = _paid;
            return uint256(c.cancelled) + feesPaid + paid.interest + paid.principal - l.withdrawnByLender;
        }
        return 0;
    }

    /// @inheritdoc IGreenLoan
    function periodEnd(uint256 period) external view returns (uint64) {
        Slot0 memory s = _load0();
        if (period == 0 || period > s.periods) revert LoanUnknownPeriod(period);
        return _periodEnd(s, period);
    }

    /// @inheritdoc IGreenLoan
    function scheduledPrincipal(uint256 period) public view returns (uint256) {
        Slot0 memory s = _load0();
        if (period == 0 || period > s.periods) revert LoanUnknownPeriod(period);
        return LoanMath.scheduledPrincipal(s.repayment, _b.drawn, period, s.periods);
    }

    /// @inheritdoc IGreenLoan
    function marginForScore(uint16 scoreBps) external view returns (uint16) {
        return _marginOrRevert(scoreBps);
    }

    // ---------------------------------------------------------------- internals: interest

    /// @dev Brings the interest numerator, the due amounts and the processed period ends up to this block;
    /// returns the accrued slot as stored (a repayment changes it without reading it again).
    function _accrue() private returns (Accrued memory a) {
        Slot0 memory s = _load0();
        if (s.cursor == block.timestamp) return _accruedSlot;
        (uint256 num, uint256 due, uint256 boundaries) = _accrued(s);
        a = Accrued(SafeCast.toUint248(num), true, uint248(due), true); // due ≤ fees + whole(num)
        _accruedSlot = a;
        _s.boundaries = uint8(boundaries); // ≤ periods ≤ MAX_PERIODS
        _s.cursor = uint40(block.timestamp);
    }

    /// @dev Interest accrues on the principal at the contractual rate and on the overdue amount at the late
    /// rate, in spans cut at each period end; at a period end all accrued fees and interest fall due. The loop
    /// runs once per period end crossed since the last accrual: at most `periods` ≤ MAX_PERIODS times.
    function _accrued(Slot0 memory s) private view returns (uint256 num, uint256 due, uint256 boundaries) {
        Accrued memory a = _accruedSlot;
        (num, due, boundaries) = (a.num, a.due, s.boundaries);
        uint256 t = s.cursor;
        if (t == 0 || s.state == State.Repaid || s.state == State.WrittenOff) return (num, due, boundaries);
        (uint256 principal, uint256 fees) = _outstanding(s.state);
        while (boundaries < s.periods) {
            uint256 end = _periodEnd(s, boundaries + 1);
            if (end > block.timestamp) break;
            if (end > t) {
                num += _span(s, principal, due + _principalShortfall(s, boundaries, principal), end - t);
                t = end;
            }
            ++boundaries;
            due = fees + LoanMath.whole(num);
        }
        num += _span(s, principal, due + _principalShortfall(s, boundaries, principal), block.timestamp - t);
    }

    function _span(Slot0 memory s, uint256 principal, uint256 overdue, uint256 elapsed) private pure returns (uint256) {
        return LoanMath.interestNumerator(principal, s.rateBps, elapsed)
            + LoanMath.interestNumerator(overdue, s.lateBps, elapsed);
    }

    /// @dev Principal due and unpaid after `boundaries` period ends: the schedule plus sweeps less what was
    /// paid, at most the principal outstanding (all of it once called).
    function _principalShortfall(Slot0 memory s, uint256 boundaries, uint256 principal) private view returns (uint256) {
        if (s.state == State.Defaulted) return principal;
        LedgerSlots storage l = _ledger;
        uint256 scheduled =
            boundaries == 0 ? 0 : LoanMath.scheduledPrincipal(s.repayment, _b.drawn, boundaries, s.periods);
        uint256 required = scheduled + l.swept;
        uint256 paid = _paid.principal;
        return required > paid ? Math.min(required - paid, principal) : 0;
    }

    function _overdue() private view returns (uint256) {
        Slot0 memory s = _load0();
        (uint256 principal,) = _outstanding(s.state);
        return _accruedSlot.due + _principalShortfall(s, s.boundaries, principal);
    }

    /// @dev How many period ends lie at or before now.
    function _periodsEnded(Slot0 storage s) private view returns (uint8) {
        uint256 start = s.startDate;
        if (block.timestamp < start) return 0;
        uint256 ended = (block.timestamp - start) / s.periodLength;
        uint256 periods = s.periods;
        return uint8(ended < periods ? ended : periods); // ≤ MAX_PERIODS
    }

    /// @dev The CommitmentSlot copied to memory (one copy routine, as for Slot0).
    function _loadC() private view returns (CommitmentSlot memory) {
        return _c;
    }

    /// @dev Slot0 copied to memory (one copy routine for every reader: keeps the runtime under EIP-170).
    function _load0() private view returns (Slot0 memory) {
        return _s;
    }

    function _periodEnd(Slot0 memory s, uint256 period) private pure returns (uint64) {
        // startDate < 2^40 and period × periodLength ≤ 120 × 366 days (LoanTerms): no overflow
        return uint64(s.startDate + period * s.periodLength);
    }

    // ---------------------------------------------------------------- internals: pricing and covenants

    function _marginOrRevert(uint16 scoreBps) private view returns (uint16 margin) {
        Terms storage t = _terms;
        (bool ok, uint16 m, uint16 maxBps) = LoanMath.bucketMargin(t.pdLimitsBps, t.marginsBps, scoreBps);
        if (!ok) revert LoanScoreAboveLimit(scoreBps, maxBps);
        return m;
    }

    /// @dev Applies credit margin + `ratchet` (clamped to floor and cap) as the rate from now on.
    function _setMargin(Pricing memory p, int256 ratchet) private {
        Terms storage t = _terms;
        p.ratchetBps = LoanMath.clampRatchet(ratchet, p.creditMarginBps, t.marginFloorBps, t.marginCapBps);
        // floor ≤ credit + ratchet ≤ cap ≤ 10000: the casts cannot truncate
        p.marginBps = uint16(uint256(int256(uint256(p.creditMarginBps)) + p.ratchetBps));
        uint16 base = _pricing.baseRateBps;
        p.rateBps = base + p.marginBps;
        _pricing = PricingSlot({
            scoreBps: p.scoreBps,
            modelVersion: p.modelVersion,
            scoreTimestamp: p.scoreTimestamp,
            repricedAt: uint40(p.repricedAt), // a block timestamp (< 2^40)
            creditMarginBps: p.creditMarginBps,
            ratchetBps: p.ratchetBps,
            marginBps: p.marginBps,
            opened: true,
            baseRateBps: base
        });
        _s.rateBps = p.rateBps;
    }

    /// @dev The pricing record as the view returns it (its rate is the contractual rate in Slot0).
    function _loadPricing() private view returns (Pricing memory) {
        PricingSlot memory p = _pricing;
        return Pricing({
            scoreBps: p.scoreBps,
            modelVersion: p.modelVersion,
            scoreTimestamp: p.scoreTimestamp,
            repricedAt: p.repricedAt,
            creditMarginBps: p.creditMarginBps,
            ratchetBps: p.ratchetBps,
            marginBps: p.marginBps,
            rateBps: _s.rateBps
        });
    }

    function _kpiOutcome(uint256 output, bool late) private view returns (KpiOutcome) {
        uint256 target = _covenants.kpiTargetWh;
        if (target == 0) return KpiOutcome.None;
        if (late) return KpiOutcome.Stale;
        if (output == 0) return KpiOutcome.Missing;
        return output >= target ? KpiOutcome.Met : KpiOutcome.Missed;
    }

    /// @dev The DSCR of `period` from its attributed `output`: sets lock-up (with the cash sweep) and the
    /// count of consecutive default-level periods.
    function _covenant(uint256 period, uint256 output) private returns (uint32 dscr) {
        CovenantSlots storage t = _covenants;
        (uint256 principal,) = _outstanding(State.Active);
        uint256 net = LoanMath.netCash(output, t.tariffPerMWh, t.opexPerPeriod);
        Slot0 storage s = _s;
        uint256 service =
            LoanMath.debtService(s.repayment, _b.drawn, period, s.periods, principal, s.rateBps, s.periodLength);
        dscr = LoanMath.dscrBps(net, service);
        bool lock = dscr < t.lockupDscrBps;
        s.lockedUp = lock;
        if (dscr < t.defaultDscrBps) {
            if (s.breaches < type(uint8).max) ++s.breaches;
        } else {
            s.breaches = 0;
        }
        if (lock && net > service) {
            uint256 sweep = Math.min(net - service, principal);
            if (sweep != 0) {
                _ledger.swept = _plus(_ledger.swept, sweep);
                emit CashSwept(period, sweep);
            }
        }
    }

    // ---------------------------------------------------------------- internals: state

    /// @dev Principal and fees outstanding, derived from the ledger totals (no slot of their own, so a repayment
    /// reads and writes one slot fewer): principal = drawn − principal paid, fees = what is left of the fee charged
    /// at the first drawdown. Nothing once written off (the write-off recorded both). Repaid: both are 0 already.
    function _outstanding(State st) private view returns (uint256 principal, uint256 fees) {
        if (st == State.WrittenOff) return (0, 0);
        return (uint256(_b.drawn) - _paid.principal, _ledger.feesOwed);
    }

    /// @dev The arrangement fee charged at the first drawdown (nothing before one: `drawn` is 0).
    function _feeCharged(CommitmentSlot memory c, uint256 drawn) private view returns (uint256) {
        return drawn == 0 ? 0 : uint256(c.commitment) * _terms.arrangementFeeBps / LoanMath.BPS;
    }

    /// @dev Ends the facility: nothing more is owed, the undrawn commitment goes back, the claim is released.
    function _close(State to) private {
        _accruedSlot = Accrued(0, true, 0, true); // a fraction of a base unit at most: whole units were paid or written off
        _setState(to);
        _cancelUndrawn();
        attribution.release(_terms.projectId, _c.commitment);
    }

    /// @dev `total + amount` as a Ledger field (reverts SafeCastOverflowedUintDowncast past 2^128 − 1).
    function _plus(uint128 total, uint256 amount) private pure returns (uint128) {
        return SafeCast.toUint128(total + amount);
    }

    function _cancelUndrawn() private {
        uint256 free = undrawn();
        if (free == 0) return;
        _c.cancelled += uint96(free); // cancelled + free ≤ commitment < 2^96
        emit CommitmentCancelled(free, 0);
    }

    /// @dev Commitment funded and neither drawn nor cancelled.
    function _undrawn(CommitmentSlot memory c, uint256 drawn) private pure returns (uint256) {
        return c.funded ? uint256(c.commitment) - drawn - c.cancelled : 0;
    }

    /// @dev What the met tranches unlock (see IGreenLoan.unlocked).
    function _unlocked(CommitmentSlot memory c) private view returns (uint256 amount) {
        if (!c.gated) return c.commitment; // no tranche waits for output
        Terms storage t = _terms;
        uint256 since = attribution.attributedWh(address(this), t.projectId);
        for (uint256 k = 0; k < 4; ++k) {
            if (since >= t.trancheThresholdsWh[k]) amount += t.trancheAmounts[k];
        }
    }

    function _setState(State to) private {
        State from = _s.state;
        _s.state = to;
        emit LoanStateChanged(from, to);
    }

    function _requireState(State expected) private view {
        State actual = _s.state;
        if (actual != expected) revert LoanWrongState(actual);
    }

    function _only(address expected) private view {
        if (msg.sender != expected) revert LoanUnauthorized(msg.sender, expected);
    }

    function _requireEligibleProject(address borrower_) private view {
        uint256 id = _terms.projectId;
        if (!projectRegistry.isActive(id) || projectRegistry.developerOf(id) != borrower_) {
            revert LoanProjectNotEligible(id);
        }
    }
}
