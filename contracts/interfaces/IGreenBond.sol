// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMonitoringReports} from "./IMonitoringReports.sol";
import {IImpactAttribution} from "./IImpactAttribution.sol";

/// @title IGreenBond
/// @notice One green bond series (ERC-20, 0 decimals: one token = one bond of `denomination`
/// settlement base units) with ERC-7092-style term views, a subscription window, a use-of-proceeds
/// escrow released per milestone against the impact attributed to the series (ImpactAttribution),
/// KPI-linked coupons paid to the holders at each record date, and redemption at maturity or on an early
/// call, where every unreleased base unit of the proceeds is netted against the principal. See docs/bonds.md.
interface IGreenBond {
    enum Status {
        Subscription, // investors subscribe until the issue date
        Issued, // settled: proceeds in escrow, coupons running
        Failed, // under-subscribed or abandoned: every subscriber may refund
        Redeemable // principal (or the call price) deposited: holders redeem
    }

    enum DayCount {
        Thirty360, // every period is 360/f days of a 360-day year
        Actual365 // actual whole days between payment dates over a 365-day year
    }

    enum KpiOutcome {
        None,
        Met,
        Missed,
        Missing,
        Stale
    }

    enum DocumentKind {
        Framework,
        SecondPartyOpinion,
        ImpactReport,
        Other
    }

    /// @notice A series' terms, fixed at creation.
    struct Terms {
        bytes32 isin; // ISIN-like id (12 ASCII chars, left-aligned)
        uint256 denomination; // settlement base units per bond
        uint64 issueSize; // at most this many bonds
        uint64 minimumRaise; // bonds that must be sold at the issue date, else refund
        uint64 subscriptionStart; // subscriptions in [subscriptionStart, issueDate)
        uint64 issueDate;
        uint64 maturityDate; // issueDate + n × (365 days / couponFrequency), 1 ≤ n ≤ 120
        uint16 couponRateBps; // base rate per year
        uint8 couponFrequency; // periods per year: 1, 2, 4 or 12
        DayCount dayCount;
        uint16 kpiStepBps; // added for periods after each failed KPI observation
        uint256 kpiTargetGramsPerPeriod; // cumulative target at observation i: i × this; 0 = not KPI-linked
        uint16 riskLimitBps; // the issuer's risk score at settlement must be ≤ this
        uint64 callDate; // 0 = not callable
        uint256 callPrice; // settlement base units per bond on a call, ≥ denomination
    }

    struct Milestone {
        uint256 projectId;
        uint256 amount;
        uint256 thresholdWh; // 0: released on a verifier attestation; else on generation attributed since allocation ≥ this
        bool attested;
        bool released;
        bool reallocated;
        uint64 deadline; // release before this, else anyone may expire it
        bool expired;
        uint256 baselineWh; // generation attributed to the series on the project when the milestone was allocated
    }

    struct KpiObservation {
        KpiOutcome outcome;
        uint256 kpiGrams;
    }

    /// @notice The series' running money totals, in settlement base units (see `ledger()`).
    struct Ledger {
        uint256 subscribed; // paid in by subscribers
        uint256 refunded; // paid back to subscribers of a failed issue
        uint256 allocatedNet; // allocated to milestones, less what was reallocated
        uint256 released; // released to developers on met milestones
        uint256 withdrawn; // withdrawn by developers
        uint256 couponsDeposited;
        uint256 couponsClaimed;
        uint256 principalDeposited;
        uint256 redeemed; // paid out on redemption
        uint256 proceedsNetted; // unreleased proceeds applied to the principal when redemption opened
    }

    // ---------------------------------------------------------------- errors

    error AlreadyInitialized();
    error InvalidTerms(bytes32 field);
    error NotIssuer(address caller);
    error WrongStatus(Status expected, Status actual);
    error OutsideSubscriptionWindow(uint64 start, uint64 end);
    error ZeroAmount();
    error ExceedsIssueSize(uint256 requested, uint256 available);
    error IssueDateNotReached(uint64 issueDate);
    error SettlementGraceNotOver(uint64 until);
    error RiskScoreUnavailable(address issuer);
    error RiskScoreAboveLimit(uint16 scoreBps, uint16 limitBps);
    error TransfersLocked();
    error NothingToRefund(address account);
    error NothingToClaim(address account);
    error NothingToWithdraw(address account);
    error ProjectNotActive(uint256 projectId);
    error ProjectStillActive(uint256 projectId);
    error TooManyProjects(uint256 max);
    error ExceedsUnallocated(uint256 amount, uint256 unallocated);
    error UnknownMilestone(uint256 milestoneId);
    error MilestoneClosed(uint256 milestoneId);
    error NotAnAttestationMilestone(uint256 milestoneId);
    error MilestoneConditionNotMet(uint256 milestoneId);
    error UnknownPeriod(uint256 period);
    error PeriodOutOfOrder(uint256 period, uint256 expected);
    error KpiNotObserved(uint256 observationIndex);
    error PaymentDateNotReached(uint256 period, uint64 paymentDate);
    error PeriodFunded(uint256 period);
    error DefaultAlreadyDeclared(uint256 period);
    error KpiNotLinked();
    error UnknownObservation(uint256 observationIndex);
    error ObservationOutOfOrder(uint256 observationIndex, uint256 expected);
    error CouponsOutstanding(uint256 nextPeriod);
    error NotCallable();
    error CallWindowClosed(uint64 callDate, uint64 maturityDate);
    error RedemptionNotOpen(uint64 maturityDate);
    error InvalidDocument();
    /// @notice Thrown when a milestone deadline is not in (now, maturityDate].
    error InvalidDeadline(uint64 deadline, uint64 maturityDate);
    /// @notice Thrown when a milestone is expired before its deadline.
    error DeadlineNotReached(uint256 milestoneId, uint64 deadline);
    /// @notice Thrown when a milestone is released at or after its deadline.
    error DeadlinePassed(uint256 milestoneId, uint64 deadline);

    // ---------------------------------------------------------------- events

    event BondInitialized(bytes32 indexed isin, address indexed issuer, Terms terms);
    event DocumentAdded(uint256 indexed documentId, DocumentKind indexed kind, bytes32 documentHash, string uri);
    event Subscribed(address indexed investor, uint256 bonds, uint256 paid);
    event BondIssued(uint256 bonds, uint256 raised, uint16 riskScoreBps, uint256 riskModelVersion);
    event IssueFailed(uint256 bonds, uint256 subscribed);
    event Refunded(address indexed investor, uint256 bonds, uint256 amount);
    event ProceedsAllocated(uint256 indexed milestoneId, uint256 indexed projectId, uint256 amount, uint256 thresholdWh);
    event MilestoneAttested(uint256 indexed milestoneId, address indexed verifier, bytes32 evidenceHash);
    event ProceedsReleased(uint256 indexed milestoneId, uint256 indexed projectId, address indexed developer, uint256 amount);
    event ProceedsReallocated(uint256 indexed milestoneId, uint256 indexed projectId, uint256 amount, bytes32 reasonHash);
    event ProceedsWithdrawn(address indexed developer, uint256 amount);
    event CouponFunded(uint256 indexed period, uint16 rateBps, uint256 couponPerBond, uint256 amount);
    event CouponClaimed(address indexed holder, uint256 amount);
    event CouponDefaultDeclared(uint256 indexed period, uint64 paymentDate, uint256 amountDue);
    event KpiObserved(uint256 indexed observationIndex, KpiOutcome outcome, uint256 kpiGrams, uint256 targetGrams, uint16 stepsAfter);
    event PrincipalDeposited(uint256 pricePerBond, uint256 amount, bool called);
    event Redeemed(address indexed holder, uint256 bonds, uint256 amount);
    /// @notice Emitted when an open milestone past its deadline is expired: its amount is unallocated again.
    event MilestoneExpired(uint256 indexed milestoneId, uint256 indexed projectId, uint256 amount);
    /// @notice Emitted when redemption opens: `amount` of unreleased proceeds is netted against the principal.
    event ProceedsNetted(uint256 amount);

    // ---------------------------------------------------------------- set-up

    /// @notice Set the series' terms (a clone is initialized once, by the factory, in its creation call).
    /// @dev Caller: GreenBondFactory. Reverts AlreadyInitialized, InvalidTerms. Emits BondInitialized.
    function initialize(Terms calldata terms, address issuer, string calldata name_, string calldata symbol_) external;

    /// @notice Record a document (framework, second-party opinion, impact report): hash stored, URI in the event.
    /// @dev Caller: the issuer. Reverts NotIssuer, InvalidDocument. Emits DocumentAdded.
    function addDocument(DocumentKind kind, bytes32 documentHash, string calldata uri) external returns (uint256 documentId);

    // ---------------------------------------------------------------- subscription

    /// @notice Pay `bonds` × denomination and receive `bonds` at once (transferable from the issue).
    /// @dev Caller: a KYC-eligible Kind.Investor who approved the settlement amount. Reverts
    /// WrongStatus, OutsideSubscriptionWindow, ZeroAmount, ExceedsIssueSize, ComplianceRefused,
    /// NetworkPaused, ExactTransfersAmountMismatch (a token that does not deliver the amount). Emits Subscribed.
    function subscribe(uint256 bonds) external;

    /// @notice Close the subscription at the issue date: below the minimum raise the issue fails
    /// (refunds); otherwise the issuer's risk score is checked and recorded and the bonds are issued.
    /// @dev Caller: the issuer. Reverts NotIssuer, WrongStatus, IssueDateNotReached, NetworkPaused,
    /// RiskScoreUnavailable, RiskScoreAboveLimit. Emits BondIssued or IssueFailed.
    function settle() external;

    /// @notice Fail an issue the issuer did not settle within 7 days of the issue date.
    /// @dev Caller: anyone. Reverts WrongStatus, SettlementGraceNotOver. Emits IssueFailed.
    function abandon() external;

    /// @notice Burn all the caller's bonds of a failed issue and pay back what they paid.
    /// @dev Caller: a subscriber the registry lets hold assets. Reverts WrongStatus, NothingToRefund,
    /// ComplianceRefused, NetworkPaused. Emits Refunded.
    function refund() external;

    // ---------------------------------------------------------------- use of proceeds

    /// @notice Allocate `amount` of the unallocated proceeds to a milestone of active project `projectId`; the
    /// series claims `amount` of the project's output in ImpactAttribution.
    /// @param thresholdWh 0: released on a verifier attestation; otherwise released once the generation
    /// attributed to the series on this project since this allocation reaches it.
    /// @param deadline The milestone must be released before this time (≤ maturityDate), else it expires.
    /// @dev Caller: the issuer. Reverts NotIssuer, WrongStatus, ZeroAmount, ProjectNotActive, InvalidDeadline,
    /// TooManyProjects, ExceedsUnallocated, ImpactAttributionClaimBelowMinimum,
    /// ImpactAttributionReportsUnavailable. Emits ProceedsAllocated.
    function allocate(uint256 projectId, uint256 amount, uint256 thresholdWh, uint64 deadline)
        external
        returns (uint256 milestoneId);

    /// @notice Attest that an attestation milestone is met.
    /// @dev Caller: a Kind.Verifier participant. Reverts UnknownMilestone, MilestoneClosed,
    /// NotAnAttestationMilestone, ComplianceRefused, NetworkPaused. Emits MilestoneAttested.
    function attestMilestone(uint256 milestoneId, bytes32 evidenceHash) external;

    /// @notice Release a milestone whose condition holds, before its deadline: its amount becomes
    /// withdrawable by the developer.
    /// @dev Caller: anyone. Reverts WrongStatus, UnknownMilestone, MilestoneClosed, DeadlinePassed,
    /// MilestoneConditionNotMet, ImpactAttributionReportsUnavailable, NetworkPaused. Emits ProceedsReleased.
    function releaseMilestone(uint256 milestoneId) external;

    /// @notice Return the unreleased amount of a milestone whose project is no longer active to the
    /// unallocated pool, and release the series' claim on it.
    /// @dev Caller: the issuer. Reverts NotIssuer, WrongStatus, UnknownMilestone, MilestoneClosed,
    /// ProjectStillActive. Emits ProceedsReallocated.
    function reallocate(uint256 milestoneId, bytes32 reasonHash) external;

    /// @notice Expire an open milestone whose deadline has passed: its amount returns to the unallocated
    /// pool (and so to the holders at redemption), and the series' claim on it is released.
    /// @dev Caller: anyone. Reverts WrongStatus, UnknownMilestone, MilestoneClosed, DeadlineNotReached.
    /// Emits MilestoneExpired.
    function expireMilestone(uint256 milestoneId) external;

    /// @notice Withdraw the released proceeds credited to the caller.
    /// @dev Caller: a project developer with released proceeds. Reverts NothingToWithdraw,
    /// ComplianceRefused, NetworkPaused. Emits ProceedsWithdrawn.
    function withdrawProceeds() external;

    // ---------------------------------------------------------------- coupons

    /// @notice Deposit period `period`'s coupon: couponPerBond(period) × totalSupply (the supply is fixed while
    /// the series is Issued, so it is the supply at the record date). Paid to the holders at the record date.
    /// @dev Caller: the issuer, whom the registry lets hold assets. Reverts NotIssuer, WrongStatus,
    /// UnknownPeriod, PeriodOutOfOrder, KpiNotObserved, ComplianceRefused, NetworkPaused,
    /// ExactTransfersAmountMismatch. Emits CouponFunded.
    function fundCoupon(uint256 period) external;

    /// @notice Claim the coupons of every funded period whose record date has passed, for the bonds the
    /// caller held at each record date.
    /// @dev Caller: a holder (or former holder) with coupons accrued. Reverts NothingToClaim,
    /// ComplianceRefused, NetworkPaused. Emits CouponClaimed.
    function claimCoupons() external returns (uint256 amount);

    /// @notice Record that `period` was not funded by its payment date.
    /// @dev Caller: anyone. Reverts UnknownPeriod, PaymentDateNotReached, PeriodFunded,
    /// DefaultAlreadyDeclared, WrongStatus. Emits CouponDefaultDeclared.
    function declareDefault(uint256 period) external;

    /// @notice Compare the KPI (the reductions attributed to the series, Σ over its financed projects) with
    /// the target at observation `observationIndex` (the payment date of that period); idempotent.
    /// @dev Caller: anyone. Reverts KpiNotLinked, UnknownObservation, PaymentDateNotReached,
    /// ObservationOutOfOrder, WrongStatus. Emits KpiObserved (first call only).
    function observeKpi(uint256 observationIndex) external;

    // ---------------------------------------------------------------- redemption

    /// @notice Open redemption at par once every coupon is funded: the unreleased proceeds in escrow are netted
    /// and the issuer deposits denomination × totalSupply − netted; the series' claims are released.
    /// @dev Caller: the issuer, whom the registry lets hold assets. Reverts NotIssuer, WrongStatus,
    /// CouponsOutstanding, ComplianceRefused, NetworkPaused, ExactTransfersAmountMismatch. Emits ProceedsNetted,
    /// PrincipalDeposited.
    function depositPrincipal() external;

    /// @notice Call the bonds early at the terms' call price: the unreleased proceeds are netted and the issuer
    /// deposits callPrice × totalSupply − netted; the series' claims are released.
    /// @dev Caller: the issuer, whom the registry lets hold assets. Reverts NotIssuer, WrongStatus, NotCallable,
    /// CallWindowClosed, CouponsOutstanding, ComplianceRefused, NetworkPaused, ExactTransfersAmountMismatch.
    /// Emits ProceedsNetted, PrincipalDeposited.
    function callBonds() external;

    /// @notice Burn `bonds` of the caller's and receive their redemption price.
    /// @dev Caller: a holder. Reverts WrongStatus, RedemptionNotOpen, ZeroAmount,
    /// ERC20InsufficientBalance, ComplianceRefused, NetworkPaused. Emits Redeemed.
    function redeem(uint256 bonds) external;

    // ---------------------------------------------------------------- views

    function terms() external view returns (Terms memory);
    function issuer() external view returns (address);
    function status() external view returns (Status);
    function periodCount() external view returns (uint256);
    function paymentDate(uint256 period) external view returns (uint64);
    /// @notice The record date of `period`: paymentDate(period) − RECORD_LAG. Its coupon is paid to the
    /// bonds held when the record date begins, whenever the issuer funds it.
    function recordDate(uint256 period) external view returns (uint64);
    /// @notice Where the series claims its projects' output and reads what is attributed to it.
    function attribution() external view returns (IImpactAttribution);
    /// @notice Where verified totals come from (the attribution's monitoring reports), for reports.
    function monitoringReports() external view returns (IMonitoringReports);
    /// @notice The coupon rate of `period` (base + steps from failed observations before it).
    function couponRate(uint256 period) external view returns (uint16);
    /// @notice Exact coupon per bond of `period` in settlement base units (docs/bonds.md).
    function couponPerBond(uint256 period) external view returns (uint256);
    function nextPeriod() external view returns (uint256);
    function isDefaulted(uint256 period) external view returns (bool);
    /// @notice Coupons the holder can claim now (funded periods whose record date has passed).
    function claimableCoupons(address holder) external view returns (uint256);
    function milestone(uint256 milestoneId) external view returns (Milestone memory);
    function milestoneCount() external view returns (uint256);
    function financedProjects() external view returns (uint256[] memory);
    function unallocated() external view returns (uint256);
    function withdrawable(address developer) external view returns (uint256);
    function kpiObservation(uint256 observationIndex) external view returns (KpiObservation memory);
    function stepCount() external view returns (uint16);
    function riskScoreUsed() external view returns (uint16 scoreBps, uint256 modelVersion);
    function redemptionPrice() external view returns (uint256);
    function documentHash(uint256 documentId) external view returns (bytes32);
    /// @notice Money ledger in settlement base units: what came in and what went out, by kind.
    function ledger() external view returns (Ledger memory);
    /// @notice The holder's pro-rata share of the impact financed so far (Wh, grams CO2e): Σ over financed
    /// projects of the output attributed to the series (ImpactAttribution.attributed), × balance/totalSupply.
    function impactOf(address holder) external view returns (uint256 generationWh, uint256 reductionGrams);
}
