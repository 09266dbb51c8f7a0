// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ICreditVoucher
/// @notice Supply-chain e-credit vouchers (电子信用凭证): a core enterprise's payable, issued to a
/// tier-1 supplier, split and passed down the chain, discounted with a bank, redeemed at maturity.
///
/// Every voucher is a node of a tree. The root is what the obligor issued; a split turns a node
/// into `Split` (inactive) and creates children that sum exactly to it. A node id encodes its path
/// (see VoucherIds): root ids count up from 1 in the low 64 bits; part i of a node is `childId(node, i)`. Children inherit the
/// obligor, maturity and green tag from their root (read through `voucher(id)`), and record their
/// parent and root, so any part is traceable back to the trade. The live nodes of a tree (every
/// state but `Split`) always sum to the root's face value.
///
/// Units: amounts in settlement-token base units (6 decimals); rates in basis points per year;
/// times in unix seconds. Risk scores are IRiskOracle `scoreBps` (probability of default).
interface ICreditVoucher {
    /// @notice The life of one node. `Split` nodes are inactive; the others are live leaves.
    enum State {
        None, // no such voucher
        Active, // held, may be split, transferred, offered or claimed
        Pending, // transferred, waiting for the receiver's acceptance
        Offered, // offered to a bank for discounting
        Split, // replaced by its children
        Redeemed // its face value has been claimed in full
    }

    /// @notice One node as returned by `voucher(id)`; obligor, maturity and project come from its root.
    struct VoucherView {
        address holder; // the receiver while Pending
        uint256 amount; // face value of this node
        State state;
        uint8 depth; // 0 for a root
        uint256 parentId; // 0 for a root
        uint256 rootId;
        uint64 acceptDeadline; // while Pending: the receiver must accept strictly before this time
        address pendingFrom; // while Pending: who gets it back if it is not accepted
        uint256 claimed; // paid out to the holder so far
        address obligor;
        uint64 maturity;
        uint256 projectId; // green tag; 0 when not green-tagged
    }

    /// @notice The per-root aggregates.
    struct RootView {
        address obligor;
        uint64 maturity;
        bool frozen; // regulator freeze of the whole tree
        bool overdueMarked; // `markOverdue` was called
        uint256 face; // = Σ live node amounts of the tree, always
        uint256 deposited; // what the obligor has deposited for repayment
        uint256 paid; // what holders have claimed; paid ≤ deposited ≤ face, always
        uint256 projectId;
    }

    /// @notice A financing offer and, once a bank accepted it, the financing record.
    struct Financing {
        address bank;
        uint16 maxRateBps; // the holder's ask: the highest discount rate it accepts
        uint16 rateBps; // the rate the bank financed at (0 until financed)
        uint16 quotedRateBps; // the risk-based quote at acceptance
        uint16 scoreBps; // the obligor's risk score the quote used
        bool financed;
    }

    // ---------------------------------------------------------------- errors

    /// @dev The voucher does not exist.
    error UnknownVoucher(uint256 id);
    /// @dev `id` is not a root voucher.
    error NotARoot(uint256 id);
    /// @dev The caller is not the holder of `id`.
    error NotHolder(uint256 id, address caller);
    /// @dev The caller is not the obligor of root `rootId`.
    error NotObligor(uint256 rootId, address caller);
    /// @dev The voucher is in `state`, the action needs `expected`.
    error WrongState(uint256 id, State state, State expected);
    /// @dev A zero amount.
    error ZeroAmount();
    /// @dev An amount above the voucher's uint64 bookkeeping.
    error AmountTooLarge(uint256 amount);
    /// @dev The obligor cannot issue a voucher to itself.
    error SelfIssue(address obligor);
    /// @dev The maturity is not after the current time.
    error MaturityNotInFuture(uint64 maturity);
    /// @dev The tenor (maturity − now) exceeds the maximum tenor.
    error TenorTooLong(uint256 tenor, uint256 maxTenor);
    /// @dev A trade-document hash is zero or repeated within one issue.
    error InvalidTradeDocument(bytes32 documentHash);
    /// @dev The trade document already backs voucher `rootId` of the same obligor and supplier
    /// (double-financing guard).
    error TradeDocumentUsed(bytes32 documentHash, uint256 rootId);
    /// @notice Thrown when the regulator releases a trade document that backs no voucher of
    /// `obligor` and `supplier`.
    error TradeDocumentNotUsed(address obligor, address supplier, bytes32 documentHash);
    /// @dev The green tag's project is not active in the project registry.
    error ProjectNotActive(uint256 projectId);
    /// @dev A split must have 2 to MAX_PARTS parts, with as many recipients as amounts.
    error InvalidPartCount(uint256 amounts, uint256 recipients);
    /// @dev Part `index` is below the minimum part size.
    error PartBelowMinimum(uint256 index, uint256 amount, uint256 minimum);
    /// @dev The parts sum to more than the voucher holds.
    error SplitExceedsHeld(uint256 id, uint256 total, uint256 held);
    /// @dev The parts sum to less than the voucher holds (keep a remainder part for yourself instead).
    error SplitBelowHeld(uint256 id, uint256 total, uint256 held);
    /// @dev The children would be deeper than the maximum depth.
    error DepthExceeded(uint256 depth, uint256 maxDepth);
    /// @dev A transfer to the current holder.
    error SelfTransfer(uint256 id);
    /// @dev The voucher has reached its maturity (`maturity` ≤ now): it can only be claimed.
    error VoucherMatured(uint256 id, uint64 maturity);
    /// @dev The maturity has not been reached yet.
    error NotMatured(uint256 id, uint64 maturity);
    /// @dev The acceptance deadline has passed: the part can only be reclaimed.
    error AcceptanceExpired(uint256 id, uint64 deadline);
    /// @dev The acceptance deadline has not passed yet.
    error AcceptanceOpen(uint256 id, uint64 deadline);
    /// @dev The voucher's tree is frozen by the regulator.
    error VoucherTreeFrozen(uint256 rootId);
    /// @dev The tree's frozen flag already has this value.
    error FreezeUnchanged(uint256 rootId, bool frozen);
    /// @dev The caller is not the bank the voucher is offered to.
    error NotOfferedTo(uint256 id, address caller);
    /// @dev The bank's rate is above the holder's ask.
    error RateAboveAsk(uint256 rateBps, uint256 maxRateBps);
    /// @dev A rate above MAX_RATE_BPS.
    error RateTooHigh(uint256 rateBps);
    /// @dev The obligor has no usable risk score (missing, stale, expired or unapproved).
    error RiskScoreUnavailable(address obligor);
    /// @dev The deposit would exceed the root's face value.
    error RepaymentExceedsFace(uint256 rootId, uint256 amount, uint256 outstanding);
    /// @dev Nothing is claimable yet (nothing deposited beyond what was already claimed).
    error NothingToClaim(uint256 id);
    /// @dev The voucher has been claimed in full.
    error AlreadyClaimed(uint256 id);
    /// @dev The root is fully funded: nothing is overdue.
    error FullyFunded(uint256 rootId);
    /// @dev `markOverdue` was already called for the root.
    error AlreadyMarkedOverdue(uint256 rootId);
    /// @dev A rule parameter outside its allowed range.
    error InvalidParameter(bytes32 name, uint256 value);
    /// @dev A zero address where a contract is required.
    error ZeroAddressParameter();

    // ---------------------------------------------------------------- events

    /// @notice Root `id` issued by `obligor` to `holder`, anchored to the three trade documents.
    event VoucherIssued(
        uint256 indexed id,
        address indexed obligor,
        address indexed holder,
        uint256 amount,
        uint64 maturity,
        uint256 projectId,
        bytes32 orderHash,
        bytes32 deliveryHash,
        bytes32 invoiceHash
    );
    /// @notice `parentId` split into parts `childId(parentId, i)` of `amounts[i]` for `recipients[i]`;
    /// a part for someone other than the holder is Pending until `acceptDeadline`.
    event VoucherSplit(
        uint256 indexed parentId,
        uint256 indexed rootId,
        address indexed holder,
        address[] recipients,
        uint256[] amounts,
        uint64 acceptDeadline
    );
    /// @notice The whole of `id` transferred from `from` to `to`, Pending until `acceptDeadline`.
    event TransferProposed(uint256 indexed id, uint256 indexed rootId, address indexed to, address from, uint64 acceptDeadline);
    /// @notice The receiver accepted pending `id`.
    event TransferAccepted(uint256 indexed id, uint256 indexed rootId, address indexed holder);
    /// @notice Pending `id` went back to `to` after its acceptance deadline.
    event TransferReclaimed(uint256 indexed id, uint256 indexed rootId, address indexed to);
    /// @notice `holder` offered `id` to `bank` for discounting at no more than `maxRateBps` a year.
    event FinancingOffered(uint256 indexed id, uint256 indexed rootId, address indexed bank, address holder, uint16 maxRateBps);
    /// @notice The holder withdrew its offer of `id`.
    event OfferCancelled(uint256 indexed id, uint256 indexed rootId);
    /// @notice `bank` bought `id` from `seller` for `price` at `rateBps`; the risk-based quote and
    /// the score it used are recorded.
    event Financed(
        uint256 indexed id,
        uint256 indexed rootId,
        address indexed bank,
        address seller,
        uint256 face,
        uint256 price,
        uint16 rateBps,
        uint16 quotedRateBps,
        uint16 scoreBps,
        uint256 modelVersion
    );
    /// @notice The obligor deposited `amount` towards root `rootId`; `deposited` is the new total.
    event Repaid(uint256 indexed rootId, address indexed obligor, uint256 amount, uint256 deposited);
    /// @notice `holder` claimed `amount` of `id`'s face value (`claimed` in total so far).
    event Claimed(uint256 indexed id, uint256 indexed rootId, address indexed holder, uint256 amount, uint256 claimed);
    /// @notice Root `rootId` is past maturity and underfunded: `deposited` < `face`.
    event MarkedOverdue(uint256 indexed rootId, uint256 face, uint256 deposited);
    /// @notice Emitted when the regulator released trade document `documentHash` of `obligor` and
    /// `supplier` (dedupe key `key`), which backed root `rootId`: it may back a new voucher.
    event TradeDocumentReleased(
        bytes32 indexed key,
        uint256 indexed rootId,
        address obligor,
        address supplier,
        bytes32 documentHash,
        bytes32 reasonHash
    );
    /// @notice The regulator froze the tree of `rootId`.
    event TreeFrozen(uint256 indexed rootId, bytes32 reasonHash);
    /// @notice The regulator lifted the freeze of the tree of `rootId`.
    event TreeUnfrozen(uint256 indexed rootId);
    /// @notice The circulation rules changed.
    event RulesUpdated(uint64 maxTenor, uint64 minPartAmount, uint8 maxDepth, uint32 acceptWindow);
    /// @notice The pricing parameters changed.
    event PricingUpdated(uint16 baseRateBps, uint32 spreadFactorBps, uint16 greenDiscountBps);

    // ---------------------------------------------------------------- issue, split, transfer

    /// @notice Issue a root voucher of `amount` from the caller (obligor) to `holder`, maturing at
    /// `maturity`, anchored to the order, delivery and invoice document hashes. `projectId` ≠ 0
    /// green-tags it with a project that must be active in the project registry. Each document is
    /// used under the key keccak256(abi.encode(obligor, holder, documentHash)): one voucher per
    /// document per obligor-supplier pair, so nobody else's issue can use up this pair's documents.
    /// @dev Caller: a registered Enterprise (the obligor). `holder` must be a registered Enterprise.
    /// Reverts NetworkPaused, ComplianceRefused, ZeroAmount, AmountTooLarge, SelfIssue,
    /// MaturityNotInFuture, TenorTooLong, InvalidTradeDocument, TradeDocumentUsed, ProjectNotActive.
    /// Emits VoucherIssued.
    function issue(
        address holder,
        uint256 amount,
        uint64 maturity,
        bytes32 orderHash,
        bytes32 deliveryHash,
        bytes32 invoiceHash,
        uint256 projectId
    ) external returns (uint256 id);

    /// @notice Split Active voucher `id` into parts `amounts[i]` for `recipients[i]`; the parts sum
    /// exactly to the voucher; a part for the caller itself (the remainder) is Active at once, the
    /// others are Pending until accepted. Part i gets id `childId(id, i)`.
    /// @dev Caller: the holder, a registered Enterprise; every recipient a registered Enterprise.
    /// Reverts NetworkPaused, ComplianceRefused, UnknownVoucher, NotHolder, WrongState,
    /// VoucherTreeFrozen, VoucherMatured, InvalidPartCount, PartBelowMinimum, SplitExceedsHeld,
    /// SplitBelowHeld, DepthExceeded. Emits VoucherSplit.
    function split(uint256 id, uint256[] calldata amounts, address[] calldata recipients) external;

    /// @notice Transfer the whole of Active voucher `id` to `to`; Pending until `to` accepts.
    /// @dev Caller: the holder, a registered Enterprise; `to` a registered Enterprise. Reverts
    /// NetworkPaused, ComplianceRefused, UnknownVoucher, NotHolder, WrongState, VoucherTreeFrozen,
    /// VoucherMatured, SelfTransfer. Emits TransferProposed.
    function transfer(uint256 id, address to) external;

    /// @notice Accept pending voucher `id` before its acceptance deadline.
    /// @dev Caller: the receiver, a registered Enterprise. Reverts NetworkPaused, ComplianceRefused,
    /// UnknownVoucher, NotHolder, WrongState, VoucherTreeFrozen, AcceptanceExpired. Emits TransferAccepted.
    function accept(uint256 id) external;

    /// @notice Give pending voucher `id` back to its sender once its acceptance deadline has passed.
    /// @dev Caller: anyone. Reverts NetworkPaused, ComplianceRefused (the sender may not hold),
    /// UnknownVoucher, WrongState, VoucherTreeFrozen, AcceptanceOpen. Emits TransferReclaimed.
    function reclaim(uint256 id) external;

    // ---------------------------------------------------------------- financing

    /// @notice Offer Active voucher `id` to `bank` for discounting at no more than `maxRateBps` a year.
    /// @dev Caller: the holder, a registered Enterprise; `bank` a registered Bank. Reverts
    /// NetworkPaused, ComplianceRefused, UnknownVoucher, NotHolder, WrongState, VoucherTreeFrozen,
    /// VoucherMatured, RateTooHigh. Emits FinancingOffered.
    function offer(uint256 id, address bank, uint16 maxRateBps) external;

    /// @notice Withdraw the offer of voucher `id`.
    /// @dev Caller: the holder. Reverts NetworkPaused, UnknownVoucher, NotHolder, WrongState,
    /// VoucherTreeFrozen. Emits OfferCancelled.
    function cancelOffer(uint256 id) external;

    /// @notice Buy offered voucher `id` at `rateBps` a year: atomically pay the discounted price
    /// to the holder (settlement token, pulled from the caller) and take the voucher. The obligor's
    /// risk-based quote and the score it used are recorded with the financing.
    /// @dev Caller: the bank the voucher is offered to, a registered Bank (it must have approved
    /// the price). Reverts NetworkPaused, ComplianceRefused, UnknownVoucher, WrongState,
    /// NotOfferedTo, VoucherTreeFrozen, VoucherMatured, RateAboveAsk, RiskScoreUnavailable;
    /// ExactTransfersAmountMismatch when the holder did not receive exactly the price; the token's
    /// error when the payment fails. Emits Financed.
    function acceptOffer(uint256 id, uint16 rateBps) external returns (uint256 price);

    // ---------------------------------------------------------------- maturity

    /// @notice Deposit `amount` of the settlement token towards root `rootId`'s face value.
    /// @dev Caller: the obligor, a registered Enterprise (it must have approved `amount`). Reverts
    /// NetworkPaused, ComplianceRefused, UnknownVoucher, NotARoot, NotObligor, VoucherTreeFrozen,
    /// ZeroAmount, RepaymentExceedsFace, ExactTransfersAmountMismatch (a settlement token that
    /// delivered less). Emits Repaid.
    function repay(uint256 rootId, uint256 amount) external;

    /// @notice Claim what is payable on leaf `id` after maturity: its face value times the root's
    /// deposited share (deposited / face), minus what it already claimed. Returns the amount paid.
    /// @dev Caller: the holder. Reverts NetworkPaused, ComplianceRefused, UnknownVoucher,
    /// NotHolder, WrongState, AlreadyClaimed, VoucherTreeFrozen, NotMatured, NothingToClaim.
    /// Emits Claimed.
    function claim(uint256 id) external returns (uint256 amount);

    /// @notice Record on chain that root `rootId` is past maturity and underfunded.
    /// @dev Caller: anyone. Reverts NetworkPaused, UnknownVoucher, NotARoot, NotMatured,
    /// FullyFunded, AlreadyMarkedOverdue. Emits MarkedOverdue.
    function markOverdue(uint256 rootId) external;

    // ---------------------------------------------------------------- regulator and parameters

    /// @notice Freeze every node of the tree of `rootId`.
    /// @param reasonHash hash of the off-chain decision. @dev Caller: REGULATOR_ROLE. Reverts
    /// UnknownVoucher, NotARoot, FreezeUnchanged. Emits TreeFrozen.
    function freezeTree(uint256 rootId, bytes32 reasonHash) external;

    /// @notice Release trade document `documentHash` of `obligor` and `supplier` (e.g. its voucher
    /// was issued in error), so it can back a new voucher of that pair.
    /// @param reasonHash hash of the off-chain decision.
    /// @dev Caller: REGULATOR_ROLE; works during a pause. Reverts TradeDocumentNotUsed. Emits
    /// TradeDocumentReleased.
    function releaseDocument(address obligor, address supplier, bytes32 documentHash, bytes32 reasonHash) external;

    /// @notice Lift the freeze of the tree of `rootId`.
    /// @dev Caller: REGULATOR_ROLE. Reverts UnknownVoucher, NotARoot, FreezeUnchanged. Emits TreeUnfrozen.
    function unfreezeTree(uint256 rootId) external;

    /// @notice Set the circulation rules: maximum tenor (≤ MAX_TENOR_CAP, one year), minimum part
    /// size, maximum split depth and the acceptance window for transfers.
    /// @dev Caller: REGULATOR_ROLE. Reverts InvalidParameter. Emits RulesUpdated.
    function setRules(uint64 maxTenor, uint64 minPartAmount, uint8 maxDepth, uint32 acceptWindow) external;

    /// @notice Set the quote: rate = base + scoreBps × spreadFactorBps / 10 000 − green discount.
    /// @dev Caller: PRICING_ROLE. Reverts InvalidParameter. Emits PricingUpdated.
    function setPricing(uint16 baseRateBps, uint32 spreadFactorBps, uint16 greenDiscountBps) external;

    // ---------------------------------------------------------------- views

    /// @notice Node `id` (all zero with state None when unknown).
    function voucher(uint256 id) external view returns (VoucherView memory);

    /// @notice The aggregates of root `rootId` (all zero when unknown or not a root).
    function rootInfo(uint256 rootId) external view returns (RootView memory);

    /// @notice The offer or financing record of `id` (all zero when none).
    function financing(uint256 id) external view returns (Financing memory);

    /// @notice The root voucher trade document `documentHash` backs for `obligor` and `supplier`
    /// (the root's first holder), 0 when unused or released.
    function documentVoucher(address obligor, address supplier, bytes32 documentHash)
        external
        view
        returns (uint256 rootId);

    /// @notice The dedupe key of a trade document: keccak256(abi.encode(obligor, supplier, documentHash)).
    function documentKey(address obligor, address supplier, bytes32 documentHash) external pure returns (bytes32);

    /// @notice The risk-based discount rate for voucher `id` now, and the obligor's score it used.
    /// @dev Reverts RiskScoreUnavailable when the oracle has no usable score.
    function quoteRate(uint256 id) external view returns (uint16 rateBps, uint16 scoreBps);

    /// @notice The price a bank pays for `face` at `rateBps` a year with `remaining` seconds to
    /// maturity: face × (1 − rate × remaining / 365 days), rounded down.
    function discountedPrice(uint256 face, uint256 rateBps, uint256 remaining) external pure returns (uint256);

    /// @notice What the holder of leaf `id` could claim now.
    function claimable(uint256 id) external view returns (uint256);

    /// @notice Whether live leaf `id` is past maturity while its root is underfunded.
    function isOverdue(uint256 id) external view returns (bool);

    /// @notice The number of root vouchers issued; root ids run from 1 to this.
    function rootCount() external view returns (uint256);

    /// @notice The id part `index` (0-based) of existing voucher `parentId` gets (or got) in a split.
    /// @dev Reverts UnknownVoucher, DepthExceeded (no deeper ids exist), InvalidPartCount (index ≥ MAX_PARTS).
    function childId(uint256 parentId, uint256 index) external view returns (uint256);

    /// @notice The circulation rules.
    function rules() external view returns (uint64 maxTenor, uint64 minPartAmount, uint8 maxDepth, uint32 acceptWindow);

    /// @notice The pricing parameters.
    function pricing() external view returns (uint16 baseRateBps, uint32 spreadFactorBps, uint16 greenDiscountBps);
}
