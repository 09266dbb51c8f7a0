// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GovernedAccessControl, networkAdminDelay} from "../access/GovernedAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../interfaces/IProjectRegistry.sol";
import {IRiskOracle} from "../interfaces/IRiskOracle.sol";
import {ICreditVoucher} from "../interfaces/ICreditVoucher.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";
import {VoucherIds} from "./VoucherIds.sol";
import {ExactTransfers} from "../utils/ExactTransfers.sol";

/// @title CreditVoucher
/// @notice Supply-chain e-credit vouchers: issue against trade documents, split and pass down the
/// chain with acceptance, discount with a bank at a risk-quoted rate, redeem pro rata at maturity.
/// @dev A node is one storage slot: its id encodes its parent and root (VoucherIds). Obligor,
/// maturity, green tag, freeze and the money aggregates live once per root. Nothing iterates over
/// children: the root keeps face (= Σ live nodes), deposited and paid.
contract CreditVoucher is ICreditVoucher, GovernedAccessControl, ReentrancyGuard, ComplianceGuard {
    using SafeERC20 for IERC20;

    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");
    bytes32 public constant PRICING_ROLE = keccak256("PRICING_ROLE");

    /// @notice Never more than a year (Chinese e-voucher rules: in principle ≤ 6 months, never > 1 year).
    uint64 public constant MAX_TENOR_CAP = 365 days;
    /// @notice At most this many parts per split, so a split's gas is bounded.
    uint256 public constant MAX_PARTS = 8;
    /// @notice No rate above 100 % a year: with a tenor ≤ 1 year the price stays ≥ 0.
    uint16 public constant MAX_RATE_BPS = 10_000;
    /// @dev Denominator of the discount: basis points × seconds in a 365-day year.
    uint256 private constant _YEAR_BPS = 10_000 * 365 days;

    IERC20 public immutable settlementToken;
    IRiskOracle public immutable riskOracle;
    IProjectRegistry public immutable projectRegistry;

    // ---------------------------------------------------------------- storage

    struct Node {
        address holder; // the receiver while Pending; stays the splitter once Split
        uint64 amount;
        State state;
        uint8 depth;
        bool partlyClaimed; // `_claimed[id]` holds a partial claim
    }

    /// @dev A pending handover. At a node transferred whole: its sender and deadline. At a split
    /// node: the deadline of its pending parts, `from` = 0 (a part's sender is its parent's
    /// holder). One slot per split instead of one per part.
    struct Handover {
        address from;
        uint64 deadline;
    }

    struct Root {
        address obligor;
        uint64 maturity;
        bool frozen;
        bool overdueMarked;
        // second slot
        uint64 face;
        uint64 deposited;
        uint64 paid;
        // third slot, written only for green-tagged vouchers
        uint256 projectId;
    }

    /// @dev One slot read by issue, split and transfer; the root counter rides along.
    struct Params {
        uint64 lastRoot;
        uint64 minPartAmount;
        uint32 maxTenor;
        uint32 acceptWindow;
        uint8 maxDepth;
    }

    struct Pricing {
        uint16 baseRateBps;
        uint32 spreadFactorBps;
        uint16 greenDiscountBps;
    }

    Params private _params;
    Pricing private _pricing;
    mapping(uint256 id => Node) private _nodes;
    mapping(uint256 rootId => Root) private _roots;
    mapping(uint256 id => Handover) private _handovers;
    mapping(uint256 id => uint256) private _claimed;
    mapping(uint256 id => Financing) private _financing;
    mapping(bytes32 documentKey => uint256 rootId) private _documents;

    // ---------------------------------------------------------------- constructor

    /// @param admin receives DEFAULT_ADMIN_ROLE, GOVERNOR_ROLE and PRICING_ROLE (a governed role). @param regulator receives REGULATOR_ROLE
    /// and GOVERNOR_ROLE (rules).
    /// Defaults: max tenor 180 days, minimum part 100 units, depth 6, acceptance window 7 days;
    /// quote 3 % + 1 × score, green discount 0.5 %.
    constructor(
        IParticipantRegistry registry_,
        IERC20 settlementToken_,
        IRiskOracle riskOracle_,
        IProjectRegistry projectRegistry_,
        address admin,
        address regulator
    ) ComplianceGuard(registry_) GovernedAccessControl(networkAdminDelay(address(registry_)), admin) {
        if (
            address(settlementToken_) == address(0) || address(riskOracle_) == address(0)
                || address(projectRegistry_) == address(0) || admin == address(0) || regulator == address(0)
        ) revert ZeroAddressParameter();
        settlementToken = settlementToken_;
        riskOracle = riskOracle_;
        projectRegistry = projectRegistry_;
        _governRole(PRICING_ROLE);
        _grantRole(PRICING_ROLE, admin);
        _grantRole(REGULATOR_ROLE, regulator);
        // The regulator set these parameters before GOVERNOR_ROLE existed; on live networks
        // `greenfi deploy` revokes it when the timelock takes the role over.
        _grantRole(GOVERNOR_ROLE, regulator);
        _setRules(180 days, 100 * 10 ** 6, 6, 7 days);
        _setPricing(300, 10_000, 50);
    }

    // ---------------------------------------------------------------- issue, split, transfer

    /// @inheritdoc ICreditVoucher
    function issue(
        address holder,
        uint256 amount,
        uint64 maturity,
        bytes32 orderHash,
        bytes32 deliveryHash,
        bytes32 invoiceHash,
        uint256 projectId
    ) external returns (uint256 id) {
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Enterprise);
        _requireCanActAs(holder, IParticipantRegistry.Kind.Enterprise);
        if (holder == msg.sender) revert SelfIssue(msg.sender);
        if (amount == 0) revert ZeroAmount();
        if (amount > type(uint64).max) revert AmountTooLarge(amount);
        if (maturity <= block.timestamp) revert MaturityNotInFuture(maturity);
        Params memory p = _params;
        uint256 tenor;
        // unchecked: maturity > block.timestamp was checked just above.
        unchecked {
            tenor = maturity - block.timestamp;
        }
        if (tenor > p.maxTenor) revert TenorTooLong(tenor, p.maxTenor);
        if (projectId != 0 && !projectRegistry.isActive(projectId)) revert ProjectNotActive(projectId);

        // unchecked: a uint64 counter, one step per issue, does not wrap.
        unchecked {
            id = uint256(p.lastRoot) + 1;
        }
        _useDocuments(holder, orderHash, deliveryHash, invoiceHash, id);
        _params.lastRoot = uint64(id);
        _nodes[id] = Node(holder, uint64(amount), State.Active, 0, false);
        Root storage r = _roots[id];
        r.obligor = msg.sender;
        r.maturity = maturity;
        r.face = uint64(amount);
        if (projectId != 0) r.projectId = projectId;
        emit VoucherIssued(id, msg.sender, holder, amount, maturity, projectId, orderHash, deliveryHash, invoiceHash);
    }

    /// @inheritdoc ICreditVoucher
    function split(uint256 id, uint256[] calldata amounts, address[] calldata recipients) external {
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Enterprise);
        Node storage n = _heldIn(id, State.Active);
        uint256 rootId = VoucherIds.rootOf(id);
        _requireOpen(id, rootId);
        Params memory p = _params;
        bool anyPending = _checkParts(id, n.amount, p.minPartAmount, amounts, recipients);
        uint256 depth = uint256(n.depth) + 1;
        if (depth > p.maxDepth) revert DepthExceeded(depth, p.maxDepth);

        n.state = State.Split;
        uint64 deadline = uint64(block.timestamp) + p.acceptWindow;
        if (anyPending) _handovers[id] = Handover(address(0), deadline);
        _createChildren(id, rootId, depth, deadline, amounts, recipients);
    }

    /// @inheritdoc ICreditVoucher
    function transfer(uint256 id, address to) external {
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Enterprise);
        _requireCanActAs(to, IParticipantRegistry.Kind.Enterprise);
        Node storage n = _heldIn(id, State.Active);
        uint256 rootId = VoucherIds.rootOf(id);
        _requireOpen(id, rootId);
        if (to == msg.sender) revert SelfTransfer(id);
        uint64 deadline = uint64(block.timestamp) + _params.acceptWindow;
        n.holder = to;
        n.state = State.Pending;
        _handovers[id] = Handover(msg.sender, deadline);
        emit TransferProposed(id, rootId, to, msg.sender, deadline);
    }

    /// @inheritdoc ICreditVoucher
    function accept(uint256 id) external {
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Enterprise);
        Node storage n = _heldIn(id, State.Pending);
        uint256 rootId = VoucherIds.rootOf(id);
        _requireNotFrozen(rootId);
        (address from, uint64 deadline) = _pendingHandover(id, n.depth);
        if (block.timestamp >= deadline) revert AcceptanceExpired(id, deadline);
        n.state = State.Active;
        if (from != address(0)) delete _handovers[id];
        emit TransferAccepted(id, rootId, msg.sender);
    }

    /// @inheritdoc ICreditVoucher
    function reclaim(uint256 id) external {
        Node storage n = _nodes[id];
        State state = n.state;
        if (state == State.None) revert UnknownVoucher(id);
        if (state != State.Pending) revert WrongState(id, state, State.Pending);
        uint256 rootId = VoucherIds.rootOf(id);
        _requireNotFrozen(rootId);
        uint8 depth = n.depth;
        (address from, uint64 deadline) = _pendingHandover(id, depth);
        if (block.timestamp < deadline) revert AcceptanceOpen(id, deadline);
        address sender = from != address(0) ? from : _nodes[VoucherIds.parentOf(id, depth)].holder;
        _requireCanHold(sender);
        n.holder = sender;
        n.state = State.Active;
        if (from != address(0)) delete _handovers[id];
        emit TransferReclaimed(id, rootId, sender);
    }

    // ---------------------------------------------------------------- financing

    /// @inheritdoc ICreditVoucher
    function offer(uint256 id, address bank, uint16 maxRateBps) external {
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Enterprise);
        _requireCanActAs(bank, IParticipantRegistry.Kind.Bank);
        Node storage n = _heldIn(id, State.Active);
        uint256 rootId = VoucherIds.rootOf(id);
        _requireOpen(id, rootId);
        if (maxRateBps > MAX_RATE_BPS) revert RateTooHigh(maxRateBps);
        n.state = State.Offered;
        _financing[id] = Financing(bank, maxRateBps, 0, 0, 0, false);
        emit FinancingOffered(id, rootId, bank, msg.sender, maxRateBps);
    }

    /// @inheritdoc ICreditVoucher
    function cancelOffer(uint256 id) external whenNetworkActive {
        Node storage n = _heldIn(id, State.Offered);
        uint256 rootId = VoucherIds.rootOf(id);
        _requireNotFrozen(rootId);
        n.state = State.Active;
        delete _financing[id];
        emit OfferCancelled(id, rootId);
    }

    /// @inheritdoc ICreditVoucher
    function acceptOffer(uint256 id, uint16 rateBps) external nonReentrant returns (uint256 price) {
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Bank);
        Node storage n = _nodes[id];
        State state = n.state;
        if (state == State.None) revert UnknownVoucher(id);
        if (state != State.Offered) revert WrongState(id, state, State.Offered);
        Financing storage f = _financing[id];
        if (f.bank != msg.sender) revert NotOfferedTo(id, msg.sender);
        uint16 maxRateBps = f.maxRateBps;
        if (rateBps > maxRateBps) revert RateAboveAsk(rateBps, maxRateBps);
        address seller = n.holder;
        _requireCanHold(seller);
        uint256 rootId = VoucherIds.rootOf(id);
        uint64 maturity = _requireOpen(id, rootId);
        uint256 face = n.amount;
        // unchecked: _requireOpen guarantees maturity > block.timestamp.
        unchecked {
            price = discountedPrice(face, rateBps, maturity - block.timestamp);
        }
        n.holder = msg.sender;
        n.state = State.Active;
        _recordFinancing(id, rootId, seller, face, price, rateBps, maxRateBps);
        if (price > 0) ExactTransfers.moveExact(settlementToken, msg.sender, seller, price);
    }

    // ---------------------------------------------------------------- maturity

    /// @inheritdoc ICreditVoucher
    function repay(uint256 rootId, uint256 amount) external nonReentrant {
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Enterprise);
        Root storage r = _rootOf(rootId);
        if (r.obligor != msg.sender) revert NotObligor(rootId, msg.sender);
        if (r.frozen) revert VoucherTreeFrozen(rootId);
        if (amount == 0) revert ZeroAmount();
        uint256 outstanding;
        // unchecked: deposited ≤ face always holds.
        unchecked {
            outstanding = uint256(r.face) - r.deposited;
        }
        if (amount > outstanding) revert RepaymentExceedsFace(rootId, amount, outstanding);
        uint64 deposited;
        // unchecked: amount ≤ face − deposited, so the sum stays ≤ face < 2^64.
        unchecked {
            deposited = r.deposited + uint64(amount);
        }
        r.deposited = deposited;
        emit Repaid(rootId, msg.sender, amount, deposited);
        ExactTransfers.pullExact(settlementToken, msg.sender, amount);
    }

    /// @inheritdoc ICreditVoucher
    function claim(uint256 id) external nonReentrant returns (uint256 amount) {
        _requireCanHold(msg.sender);
        Node storage n = _nodes[id];
        State state = n.state;
        if (state == State.None) revert UnknownVoucher(id);
        if (state == State.Redeemed) revert AlreadyClaimed(id);
        if (state != State.Active) revert WrongState(id, state, State.Active);
        if (n.holder != msg.sender) revert NotHolder(id, msg.sender);
        uint256 rootId = VoucherIds.rootOf(id);
        Root storage r = _roots[rootId];
        if (r.frozen) revert VoucherTreeFrozen(rootId);
        if (block.timestamp < r.maturity) revert NotMatured(id, r.maturity);
        uint256 face = n.amount;
        bool partly = n.partlyClaimed;
        uint256 claimed = partly ? _claimed[id] : 0;
        amount = _entitlement(face, r.deposited, r.face) - claimed;
        if (amount == 0) revert NothingToClaim(id);
        // unchecked: Σ entitlements ≤ deposited ≤ root face < 2^64, so paid stays below 2^64;
        // claimed + amount = entitlement ≤ face.
        unchecked {
            r.paid += uint64(amount);
            claimed += amount;
        }
        if (claimed == face) {
            n.state = State.Redeemed;
            if (partly) delete _claimed[id];
        } else {
            if (!partly) n.partlyClaimed = true;
            _claimed[id] = claimed;
        }
        emit Claimed(id, rootId, msg.sender, amount, claimed);
        settlementToken.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc ICreditVoucher
    function markOverdue(uint256 rootId) external whenNetworkActive {
        Root storage r = _rootOf(rootId);
        if (block.timestamp < r.maturity) revert NotMatured(rootId, r.maturity);
        if (r.deposited == r.face) revert FullyFunded(rootId);
        if (r.overdueMarked) revert AlreadyMarkedOverdue(rootId);
        r.overdueMarked = true;
        emit MarkedOverdue(rootId, r.face, r.deposited);
    }

    // ---------------------------------------------------------------- regulator and parameters

    /// @inheritdoc ICreditVoucher
    function freezeTree(uint256 rootId, bytes32 reasonHash) external onlyRole(REGULATOR_ROLE) {
        Root storage r = _rootOf(rootId);
        if (r.frozen) revert FreezeUnchanged(rootId, true);
        r.frozen = true;
        emit TreeFrozen(rootId, reasonHash);
    }

    /// @inheritdoc ICreditVoucher
    function releaseDocument(address obligor, address supplier, bytes32 documentHash, bytes32 reasonHash)
        external
        onlyRole(REGULATOR_ROLE)
    {
        bytes32 key = documentKey(obligor, supplier, documentHash);
        uint256 rootId = _documents[key];
        if (rootId == 0) revert TradeDocumentNotUsed(obligor, supplier, documentHash);
        delete _documents[key];
        emit TradeDocumentReleased(key, rootId, obligor, supplier, documentHash, reasonHash);
    }

    /// @inheritdoc ICreditVoucher
    function unfreezeTree(uint256 rootId) external onlyRole(REGULATOR_ROLE) {
        Root storage r = _rootOf(rootId);
        if (!r.frozen) revert FreezeUnchanged(rootId, false);
        r.frozen = false;
        emit TreeUnfrozen(rootId);
    }

    /// @inheritdoc ICreditVoucher
    function setRules(uint64 maxTenor, uint64 minPartAmount, uint8 maxDepth, uint32 acceptWindow)
        external
        onlyRole(GOVERNOR_ROLE)
    {
        _setRules(maxTenor, minPartAmount, maxDepth, acceptWindow);
    }

    /// @inheritdoc ICreditVoucher
    function setPricing(uint16 baseRateBps, uint32 spreadFactorBps, uint16 greenDiscountBps)
        external
        onlyRole(PRICING_ROLE)
    {
        _setPricing(baseRateBps, spreadFactorBps, greenDiscountBps);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICreditVoucher
    function voucher(uint256 id) external view returns (VoucherView memory v) {
        Node memory n = _nodes[id];
        if (n.state == State.None) return v;
        uint256 rootId = VoucherIds.rootOf(id);
        Root storage r = _roots[rootId];
        v.holder = n.holder;
        v.amount = n.amount;
        v.state = n.state;
        v.depth = n.depth;
        v.parentId = VoucherIds.parentOf(id, n.depth);
        v.rootId = rootId;
        if (n.state == State.Pending) {
            (v.pendingFrom, v.acceptDeadline) = _pendingHandover(id, n.depth);
            if (v.pendingFrom == address(0)) v.pendingFrom = _nodes[v.parentId].holder;
        }
        v.claimed = n.state == State.Redeemed ? n.amount : (n.partlyClaimed ? _claimed[id] : 0);
        v.obligor = r.obligor;
        v.maturity = r.maturity;
        v.projectId = r.projectId;
    }

    /// @inheritdoc ICreditVoucher
    function rootInfo(uint256 rootId) external view returns (RootView memory v) {
        if (_nodes[rootId].state == State.None || VoucherIds.rootOf(rootId) != rootId) return v;
        Root storage r = _roots[rootId];
        v = RootView(r.obligor, r.maturity, r.frozen, r.overdueMarked, r.face, r.deposited, r.paid, r.projectId);
    }

    /// @inheritdoc ICreditVoucher
    function financing(uint256 id) external view returns (Financing memory) {
        return _financing[id];
    }

    /// @inheritdoc ICreditVoucher
    function documentVoucher(address obligor, address supplier, bytes32 documentHash)
        external
        view
        returns (uint256)
    {
        return _documents[documentKey(obligor, supplier, documentHash)];
    }

    /// @inheritdoc ICreditVoucher
    function documentKey(address obligor, address supplier, bytes32 documentHash) public pure returns (bytes32) {
        return keccak256(abi.encode(obligor, supplier, documentHash));
    }

    /// @inheritdoc ICreditVoucher
    function quoteRate(uint256 id) external view returns (uint16 rateBps, uint16 scoreBps) {
        if (_nodes[id].state == State.None) revert UnknownVoucher(id);
        IRiskOracle.Score memory score;
        (rateBps, score) = _quote(VoucherIds.rootOf(id));
        scoreBps = score.scoreBps;
    }

    /// @inheritdoc ICreditVoucher
    /// @dev Rounded down to the base unit, so the bank never pays more than the exact discounted
    /// value and no value is created: price ≤ face × (1 − rate × t) ≤ face.
    function discountedPrice(uint256 face, uint256 rateBps, uint256 remaining) public pure returns (uint256) {
        uint256 discount = rateBps * remaining;
        if (discount >= _YEAR_BPS) return 0;
        // unchecked: discount < _YEAR_BPS was checked just above.
        unchecked {
            return Math.mulDiv(face, _YEAR_BPS - discount, _YEAR_BPS);
        }
    }

    /// @inheritdoc ICreditVoucher
    function claimable(uint256 id) external view returns (uint256) {
        Node storage n = _nodes[id];
        if (n.state != State.Active) return 0;
        Root storage r = _roots[VoucherIds.rootOf(id)];
        if (block.timestamp < r.maturity) return 0;
        return _entitlement(n.amount, r.deposited, r.face) - (n.partlyClaimed ? _claimed[id] : 0);
    }

    /// @inheritdoc ICreditVoucher
    function isOverdue(uint256 id) external view returns (bool) {
        State state = _nodes[id].state;
        if (state == State.None || state == State.Split || state == State.Redeemed) return false;
        Root storage r = _roots[VoucherIds.rootOf(id)];
        return block.timestamp >= r.maturity && r.deposited < r.face;
    }

    /// @inheritdoc ICreditVoucher
    function rootCount() external view returns (uint256) {
        return _params.lastRoot;
    }

    /// @inheritdoc ICreditVoucher
    function childId(uint256 parentId, uint256 index) external view returns (uint256) {
        Node storage n = _nodes[parentId];
        if (n.state == State.None) revert UnknownVoucher(parentId);
        if (n.depth >= VoucherIds.MAX_DEPTH) revert DepthExceeded(uint256(n.depth) + 1, VoucherIds.MAX_DEPTH);
        if (index >= MAX_PARTS) revert InvalidPartCount(index + 1, index + 1);
        return VoucherIds.childOf(parentId, n.depth, index);
    }

    /// @inheritdoc ICreditVoucher
    function rules() external view returns (uint64, uint64, uint8, uint32) {
        Params memory p = _params;
        return (p.maxTenor, p.minPartAmount, p.maxDepth, p.acceptWindow);
    }

    /// @inheritdoc ICreditVoucher
    function pricing() external view returns (uint16, uint32, uint16) {
        Pricing memory p = _pricing;
        return (p.baseRateBps, p.spreadFactorBps, p.greenDiscountBps);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Node `id` in `expected` state, held by the caller.
    function _heldIn(uint256 id, State expected) private view returns (Node storage n) {
        n = _nodes[id];
        State state = n.state;
        if (state == State.None) revert UnknownVoucher(id);
        if (n.holder != msg.sender) revert NotHolder(id, msg.sender);
        if (state != expected) revert WrongState(id, state, expected);
    }

    /// @dev The root record of `rootId`, which must be a root voucher.
    function _rootOf(uint256 rootId) private view returns (Root storage) {
        if (_nodes[rootId].state == State.None) revert UnknownVoucher(rootId);
        if (VoucherIds.rootOf(rootId) != rootId) revert NotARoot(rootId);
        return _roots[rootId];
    }

    function _requireNotFrozen(uint256 rootId) private view {
        if (_roots[rootId].frozen) revert VoucherTreeFrozen(rootId);
    }

    /// @dev The tree is not frozen and voucher `id` has not matured; returns the maturity.
    function _requireOpen(uint256 id, uint256 rootId) private view returns (uint64 maturity) {
        Root storage r = _roots[rootId];
        if (r.frozen) revert VoucherTreeFrozen(rootId);
        maturity = r.maturity;
        if (block.timestamp >= maturity) revert VoucherMatured(id, maturity);
    }

    /// @dev 2..MAX_PARTS parts, one recipient each, every part ≥ the minimum, summing exactly to
    /// `held`; every recipient but the caller itself may act as an Enterprise.
    function _checkParts(
        uint256 id,
        uint256 held,
        uint256 minPartAmount,
        uint256[] calldata amounts,
        address[] calldata recipients
    ) private view returns (bool anyPending) {
        uint256 parts = amounts.length;
        if (parts < 2 || parts > MAX_PARTS || recipients.length != parts) {
            revert InvalidPartCount(parts, recipients.length);
        }
        uint256 total;
        for (uint256 i; i < parts; ++i) {
            uint256 a = amounts[i];
            if (a < minPartAmount) revert PartBelowMinimum(i, a, minPartAmount);
            total += a;
            if (total > held) revert SplitExceedsHeld(id, total, held);
            if (recipients[i] != msg.sender) {
                _requireCanActAs(recipients[i], IParticipantRegistry.Kind.Enterprise);
                anyPending = true;
            }
        }
        if (total < held) revert SplitBelowHeld(id, total, held);
    }

    /// @dev Store the parts of a split (a part for the splitter itself is Active at once) and emit
    /// VoucherSplit; apart from split to keep its stack small.
    function _createChildren(
        uint256 parentId,
        uint256 rootId,
        uint256 depth,
        uint64 deadline,
        uint256[] calldata amounts,
        address[] calldata recipients
    ) private {
        // unchecked: i < amounts.length ≤ MAX_PARTS; each amount ≤ held < 2^64 (_checkParts);
        // 1 ≤ depth ≤ maxDepth ≤ MAX_DEPTH, so the shift stays below 256 bits.
        unchecked {
            uint256 shift = VoucherIds.ROOT_BITS + VoucherIds.DIGIT_BITS * (depth - 1);
            for (uint256 i; i < amounts.length; ++i) {
                address to = recipients[i];
                _nodes[parentId | ((i + 1) << shift)] =
                    Node(to, uint64(amounts[i]), to == msg.sender ? State.Active : State.Pending, uint8(depth), false);
            }
        }
        emit VoucherSplit(parentId, rootId, msg.sender, recipients, amounts, deadline);
    }

    /// @dev The handover of pending node `id`: a whole-voucher transfer's (sender, deadline), else
    /// (a split part) (0, the split's deadline); a part's sender is its parent's holder.
    function _pendingHandover(uint256 id, uint8 depth) private view returns (address from, uint64 deadline) {
        Handover memory h = _handovers[id];
        if (h.from != address(0)) return (h.from, h.deadline);
        return (address(0), _handovers[VoucherIds.parentOf(id, depth)].deadline);
    }

    /// @dev A leaf's pro-rata share of the deposit, rounded down so Σ shares ≤ deposited.
    function _entitlement(uint256 amount, uint256 deposited, uint256 face) private pure returns (uint256) {
        if (deposited == face) return amount;
        return amount * deposited / face;
    }

    /// @dev Each of the three document hashes is non-zero, distinct, and never used before by this
    /// obligor (the caller) with this supplier.
    function _useDocuments(address supplier, bytes32 orderHash, bytes32 deliveryHash, bytes32 invoiceHash, uint256 id)
        private
    {
        if (orderHash == 0) revert InvalidTradeDocument(orderHash);
        if (deliveryHash == 0 || deliveryHash == orderHash) revert InvalidTradeDocument(deliveryHash);
        if (invoiceHash == 0 || invoiceHash == orderHash || invoiceHash == deliveryHash) {
            revert InvalidTradeDocument(invoiceHash);
        }
        _useDocument(supplier, orderHash, id);
        _useDocument(supplier, deliveryHash, id);
        _useDocument(supplier, invoiceHash, id);
    }

    function _useDocument(address supplier, bytes32 documentHash, uint256 id) private {
        bytes32 key = documentKey(msg.sender, supplier, documentHash);
        uint256 used = _documents[key];
        if (used != 0) revert TradeDocumentUsed(documentHash, used);
        _documents[key] = id;
    }

    /// @dev Quote, store the financing record and emit Financed (apart to keep acceptOffer's stack small).
    function _recordFinancing(
        uint256 id,
        uint256 rootId,
        address seller,
        uint256 face,
        uint256 price,
        uint16 rateBps,
        uint16 maxRateBps
    ) private {
        (uint16 quoted, IRiskOracle.Score memory score) = _quote(rootId);
        _financing[id] = Financing(msg.sender, maxRateBps, rateBps, quoted, score.scoreBps, true);
        emit Financed(id, rootId, msg.sender, seller, face, price, rateBps, quoted, score.scoreBps, score.modelVersion);
    }

    /// @dev The risk-based quote for root `rootId`: base + score × factor − green discount, capped.
    function _quote(uint256 rootId) private view returns (uint16 rateBps, IRiskOracle.Score memory score) {
        Root storage r = _roots[rootId];
        address obligor = r.obligor;
        try riskOracle.latestScore(obligor) returns (IRiskOracle.Score memory s) {
            score = s;
        } catch {
            revert RiskScoreUnavailable(obligor);
        }
        Pricing memory p = _pricing;
        uint256 rate = uint256(p.baseRateBps) + uint256(score.scoreBps) * p.spreadFactorBps / 10_000;
        uint256 projectId = r.projectId;
        // The green discount holds only while the project is still active.
        if (projectId != 0 && projectRegistry.isActive(projectId)) {
            rate = rate > p.greenDiscountBps ? rate - p.greenDiscountBps : 0;
        }
        rateBps = rate > MAX_RATE_BPS ? MAX_RATE_BPS : uint16(rate);
    }

    function _setRules(uint64 maxTenor, uint64 minPartAmount, uint8 maxDepth, uint32 acceptWindow) private {
        if (maxTenor == 0 || maxTenor > MAX_TENOR_CAP) revert InvalidParameter("maxTenor", maxTenor);
        if (minPartAmount == 0) revert InvalidParameter("minPartAmount", minPartAmount);
        if (maxDepth == 0 || maxDepth > VoucherIds.MAX_DEPTH) revert InvalidParameter("maxDepth", maxDepth);
        if (acceptWindow == 0 || acceptWindow > 90 days) revert InvalidParameter("acceptWindow", acceptWindow);
        Params storage p = _params;
        p.maxTenor = uint32(maxTenor);
        p.minPartAmount = minPartAmount;
        p.maxDepth = maxDepth;
        p.acceptWindow = acceptWindow;
        emit RulesUpdated(maxTenor, minPartAmount, maxDepth, acceptWindow);
    }

    function _setPricing(uint16 baseRateBps, uint32 spreadFactorBps, uint16 greenDiscountBps) private {
        if (baseRateBps > MAX_RATE_BPS) revert InvalidParameter("baseRateBps", baseRateBps);
        if (spreadFactorBps > 100_000) revert InvalidParameter("spreadFactorBps", spreadFactorBps);
        if (greenDiscountBps > MAX_RATE_BPS) revert InvalidParameter("greenDiscountBps", greenDiscountBps);
        _pricing = Pricing(baseRateBps, spreadFactorBps, greenDiscountBps);
        emit PricingUpdated(baseRateBps, spreadFactorBps, greenDiscountBps);
    }
}
