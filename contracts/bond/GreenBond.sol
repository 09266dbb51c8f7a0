// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../interfaces/IProjectRegistry.sol";
import {IMonitoringReports} from "../interfaces/IMonitoringReports.sol";
import {IImpactAttribution} from "../interfaces/IImpactAttribution.sol";
import {IRiskOracle} from "../interfaces/IRiskOracle.sol";
import {IGreenBond} from "../interfaces/IGreenBond.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";
import {ExactTransfers} from "../utils/ExactTransfers.sol";
import {CouponRecords} from "./CouponRecords.sol";

/// @title GreenBond
/// @notice One green bond series. Deployed once as an implementation (the suite's shared contracts
/// are its immutables) and cloned per series by GreenBondFactory (EIP-1167), so a series costs a
/// clone, not a 20 kB deployment.
/// @dev Coupons: every bond earns the same exact amount per period (couponPerBond, integer base
/// units), so the issuer deposits couponPerBond × totalSupply. A holder is owed, for each funded period,
/// its balance at that period's record date × couponPerBond (CouponRecords keeps those balances lazily,
/// on balance changes only). No fraction is ever rounded: Σ claims = deposits.
contract GreenBond is IGreenBond, ERC20, ReentrancyGuard, ComplianceGuard {
    using SafeERC20 for IERC20;
    using CouponRecords for CouponRecords.Holder;

    /// @notice At most this many distinct projects per series (bounds the KPI and impact loops).
    uint256 public constant MAX_PROJECTS = 8;
    /// @notice At most this many coupon periods.
    uint256 public constant MAX_PERIODS = 120;
    /// @notice After the issue date the issuer has this long to settle before anyone may abandon the issue.
    uint64 public constant SETTLEMENT_GRACE = 7 days;
    /// @notice A period's record date is this long before its payment date.
    uint64 public constant RECORD_LAG = 1 days;
    uint256 private constant _YEAR = 365 days;

    IERC20 public immutable settlementToken;
    IProjectRegistry public immutable projectRegistry;
    /// @notice Where the series claims its projects' output and reads what is attributed to it.
    IImpactAttribution public immutable attribution;
    IRiskOracle public immutable riskOracle;

    // ---------------------------------------------------------------- storage

    /// @dev The hot slot read on every transfer: status and the coupon schedule the record dates follow.
    struct State {
        Status status;
        bool called;
        uint32 nextPeriod; // the next period to fund (1-based)
        uint64 issueDate;
        uint32 periodLength; // seconds: 365 days / couponFrequency
        uint8 periods;
    }

    State private _state;
    Terms private _terms;
    address private _issuer;
    bool private _initialized;
    uint16 private _riskScore;
    uint16 private _steps;
    uint256 private _riskModelVersion;
    string private _name;
    string private _symbol;

    mapping(address holder => CouponRecords.Holder) private _holders;
    /// @dev Σ couponPerBond of periods 1..p, written when period p is funded.
    mapping(uint256 period => uint256) private _cumCoupon;
    mapping(uint256 period => bool) private _defaulted;
    mapping(uint256 observationIndex => KpiObservation) private _observations;
    mapping(uint256 observationIndex => uint16) private _stepsThrough;
    mapping(uint256 documentId => bytes32) private _documents;
    uint256 private _documentCount;

    Milestone[] private _milestones;
    uint256[] private _projects;
    /// @dev Proceeds amounts are < issueSize × denomination < 2^64 × 2^64 (both checked in _validate), so
    /// allocated and released share a slot: a release updates a slot its allocation already made non-zero.
    struct Book {
        uint128 allocated; // net of reallocations, incl. released
        uint128 released;
    }

    mapping(address developer => uint256) private _withdrawable;

    uint256 private _subscribed;
    uint256 private _refunded;
    Book private _proceeds; // the whole series: allocated net of reallocations, and released
    uint256 private _withdrawn;
    uint256 private _couponsDeposited;
    uint256 private _couponsClaimed;
    uint256 private _principalDeposited;
    uint256 private _redeemed;
    uint256 private _redemptionPrice;
    uint256 private _netted;

    // ---------------------------------------------------------------- construction

    constructor(
        IParticipantRegistry registry_,
        IERC20 settlementToken_,
        IProjectRegistry projectRegistry_,
        IImpactAttribution attribution_,
        IRiskOracle riskOracle_
    ) ERC20("", "") ComplianceGuard(registry_) {
        settlementToken = settlementToken_;
        projectRegistry = projectRegistry_;
        attribution = attribution_;
        riskOracle = riskOracle_;
        _initialized = true; // the implementation itself is never a series
    }

    /// @inheritdoc IGreenBond
    function initialize(Terms calldata t, address issuer_, string calldata name_, string calldata symbol_) external {
        if (_initialized) revert AlreadyInitialized();
        _validate(t, issuer_);
        _initialized = true;
        _terms = t;
        _issuer = issuer_;
        _name = name_;
        _symbol = symbol_;
        uint32 length = uint32(_YEAR / t.couponFrequency);
        // periods ≤ MAX_PERIODS = 120 (checked in _validate): fits uint8
        _state = State(Status.Subscription, false, 1, t.issueDate, length, uint8((t.maturityDate - t.issueDate) / length));
        emit BondInitialized(t.isin, issuer_, t);
    }

    function _validate(Terms calldata t, address issuer_) private view {
        if (issuer_ == address(0)) revert InvalidTerms("issuer");
        if (t.isin == bytes32(0)) revert InvalidTerms("isin");
        if (t.denomination == 0 || t.denomination > type(uint64).max) revert InvalidTerms("denomination");
        if (t.issueSize == 0) revert InvalidTerms("issueSize");
        if (t.minimumRaise == 0 || t.minimumRaise > t.issueSize) revert InvalidTerms("minimumRaise");
        if (t.subscriptionStart >= t.issueDate || t.issueDate <= block.timestamp) revert InvalidTerms("dates");
        uint8 f = t.couponFrequency;
        if (f != 1 && f != 2 && f != 4 && f != 12) revert InvalidTerms("couponFrequency");
        uint256 length = _YEAR / f;
        if (t.maturityDate <= t.issueDate || (t.maturityDate - t.issueDate) % length != 0) {
            revert InvalidTerms("maturityDate");
        }
        if ((t.maturityDate - t.issueDate) / length > MAX_PERIODS) revert InvalidTerms("maturityDate");
        if (t.couponRateBps > 10_000 || uint256(t.couponRateBps) + uint256(t.kpiStepBps) * MAX_PERIODS > type(uint16).max) {
            revert InvalidTerms("couponRate");
        }
        if (t.riskLimitBps > 10_000) revert InvalidTerms("riskLimitBps");
        // A call at or above par, so the unreleased proceeds netted at a call never exceed what is due.
        if (t.callDate != 0 && (t.callDate <= t.issueDate || t.callDate >= t.maturityDate || t.callPrice < t.denomination)) {
            revert InvalidTerms("call");
        }
    }

    // ---------------------------------------------------------------- ERC-20 metadata

    function name() public view override returns (string memory) {
        return _name;
    }

    function symbol() public view override returns (string memory) {
        return _symbol;
    }

    /// @notice Bonds are whole: one token is one bond of `terms().denomination` base units.
    function decimals() public pure override returns (uint8) {
        return 0;
    }

    // ---------------------------------------------------------------- documents

    /// @inheritdoc IGreenBond
    function addDocument(DocumentKind kind, bytes32 documentHash_, string calldata uri)
        external
        returns (uint256 documentId)
    {
        _onlyIssuer();
        if (documentHash_ == bytes32(0) || bytes(uri).length == 0) revert InvalidDocument();
        documentId = ++_documentCount;
        _documents[documentId] = documentHash_;
        emit DocumentAdded(documentId, kind, documentHash_, uri);
    }

    // ---------------------------------------------------------------- subscription

    /// @inheritdoc IGreenBond
    function subscribe(uint256 bonds) external nonReentrant {
        _requireStatus(Status.Subscription);
        Terms storage t = _terms;
        if (block.timestamp < t.subscriptionStart || block.timestamp >= t.issueDate) {
            revert OutsideSubscriptionWindow(t.subscriptionStart, t.issueDate);
        }
        if (bonds == 0) revert ZeroAmount();
        uint256 available = t.issueSize - totalSupply();
        if (bonds > available) revert ExceedsIssueSize(bonds, available);
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Investor);
        uint256 paid = bonds * t.denomination;
        _subscribed += paid;
        _mint(msg.sender, bonds);
        emit Subscribed(msg.sender, bonds, paid);
        ExactTransfers.pullExact(settlementToken, msg.sender, paid);
    }

    /// @inheritdoc IGreenBond
    function settle() external nonReentrant whenNetworkActive {
        _onlyIssuer();
        _requireStatus(Status.Subscription);
        if (block.timestamp < _terms.issueDate) revert IssueDateNotReached(_terms.issueDate);
        uint256 bonds = totalSupply();
        if (bonds < _terms.minimumRaise) {
            _state.status = Status.Failed;
            emit IssueFailed(bonds, _subscribed);
            return;
        }
        IRiskOracle.Score memory score;
        try riskOracle.latestScore(_issuer) returns (IRiskOracle.Score memory s) {
            score = s;
        } catch {
            revert RiskScoreUnavailable(_issuer);
        }
        if (score.scoreBps > _terms.riskLimitBps) revert RiskScoreAboveLimit(score.scoreBps, _terms.riskLimitBps);
        _riskScore = score.scoreBps;
        _riskModelVersion = score.modelVersion;
        _state.status = Status.Issued;
        emit BondIssued(bonds, _subscribed, score.scoreBps, score.modelVersion);
    }

    /// @inheritdoc IGreenBond
    function abandon() external {
        _requireStatus(Status.Subscription);
        uint64 until = _terms.issueDate + SETTLEMENT_GRACE;
        if (block.timestamp < until) revert SettlementGraceNotOver(until);
        _state.status = Status.Failed;
        emit IssueFailed(totalSupply(), _subscribed);
    }

    /// @inheritdoc IGreenBond
    function refund() external nonReentrant {
        _requireStatus(Status.Failed);
        uint256 bonds = balanceOf(msg.sender);
        if (bonds == 0) revert NothingToRefund(msg.sender);
        _requireCanHold(msg.sender);
        uint256 amount = bonds * _terms.denomination;
        _refunded += amount;
        _burn(msg.sender, bonds);
        emit Refunded(msg.sender, bonds, amount);
        settlementToken.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- use of proceeds

    /// @inheritdoc IGreenBond
    function allocate(uint256 projectId, uint256 amount, uint256 thresholdWh, uint64 deadline)
        external
        returns (uint256 milestoneId)
    {
        _onlyIssuer();
        _requireStatus(Status.Issued);
        if (amount == 0) revert ZeroAmount();
        if (!projectRegistry.isActive(projectId)) revert ProjectNotActive(projectId);
        uint64 maturity = _terms.maturityDate;
        if (deadline <= block.timestamp || deadline > maturity) revert InvalidDeadline(deadline, maturity);
        uint256 free = unallocated();
        if (amount > free) revert ExceedsUnallocated(amount, free);
        if (!_isFinanced(projectId)) {
            if (_projects.length == MAX_PROJECTS) revert TooManyProjects(MAX_PROJECTS);
            _projects.push(projectId);
        }
        // amount ≤ unallocated ≤ subscribed < 2^128 (see Book): the casts cannot truncate.
        _proceeds.allocated += uint128(amount);
        // The series counts only output verified from here on (ImpactAttribution, a suite contract).
        attribution.claim(projectId, amount);
        uint256 baselineWh;
        if (thresholdWh != 0) (baselineWh,) = attribution.attributed(address(this), projectId);
        milestoneId = _milestones.length;
        _milestones.push(Milestone(projectId, amount, thresholdWh, false, false, false, deadline, false, baselineWh));
        emit ProceedsAllocated(milestoneId, projectId, amount, thresholdWh);
    }

    /// @inheritdoc IGreenBond
    function attestMilestone(uint256 milestoneId, bytes32 evidenceHash) external {
        Milestone storage m = _openMilestone(milestoneId);
        if (m.thresholdWh != 0) revert NotAnAttestationMilestone(milestoneId);
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Verifier);
        m.attested = true;
        emit MilestoneAttested(milestoneId, msg.sender, evidenceHash);
    }

    /// @inheritdoc IGreenBond
    function releaseMilestone(uint256 milestoneId) external whenNetworkActive {
        _requireStatus(Status.Issued);
        Milestone storage m = _openMilestone(milestoneId);
        if (block.timestamp >= m.deadline) revert DeadlinePassed(milestoneId, m.deadline);
        uint256 projectId = m.projectId;
        bool met;
        if (m.thresholdWh == 0) {
            met = m.attested;
        } else {
            (uint256 attributedWh,) = attribution.attributed(address(this), projectId);
            met = attributedWh - m.baselineWh >= m.thresholdWh; // attributed output never decreases
        }
        if (!met) revert MilestoneConditionNotMet(milestoneId);
        uint256 amount = m.amount;
        address developer = projectRegistry.developerOf(projectId);
        m.released = true;
        _proceeds.released += uint128(amount); // amount < 2^128: see Book
        _withdrawable[developer] += amount;
        emit ProceedsReleased(milestoneId, projectId, developer, amount);
    }

    /// @inheritdoc IGreenBond
    function reallocate(uint256 milestoneId, bytes32 reasonHash) external {
        _onlyIssuer();
        _requireStatus(Status.Issued);
        Milestone storage m = _openMilestone(milestoneId);
        uint256 projectId = m.projectId;
        if (projectRegistry.isActive(projectId)) revert ProjectStillActive(projectId);
        m.reallocated = true;
        uint256 amount = _unallocate(projectId, m.amount);
        emit ProceedsReallocated(milestoneId, projectId, amount, reasonHash);
    }

    /// @inheritdoc IGreenBond
    function expireMilestone(uint256 milestoneId) external {
        _requireStatus(Status.Issued);
        Milestone storage m = _openMilestone(milestoneId);
        if (block.timestamp < m.deadline) revert DeadlineNotReached(milestoneId, m.deadline);
        uint256 projectId = m.projectId;
        m.expired = true;
        uint256 amount = _unallocate(projectId, m.amount);
        emit MilestoneExpired(milestoneId, projectId, amount);
    }

    /// @dev An open milestone's amount goes back to the unallocated pool and the series' claim shrinks by it.
    function _unallocate(uint256 projectId, uint256 amount) private returns (uint256) {
        _proceeds.allocated -= uint128(amount); // amount < 2^128: see Book
        attribution.release(projectId, amount);
        return amount;
    }

    /// @inheritdoc IGreenBond
    function withdrawProceeds() external nonReentrant {
        uint256 amount = _withdrawable[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        _requireCanHold(msg.sender);
        _withdrawable[msg.sender] = 0;
        _withdrawn += amount;
        emit ProceedsWithdrawn(msg.sender, amount);
        settlementToken.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- coupons

    /// @inheritdoc IGreenBond
    function fundCoupon(uint256 period) external nonReentrant {
        _onlyIssuer();
        _requireStatus(Status.Issued);
        if (period == 0 || period > periodCount()) revert UnknownPeriod(period);
        uint256 expected = _state.nextPeriod;
        if (period != expected) revert PeriodOutOfOrder(period, expected);
        if (_terms.kpiTargetGramsPerPeriod != 0 && period > 1 && _observations[period - 1].outcome == KpiOutcome.None) {
            revert KpiNotObserved(period - 1);
        }
        _requireCanHold(msg.sender);
        uint256 perBond = couponPerBond(period);
        // The supply cannot change while Issued: it is the supply at the record date, whenever this runs.
        uint256 amount = perBond * totalSupply();
        _state.nextPeriod = uint32(period + 1);
        _cumCoupon[period] = _cumCoupon[period - 1] + perBond;
        _couponsDeposited += amount;
        emit CouponFunded(period, couponRate(period), perBond, amount);
        ExactTransfers.pullExact(settlementToken, msg.sender, amount);
    }

    /// @inheritdoc IGreenBond
    function claimCoupons() external nonReentrant returns (uint256 amount) {
        CouponRecords.Holder storage h = _holders[msg.sender];
        State memory s = _state;
        if (_paysCoupons(s.status)) h.settle(balanceOf(msg.sender), _recordEpoch(s), s.nextPeriod - 1, _cumCoupon);
        amount = h.owed;
        if (amount == 0) revert NothingToClaim(msg.sender);
        _requireCanHold(msg.sender);
        h.owed = 0;
        _couponsClaimed += amount;
        emit CouponClaimed(msg.sender, amount);
        settlementToken.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IGreenBond
    function declareDefault(uint256 period) external {
        _requireStatus(Status.Issued);
        if (period == 0 || period > periodCount()) revert UnknownPeriod(period);
        uint64 due = paymentDate(period);
        if (block.timestamp < due) revert PaymentDateNotReached(period, due);
        if (period < _state.nextPeriod) revert PeriodFunded(period);
        if (_defaulted[period]) revert DefaultAlreadyDeclared(period);
        _defaulted[period] = true;
        emit CouponDefaultDeclared(period, due, couponPerBond(period) * totalSupply());
    }

    /// @inheritdoc IGreenBond
    function observeKpi(uint256 index) external {
        if (_terms.kpiTargetGramsPerPeriod == 0) revert KpiNotLinked();
        _requireStatus(Status.Issued);
        if (index == 0 || index >= periodCount()) revert UnknownObservation(index);
        if (_observations[index].outcome != KpiOutcome.None) return; // idempotent
        uint64 date = paymentDate(index);
        if (block.timestamp < date) revert PaymentDateNotReached(index, date);
        if (index > 1 && _observations[index - 1].outcome == KpiOutcome.None) {
            revert ObservationOutOfOrder(index, index - 1);
        }
        (KpiOutcome outcome, uint256 kpi) = _measureKpi(index);
        uint256 target = index * _terms.kpiTargetGramsPerPeriod;
        if (outcome == KpiOutcome.Met && kpi < target) outcome = KpiOutcome.Missed;
        uint16 steps = _steps;
        if (outcome != KpiOutcome.Met) _steps = ++steps;
        _stepsThrough[index] = steps;
        _observations[index] = KpiObservation(outcome, kpi);
        emit KpiObserved(index, outcome, kpi, target, steps);
    }

    /// @dev Σ reductions attributed to the series over its financed projects (never their lifetime totals);
    /// Missing when there is none or a read fails, Stale when nothing new since the previous observation.
    function _measureKpi(uint256 index) private view returns (KpiOutcome, uint256 kpi) {
        uint256 n = _projects.length;
        if (n == 0) return (KpiOutcome.Missing, 0);
        for (uint256 i; i < n; ++i) {
            try attribution.attributed(address(this), _projects[i]) returns (uint256, uint256 reductionGrams) {
                kpi += reductionGrams;
            } catch {
                return (KpiOutcome.Missing, 0);
            }
        }
        uint256 previous = index > 1 ? _observations[index - 1].kpiGrams : 0;
        if (kpi == 0) return (KpiOutcome.Missing, 0);
        if (kpi <= previous) return (KpiOutcome.Stale, kpi);
        return (KpiOutcome.Met, kpi);
    }

    // ---------------------------------------------------------------- redemption

    /// @inheritdoc IGreenBond
    function depositPrincipal() external nonReentrant {
        _onlyIssuer();
        _requireStatus(Status.Issued);
        uint256 next = _state.nextPeriod;
        if (next <= periodCount()) revert CouponsOutstanding(next);
        _openRedemption(_terms.denomination, false);
    }

    /// @inheritdoc IGreenBond
    function callBonds() external nonReentrant {
        _onlyIssuer();
        _requireStatus(Status.Issued);
        Terms storage t = _terms;
        if (t.callDate == 0) revert NotCallable();
        if (block.timestamp < t.callDate || block.timestamp >= t.maturityDate) {
            revert CallWindowClosed(t.callDate, t.maturityDate);
        }
        uint256 next = _state.nextPeriod;
        if (next <= _elapsedPeriods()) revert CouponsOutstanding(next);
        _openRedemption(t.callPrice, true);
    }

    /// @dev Every base unit of the proceeds not released to a developer (unallocated, reallocated, expired, or
    /// still waiting on a milestone) is netted against the principal: the issuer deposits only the rest.
    /// price ≥ denomination (call price at or above par) and the supply is the one subscribed, so
    /// price × supply ≥ subscribed ≥ netted.
    function _openRedemption(uint256 price, bool called) private {
        _requireCanHold(msg.sender);
        uint256 netted = _subscribed - _proceeds.released;
        uint256 amount = price * totalSupply() - netted;
        _netted = netted;
        _redemptionPrice = price;
        _principalDeposited += amount;
        _state.status = Status.Redeemable;
        _state.called = called;
        _releaseClaims();
        emit ProceedsNetted(netted);
        emit PrincipalDeposited(price, amount, called);
        if (amount != 0) ExactTransfers.pullExact(settlementToken, msg.sender, amount);
    }

    /// @dev The financing ends with the series: its claims stop sharing newly verified output (≤ MAX_PROJECTS).
    function _releaseClaims() private {
        uint256 n = _projects.length;
        for (uint256 i; i < n; ++i) {
            uint256 projectId = _projects[i];
            uint256 claimed = attribution.claimOf(address(this), projectId);
            if (claimed != 0) attribution.release(projectId, claimed);
        }
    }

    /// @inheritdoc IGreenBond
    function redeem(uint256 bonds) external nonReentrant {
        State memory s = _state;
        if (s.status != Status.Redeemable) revert WrongStatus(Status.Redeemable, s.status);
        if (!s.called && block.timestamp < _terms.maturityDate) revert RedemptionNotOpen(_terms.maturityDate);
        if (bonds == 0) revert ZeroAmount();
        _requireCanHold(msg.sender);
        uint256 amount = bonds * _redemptionPrice;
        _redeemed += amount;
        _burn(msg.sender, bonds);
        emit Redeemed(msg.sender, bonds, amount);
        settlementToken.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- transfers

    /// @dev Records both sides' coupon entitlements at the record dates passed since their last change, then
    /// moves the bonds. Holder-to-holder transfers only once issued, between parties the registry lets transact.
    function _update(address from, address to, uint256 value) internal override {
        State memory s = _state;
        if (from != address(0) && to != address(0)) {
            if (s.status != Status.Issued && s.status != Status.Redeemable) revert TransfersLocked();
            _requireCanTransact(from, to);
        }
        if (_paysCoupons(s.status)) {
            uint256 epoch = _recordEpoch(s);
            uint256 funded = s.nextPeriod - 1;
            if (from != address(0)) _holders[from].record(balanceOf(from), epoch, funded, _cumCoupon);
            if (to != address(0)) _holders[to].record(balanceOf(to), epoch, funded, _cumCoupon);
        }
        super._update(from, to, value);
    }

    function _paysCoupons(Status status_) private pure returns (bool) {
        return status_ == Status.Issued || status_ == Status.Redeemable;
    }

    /// @dev How many record dates have begun: period p's record date is issueDate + p × length − RECORD_LAG.
    /// A call records every funded period at once: redemption opens at the call, so a coupon funded ahead of
    /// its record date belongs to the holders at the call (waiting would strand it with those who redeem).
    function _recordEpoch(State memory s) private view returns (uint256 epoch) {
        uint256 t = block.timestamp + RECORD_LAG;
        if (t >= uint256(s.issueDate) + s.periodLength) epoch = (t - s.issueDate) / s.periodLength;
        if (epoch > s.periods) epoch = s.periods;
        if (s.called && epoch < s.nextPeriod - 1) epoch = s.nextPeriod - 1;
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IGreenBond
    function terms() external view returns (Terms memory) {
        return _terms;
    }

    /// @inheritdoc IGreenBond
    function issuer() external view returns (address) {
        return _issuer;
    }

    /// @inheritdoc IGreenBond
    function status() external view returns (Status) {
        return _state.status;
    }

    /// @inheritdoc IGreenBond
    function periodCount() public view returns (uint256) {
        return (_terms.maturityDate - _terms.issueDate) / (_YEAR / _terms.couponFrequency);
    }

    /// @inheritdoc IGreenBond
    function paymentDate(uint256 period) public view returns (uint64) {
        return uint64(_terms.issueDate + period * (_YEAR / _terms.couponFrequency));
    }

    /// @inheritdoc IGreenBond
    function recordDate(uint256 period) external view returns (uint64) {
        return paymentDate(period) - RECORD_LAG;
    }

    /// @inheritdoc IGreenBond
    function monitoringReports() external view returns (IMonitoringReports) {
        return attribution.monitoringReports();
    }

    /// @inheritdoc IGreenBond
    function couponRate(uint256 period) public view returns (uint16) {
        uint16 steps = period > 1 ? _stepsThrough[period - 1] : 0;
        return _terms.couponRateBps + steps * _terms.kpiStepBps;
    }

    /// @inheritdoc IGreenBond
    function couponPerBond(uint256 period) public view returns (uint256) {
        Terms storage t = _terms;
        uint256 rate = couponRate(period);
        if (t.dayCount == DayCount.Thirty360) {
            // 360 / f whole days of a 360-day year: denomination × rate × (360/f) / (10_000 × 360)
            return (t.denomination * rate * (360 / t.couponFrequency)) / 3_600_000;
        }
        // actual whole days between the UTC dates of the period's start and end, over 365
        uint256 days_ = paymentDate(period) / 1 days - paymentDate(period - 1) / 1 days;
        return (t.denomination * rate * days_) / 3_650_000;
    }

    /// @inheritdoc IGreenBond
    function nextPeriod() external view returns (uint256) {
        return _state.nextPeriod;
    }

    /// @inheritdoc IGreenBond
    function isDefaulted(uint256 period) external view returns (bool) {
        return _defaulted[period];
    }

    /// @inheritdoc IGreenBond
    function claimableCoupons(address holder) external view returns (uint256) {
        State memory s = _state;
        CouponRecords.Holder storage h = _holders[holder];
        if (!_paysCoupons(s.status)) return h.owed;
        return h.claimable(balanceOf(holder), _recordEpoch(s), s.nextPeriod - 1, _cumCoupon);
    }

    /// @inheritdoc IGreenBond
    function milestone(uint256 milestoneId) external view returns (Milestone memory) {
        if (milestoneId >= _milestones.length) revert UnknownMilestone(milestoneId);
        return _milestones[milestoneId];
    }

    /// @inheritdoc IGreenBond
    function milestoneCount() external view returns (uint256) {
        return _milestones.length;
    }

    /// @inheritdoc IGreenBond
    function financedProjects() external view returns (uint256[] memory) {
        return _projects;
    }

    /// @inheritdoc IGreenBond
    function unallocated() public view returns (uint256) {
        return _state.status == Status.Issued ? _subscribed - _proceeds.allocated : 0;
    }

    /// @inheritdoc IGreenBond
    function withdrawable(address developer) external view returns (uint256) {
        return _withdrawable[developer];
    }

    /// @inheritdoc IGreenBond
    function kpiObservation(uint256 index) external view returns (KpiObservation memory) {
        return _observations[index];
    }

    /// @inheritdoc IGreenBond
    function stepCount() external view returns (uint16) {
        return _steps;
    }

    /// @inheritdoc IGreenBond
    function riskScoreUsed() external view returns (uint16, uint256) {
        return (_riskScore, _riskModelVersion);
    }

    /// @inheritdoc IGreenBond
    function redemptionPrice() external view returns (uint256) {
        return _redemptionPrice;
    }

    /// @inheritdoc IGreenBond
    function documentHash(uint256 documentId) external view returns (bytes32) {
        return _documents[documentId];
    }

    /// @inheritdoc IGreenBond
    function ledger() external view returns (Ledger memory) {
        return Ledger(
            _subscribed, _refunded, _proceeds.allocated, _proceeds.released, _withdrawn,
            _couponsDeposited, _couponsClaimed, _principalDeposited, _redeemed, _netted
        );
    }

    /// @inheritdoc IGreenBond
    function impactOf(address holder) external view returns (uint256 generationWh, uint256 reductionGrams) {
        uint256 supply = totalSupply();
        uint256 balance = balanceOf(holder);
        if (supply == 0 || balance == 0) return (0, 0);
        uint256 n = _projects.length;
        for (uint256 i; i < n; ++i) {
            (uint256 wh, uint256 grams) = attribution.attributed(address(this), _projects[i]);
            generationWh += wh;
            reductionGrams += grams;
        }
        return (Math.mulDiv(generationWh, balance, supply), Math.mulDiv(reductionGrams, balance, supply));
    }

    // ---------------------------------------------------------------- internals

    function _elapsedPeriods() private view returns (uint256) {
        return (block.timestamp - _terms.issueDate) / (_YEAR / _terms.couponFrequency);
    }

    function _isFinanced(uint256 projectId) private view returns (bool) {
        uint256 n = _projects.length;
        for (uint256 i; i < n; ++i) {
            if (_projects[i] == projectId) return true;
        }
        return false;
    }

    function _openMilestone(uint256 milestoneId) private view returns (Milestone storage m) {
        if (milestoneId >= _milestones.length) revert UnknownMilestone(milestoneId);
        m = _milestones[milestoneId];
        if (m.released || m.reallocated || m.expired) revert MilestoneClosed(milestoneId);
    }

    function _onlyIssuer() private view {
        if (msg.sender != _issuer) revert NotIssuer(msg.sender);
    }

    function _requireStatus(Status expected) private view {
        Status actual = _state.status;
        if (actual != expected) revert WrongStatus(expected, actual);
    }
}
