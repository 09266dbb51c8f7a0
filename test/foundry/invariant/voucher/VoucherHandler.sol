// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {vm} from "../../lib/Vm.sol";
import {HandlerBase} from "../../lib/HandlerBase.sol";
import {CreditVoucher} from "../../../../contracts/voucher/CreditVoucher.sol";
import {SettlementToken} from "../../../../contracts/token/SettlementToken.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {ICreditVoucher} from "../../../../contracts/interfaces/ICreditVoucher.sol";

/// @title VoucherHandler
/// @notice Drives CreditVoucher from four enterprises, a bank, an outsider and the regulator:
/// issues (also to oneself, of zero, too long, on a used trade document), splits (valid, below or
/// above the held amount, too deep), transfers, acceptances, reclaims, offers, discounting by the
/// bank, repayments (also beyond face), claims, tree freezes, freezes of parties, the pause and time.
/// Ghosts: every node id, each trade document's root, what each root was deposited and paid, how
/// often each node was financed.
contract VoucherHandler is HandlerBase {
    uint256 public constant MAX_ROOTS = 6;
    uint256 public constant MAX_NODES = 60;
    uint256 private constant _MIN_PART = 100e6;

    CreditVoucher public immutable vouchers;
    SettlementToken public immutable token;
    address public immutable bank;

    uint256[] public nodes;
    uint256 public rootCount;
    /// @notice Every issued root's trade documents: the order hash (delivery and invoice derive from
    /// it), the obligor and supplier they are bound to, the root.
    struct Documents {
        bytes32 order;
        address obligor;
        address supplier;
        uint256 rootId;
    }

    Documents[] private _documents;
    mapping(uint256 id => uint256) public ghostFinancings;
    mapping(uint256 rootId => uint256) public ghostDeposited;
    mapping(uint256 rootId => uint256) public ghostPaid;

    constructor(CreditVoucher vouchers_, SettlementToken token_, ParticipantRegistry registry_, address regulator_, address bank_, address[] memory actors_)
        HandlerBase(registry_, regulator_, actors_)
    {
        vouchers = vouchers_;
        token = token_;
        bank = bank_;
    }

    function nodeCount() external view returns (uint256) {
        return nodes.length;
    }

    function documentCount() external view returns (uint256) {
        return _documents.length;
    }

    function documentsAt(uint256 i) external view returns (Documents memory) {
        return _documents[i];
    }

    // ---------------------------------------------------------------- issue, split, transfer

    function issue(uint256 obligorSeed, uint256 holderSeed, uint256 amount, uint256 tenor, uint256 docSeed) external {
        if (rootCount == MAX_ROOTS) return;
        address obligor = _party(obligorSeed);
        address holder = _party(holderSeed);
        amount = _bound(amount, 0, 1e12);
        uint64 maturity = uint64(block.timestamp + _bound(tenor, 0, 200 days));
        // One issue in eight reuses the trade documents of an earlier voucher: refused for the same
        // obligor and supplier, accepted for another pair (documents are bound to the pair).
        bool reuse = docSeed % 8 == 0 && _documents.length > 0;
        bytes32 order = reuse ? _documents[docSeed % _documents.length].order : keccak256(abi.encode("order", docSeed, block.timestamp, rootCount));
        bool used = reuse && _boundTo(order, obligor, holder);
        bytes32 delivery = keccak256(abi.encode("delivery", order));
        bytes32 invoice = keccak256(abi.encode("invoice", order));
        bytes4 expected = _actError(obligor);
        if (expected == SUCCEEDS) expected = _actError(holder);
        if (expected == SUCCEEDS) {
            expected = holder == obligor
                ? ICreditVoucher.SelfIssue.selector
                : amount == 0
                    ? ICreditVoucher.ZeroAmount.selector
                    : maturity <= block.timestamp
                        ? ICreditVoucher.MaturityNotInFuture.selector
                        : maturity - block.timestamp > 180 days ? ICreditVoucher.TenorTooLong.selector : used ? ICreditVoucher.TradeDocumentUsed.selector : SUCCEEDS;
        }
        bytes memory data = abi.encodeCall(vouchers.issue, (holder, amount, maturity, order, delivery, invoice, 0));
        bytes memory ret = _call(obligor, address(vouchers), data, expected, "issue");
        if (expected == SUCCEEDS) {
            uint256 id = abi.decode(ret, (uint256));
            ++rootCount;
            nodes.push(id);
            _documents.push(Documents(order, obligor, holder, id));
        }
    }

    function split(uint256 nodeSeed, uint256 callerSeed, uint256 shape) external {
        if (nodes.length == 0 || nodes.length + 4 > MAX_NODES) return;
        uint256 id = _node(nodeSeed, ICreditVoucher.State.Active);
        ICreditVoucher.VoucherView memory v = vouchers.voucher(id);
        address caller = callerSeed % 5 == 0 ? _actor(callerSeed >> 8) : v.holder;
        uint256 parts = 2 + shape % 3;
        uint256[] memory amounts = new uint256[](parts);
        address[] memory recipients = new address[](parts);
        uint256 left = v.amount;
        for (uint256 i; i < parts; ++i) {
            recipients[i] = _party(shape >> (8 * (i + 1)));
            uint256 share = i + 1 == parts ? left : (left >= _MIN_PART ? _bound(shape >> (8 * i), _MIN_PART, left) : left);
            amounts[i] = share;
            left -= share;
        }
        // One split in eight asks for a unit more than held, which must be refused.
        if ((shape >> 200) % 8 == 0) amounts[0] += 1;
        bytes4 expected = _actError(caller);
        if (expected == SUCCEEDS) expected = _nodeError(id, v, caller, ICreditVoucher.State.Active);
        if (expected == SUCCEEDS) {
            expected = (shape >> 200) % 8 == 0 || !_partsValid(amounts, recipients, caller) || v.depth + 1 > 6 ? REFUSED : SUCCEEDS;
        }
        _call(caller, address(vouchers), abi.encodeCall(vouchers.split, (id, amounts, recipients)), expected, "split");
        if (expected == SUCCEEDS) {
            for (uint256 i; i < parts; ++i) {
                nodes.push(vouchers.childId(id, i));
            }
        }
    }

    function transfer(uint256 nodeSeed, uint256 callerSeed, uint256 toSeed) external {
        if (nodes.length == 0) return;
        uint256 id = _node(nodeSeed, ICreditVoucher.State.Active);
        ICreditVoucher.VoucherView memory v = vouchers.voucher(id);
        address caller = callerSeed % 5 == 0 ? _actor(callerSeed >> 8) : v.holder;
        address to = _party(toSeed);
        bytes4 expected = _actError(caller);
        if (expected == SUCCEEDS) expected = _actError(to);
        if (expected == SUCCEEDS) expected = _nodeError(id, v, caller, ICreditVoucher.State.Active);
        if (expected == SUCCEEDS && to == caller) expected = ICreditVoucher.SelfTransfer.selector;
        _call(caller, address(vouchers), abi.encodeCall(vouchers.transfer, (id, to)), expected, "transfer");
    }

    function accept(uint256 nodeSeed, uint256 callerSeed) external {
        if (nodes.length == 0) return;
        uint256 id = _node(nodeSeed, ICreditVoucher.State.Pending);
        ICreditVoucher.VoucherView memory v = vouchers.voucher(id);
        address caller = callerSeed % 5 == 0 ? _actor(callerSeed >> 8) : v.holder;
        bytes4 expected = _actError(caller);
        if (expected == SUCCEEDS) expected = _stateError(id, v, caller, ICreditVoucher.State.Pending, true);
        if (expected == SUCCEEDS && vouchers.rootInfo(v.rootId).frozen) expected = ICreditVoucher.VoucherTreeFrozen.selector;
        if (expected == SUCCEEDS && block.timestamp >= v.acceptDeadline) expected = ICreditVoucher.AcceptanceExpired.selector;
        _call(caller, address(vouchers), abi.encodeCall(vouchers.accept, (id)), expected, "accept");
    }

    function reclaim(uint256 nodeSeed, uint256 callerSeed) external {
        if (nodes.length == 0) return;
        uint256 id = _node(nodeSeed, ICreditVoucher.State.Pending);
        ICreditVoucher.VoucherView memory v = vouchers.voucher(id);
        address caller = _actor(callerSeed);
        bytes4 expected = _stateError(id, v, caller, ICreditVoucher.State.Pending, false);
        if (expected == SUCCEEDS && vouchers.rootInfo(v.rootId).frozen) expected = ICreditVoucher.VoucherTreeFrozen.selector;
        if (expected == SUCCEEDS && block.timestamp < v.acceptDeadline) expected = ICreditVoucher.AcceptanceOpen.selector;
        if (expected == SUCCEEDS) expected = _guardError(registry.canHold(v.pendingFrom));
        _call(caller, address(vouchers), abi.encodeCall(vouchers.reclaim, (id)), expected, "reclaim");
    }

    // ---------------------------------------------------------------- financing

    function offer(uint256 nodeSeed, uint256 callerSeed, uint256 rate) external {
        if (nodes.length == 0) return;
        uint256 id = _node(nodeSeed, ICreditVoucher.State.Active);
        ICreditVoucher.VoucherView memory v = vouchers.voucher(id);
        address caller = callerSeed % 5 == 0 ? _actor(callerSeed >> 8) : v.holder;
        uint16 maxRate = uint16(_bound(rate, 0, 10_500));
        bytes4 expected = _actError(caller);
        if (expected == SUCCEEDS) expected = _guardError(registry.canActAs(bank, IParticipantRegistry.Kind.Bank));
        if (expected == SUCCEEDS) expected = _nodeError(id, v, caller, ICreditVoucher.State.Active);
        if (expected == SUCCEEDS && maxRate > 10_000) expected = ICreditVoucher.RateTooHigh.selector;
        _call(caller, address(vouchers), abi.encodeCall(vouchers.offer, (id, bank, maxRate)), expected, "offer");
    }

    function acceptOffer(uint256 nodeSeed, uint256 rate, bool byOther) external {
        if (nodes.length == 0) return;
        uint256 id = _node(nodeSeed, ICreditVoucher.State.Offered);
        ICreditVoucher.VoucherView memory v = vouchers.voucher(id);
        address caller = byOther && rate % 8 == 0 ? _actor(rate >> 8) : bank;
        ICreditVoucher.Financing memory f = vouchers.financing(id);
        uint16 rateBps = uint16(_bound(rate, 0, uint256(f.maxRateBps) + 1));
        bytes4 expected = _guardError(registry.canActAs(caller, IParticipantRegistry.Kind.Bank));
        if (expected == SUCCEEDS) expected = _stateError(id, v, caller, ICreditVoucher.State.Offered, false);
        if (expected == SUCCEEDS && f.bank != caller) expected = ICreditVoucher.NotOfferedTo.selector;
        if (expected == SUCCEEDS && rateBps > f.maxRateBps) expected = ICreditVoucher.RateAboveAsk.selector;
        if (expected == SUCCEEDS) expected = _guardError(registry.canHold(v.holder));
        if (expected == SUCCEEDS) expected = _openError(v);
        _call(caller, address(vouchers), abi.encodeCall(vouchers.acceptOffer, (id, rateBps)), expected, "acceptOffer");
        if (expected == SUCCEEDS) ++ghostFinancings[id];
    }

    // ---------------------------------------------------------------- maturity

    function repay(uint256 rootSeed, uint256 callerSeed, uint256 amount) external {
        if (rootCount == 0) return;
        uint256 rootId = 1 + rootSeed % rootCount;
        ICreditVoucher.RootView memory r = vouchers.rootInfo(rootId);
        address caller = callerSeed % 5 == 0 ? _actor(callerSeed >> 8) : r.obligor;
        uint256 outstanding = r.face - r.deposited;
        amount = _bound(amount, 0, outstanding + 1);
        bytes4 expected = _actError(caller);
        if (expected == SUCCEEDS) {
            expected = r.obligor != caller
                ? ICreditVoucher.NotObligor.selector
                : r.frozen
                    ? ICreditVoucher.VoucherTreeFrozen.selector
                    : amount == 0 ? ICreditVoucher.ZeroAmount.selector : amount > outstanding ? ICreditVoucher.RepaymentExceedsFace.selector : SUCCEEDS;
        }
        _call(caller, address(vouchers), abi.encodeCall(vouchers.repay, (rootId, amount)), expected, "repay");
        if (expected == SUCCEEDS) ghostDeposited[rootId] += amount;
    }

    function claim(uint256 nodeSeed, uint256 callerSeed) external {
        if (nodes.length == 0) return;
        uint256 id = _node(nodeSeed, ICreditVoucher.State.Active);
        ICreditVoucher.VoucherView memory v = vouchers.voucher(id);
        address caller = callerSeed % 5 == 0 ? _actor(callerSeed >> 8) : v.holder;
        uint256 claimable = vouchers.claimable(id);
        bytes4 expected = _guardError(registry.canHold(caller));
        if (expected == SUCCEEDS) {
            expected = v.state == ICreditVoucher.State.Redeemed
                ? ICreditVoucher.AlreadyClaimed.selector
                : v.state != ICreditVoucher.State.Active
                    ? ICreditVoucher.WrongState.selector
                    : v.holder != caller
                        ? ICreditVoucher.NotHolder.selector
                        : vouchers.rootInfo(v.rootId).frozen
                            ? ICreditVoucher.VoucherTreeFrozen.selector
                            : block.timestamp < v.maturity ? ICreditVoucher.NotMatured.selector : claimable == 0 ? ICreditVoucher.NothingToClaim.selector : SUCCEEDS;
        }
        _call(caller, address(vouchers), abi.encodeCall(vouchers.claim, (id)), expected, "claim");
        if (expected == SUCCEEDS) ghostPaid[v.rootId] += claimable;
    }

    // ---------------------------------------------------------------- regulator and the world

    function toggleTreeFreeze(uint256 rootSeed, bool byOther) external {
        if (rootCount == 0) return;
        uint256 rootId = 1 + rootSeed % rootCount;
        bool frozen = vouchers.rootInfo(rootId).frozen;
        address caller = byOther ? _actor(rootSeed >> 8) : regulator;
        bytes4 expected = byOther ? IAccessControl.AccessControlUnauthorizedAccount.selector : SUCCEEDS;
        bytes memory data = frozen ? abi.encodeCall(vouchers.unfreezeTree, (rootId)) : abi.encodeCall(vouchers.freezeTree, (rootId, bytes32(0)));
        _call(caller, address(vouchers), data, expected, "freezeTree");
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1, 10 days));
    }



    // ---------------------------------------------------------------- model helpers

    /// @dev Three picks in four: the first node from `seed` on in `state` (so most calls act on a node
    /// they can act on); else any node.
    function _node(uint256 seed, ICreditVoucher.State state) private view returns (uint256) {
        uint256 n = nodes.length;
        if ((seed >> 64) % 4 != 0) {
            for (uint256 i; i < n; ++i) {
                uint256 id = nodes[(seed % n + i) % n];
                if (vouchers.voucher(id).state == state) return id;
            }
        }
        return nodes[seed % n];
    }

    function _boundTo(bytes32 order, address obligor, address supplier) private view returns (bool) {
        for (uint256 i; i < _documents.length; ++i) {
            Documents storage d = _documents[i];
            if (d.order == order && d.obligor == obligor && d.supplier == supplier) return true;
        }
        return false;
    }

    /// @dev Seven picks in eight one of the four enterprises (actors 0-3), else any actor (the bank,
    /// the outsider).
    function _party(uint256 seed) private view returns (address) {
        return (seed >> 128) % 8 == 0 ? _actor(seed) : actors[seed % 4];
    }

    function _actError(address account) private view returns (bytes4) {
        return _guardError(registry.canActAs(account, IParticipantRegistry.Kind.Enterprise));
    }

    /// @dev The checks of `_heldIn` (state known, caller holds it, expected state) then `_requireOpen`.
    function _nodeError(uint256 id, ICreditVoucher.VoucherView memory v, address caller, ICreditVoucher.State state)
        private
        view
        returns (bytes4 e)
    {
        e = _stateError(id, v, caller, state, true);
        if (e == SUCCEEDS) e = _openError(v);
    }

    function _stateError(uint256, ICreditVoucher.VoucherView memory v, address caller, ICreditVoucher.State state, bool holderFirst)
        private
        pure
        returns (bytes4)
    {
        if (v.state == ICreditVoucher.State.None) return ICreditVoucher.UnknownVoucher.selector;
        if (holderFirst && v.holder != caller) return ICreditVoucher.NotHolder.selector;
        if (v.state != state) return ICreditVoucher.WrongState.selector;
        return SUCCEEDS;
    }

    function _openError(ICreditVoucher.VoucherView memory v) private view returns (bytes4) {
        if (vouchers.rootInfo(v.rootId).frozen) return ICreditVoucher.VoucherTreeFrozen.selector;
        if (block.timestamp >= v.maturity) return ICreditVoucher.VoucherMatured.selector;
        return SUCCEEDS;
    }

    function _partsValid(uint256[] memory amounts, address[] memory recipients, address caller) private view returns (bool) {
        for (uint256 i; i < amounts.length; ++i) {
            if (amounts[i] < _MIN_PART) return false;
            if (recipients[i] != caller && _actError(recipients[i]) != SUCCEEDS) return false;
        }
        return true;
    }

    /// @dev What every voucher state change moves: roots, the contract's money, node count of the model.
    function _fingerprint() internal view override returns (bytes32 digest) {
        digest = keccak256(abi.encode(vouchers.rootCount(), token.balanceOf(address(vouchers)), ghostAccepted));
        for (uint256 r = 1; r <= rootCount; ++r) {
            digest = keccak256(abi.encode(digest, vouchers.rootInfo(r)));
        }
    }
}
