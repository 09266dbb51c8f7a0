// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {GovernedAccessControl, networkAdminDelay} from "../access/GovernedAccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {ICarbonCredits} from "../interfaces/ICarbonCredits.sol";
import {ICarbonMarket} from "../interfaces/ICarbonMarket.sol";
import {CarbonCredits} from "./CarbonCredits.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";
import {ExactTransfers} from "../utils/ExactTransfers.sol";

/// @title CarbonMarket
/// @notice Escrowed fixed-price listings of carbon-credit batches, settled delivery-versus-payment
/// in the settlement token, with pull payments for proceeds and fees and buy-and-retire.
/// Needs MARKET_ROLE on CarbonCredits (its escrow is exempt from the per-transfer check because
/// this contract checks seller and buyer itself, at listing and at every fill).
contract CarbonMarket is ICarbonMarket, IERC1155Receiver, GovernedAccessControl, ReentrancyGuard, ComplianceGuard {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    uint16 public constant MAX_FEE_BPS = 1_000;
    uint256 private constant BPS = 10_000;

    CarbonCredits public immutable credits;
    IERC20 public immutable settlementToken;

    // One slot, read by every fill: fees accrue here rather than in _credited[treasury].
    address private _treasury;
    uint16 private _feeBps;
    uint80 private _feesAccrued;
    uint256 private _listingCount;
    mapping(uint256 listingId => Listing) private _listings;
    mapping(address account => uint256) private _credited;
    /// @dev Every treasury ever set: exempt from registration (not from freeze or pause) when withdrawing.
    mapping(address account => bool) private _wasTreasury;

    /// @dev The carbon regulator is CarbonCredits' REGULATOR_ROLE: one list of who regulates carbon.
    modifier onlyRegulator() {
        if (!credits.hasRole(credits.REGULATOR_ROLE(), msg.sender)) revert NotRegulator(msg.sender);
        _;
    }

    constructor(
        IParticipantRegistry registry_,
        CarbonCredits credits_,
        IERC20 settlementToken_,
        address admin,
        address treasury,
        uint16 feeBps_
    ) ComplianceGuard(registry_) GovernedAccessControl(networkAdminDelay(address(registry_)), admin) {
        if (address(credits_) == address(0) || address(settlementToken_) == address(0) || admin == address(0)) {
            revert ZeroAddress();
        }
        credits = credits_;
        settlementToken = settlementToken_;
        _setFee(feeBps_, treasury);
    }

    // ---------------------------------------------------------------- listings

    /// @inheritdoc ICarbonMarket
    function list(uint256 batchId, uint256 amount, uint128 unitPrice, uint64 expiry)
        external
        nonReentrant
        returns (uint256 listingId)
    {
        if (amount == 0) revert ZeroAmount();
        if (unitPrice == 0) revert ZeroPrice();
        if (expiry <= block.timestamp) revert ExpiryNotInFuture(expiry);
        _requireCanHold(msg.sender);
        if (!credits.isApprovedForAll(msg.sender, address(this))) revert MarketNotApproved(msg.sender);
        uint256 available = credits.balanceOf(msg.sender, batchId);
        if (available < amount) revert InsufficientUnits(msg.sender, batchId, available, amount);
        listingId = ++_listingCount;
        // amount <= a balance of a batch, whose size fits in uint64.
        _listings[listingId] =
            Listing(msg.sender, batchId.toUint64(), ListingStatus.Open, _feeBps, unitPrice, uint64(amount), expiry);
        emit Listed(listingId, msg.sender, batchId, amount, unitPrice, expiry);
        credits.safeTransferFrom(msg.sender, address(this), batchId, amount, "");
    }

    /// @inheritdoc ICarbonMarket
    function fill(uint256 listingId, uint256 quantity) external nonReentrant returns (uint256 cost) {
        uint256 batchId;
        (batchId, cost) = _settle(listingId, quantity);
        credits.safeTransferFrom(address(this), msg.sender, batchId, quantity, "");
    }

    /// @inheritdoc ICarbonMarket
    function buyAndRetire(uint256 listingId, uint256 quantity, ICarbonCredits.Claim calldata claim)
        external
        nonReentrant
        returns (uint256 certificateId)
    {
        (uint256 batchId,) = _settle(listingId, quantity);
        certificateId = credits.retireFromEscrow(msg.sender, batchId, quantity, claim);
    }

    /// @inheritdoc ICarbonMarket
    function cancelListing(uint256 listingId) external nonReentrant {
        Listing storage l = _openListing(listingId);
        if (l.seller != msg.sender) revert NotSeller(listingId, msg.sender);
        _requireCanHold(msg.sender);
        uint256 returned = l.remaining;
        l.status = ListingStatus.Cancelled;
        l.remaining = 0;
        emit ListingCancelledBySeller(listingId, msg.sender, returned);
        credits.safeTransferFrom(address(this), msg.sender, l.batchId, returned, "");
    }

    // ---------------------------------------------------------------- payments

    /// @inheritdoc ICarbonMarket
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = _credited[msg.sender];
        bool isTreasury = msg.sender == _treasury;
        if (isTreasury) amount += _feesAccrued;
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        _requireMayCollect(msg.sender, isTreasury || _wasTreasury[msg.sender]);
        _credited[msg.sender] = 0;
        if (isTreasury) _feesAccrued = 0;
        emit Withdrawn(msg.sender, amount);
        settlementToken.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- regulator

    /// @inheritdoc ICarbonMarket
    function forceDelist(uint256 listingId, bytes32 reasonHash) external nonReentrant onlyRegulator {
        Listing storage l = _openListing(listingId);
        uint256 returned = l.remaining;
        address seller = l.seller;
        l.status = ListingStatus.Cancelled;
        l.remaining = 0;
        emit ListingDelisted(listingId, seller, returned, reasonHash);
        credits.safeTransferFrom(address(this), seller, l.batchId, returned, "");
    }

    /// @inheritdoc ICarbonMarket
    function cancelEscrowed(uint256 listingId, uint256 amount, bytes32 reasonHash) external nonReentrant onlyRegulator {
        if (amount == 0) revert ZeroAmount();
        Listing storage l = _openListing(listingId);
        uint256 remaining = l.remaining;
        if (amount > remaining) revert ExceedsListing(listingId, remaining, amount);
        // amount <= remaining, checked above.
        unchecked {
            remaining -= amount;
        }
        _shrink(l, remaining);
        emit EscrowCancelled(listingId, amount, remaining, reasonHash);
        credits.cancelEscrowed(l.batchId, amount, reasonHash);
    }

    /// @inheritdoc ICarbonMarket
    function reverseEscrowed(uint256 listingId, uint256 amount, bytes32 reasonHash)
        external
        nonReentrant
        onlyRegulator
        returns (uint256 fromEscrow)
    {
        Listing storage l = _openListing(listingId);
        uint256 remaining = l.remaining;
        // CarbonCredits (immutable, trusted) splits buffer and escrow and burns without a callback;
        // the listing shrinks by what it took, at most `remaining`.
        fromEscrow = credits.reverseEscrowed(l.batchId, amount, remaining, reasonHash);
        unchecked {
            remaining -= fromEscrow; // fromEscrow <= remaining (the cap passed above)
        }
        _shrink(l, remaining);
        emit EscrowReversed(listingId, amount, fromEscrow, remaining, reasonHash);
    }

    // ---------------------------------------------------------------- parameters

    /// @inheritdoc ICarbonMarket
    function setFee(uint16 feeBps_, address treasury) external onlyRole(GOVERNOR_ROLE) {
        _setFee(feeBps_, treasury);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc ICarbonMarket
    function listing(uint256 listingId) external view returns (Listing memory) {
        return _listings[listingId];
    }

    /// @inheritdoc ICarbonMarket
    function listingCount() external view returns (uint256) {
        return _listingCount;
    }

    /// @inheritdoc ICarbonMarket
    function credited(address account) external view returns (uint256) {
        return account == _treasury ? _credited[account] + _feesAccrued : _credited[account];
    }

    /// @inheritdoc ICarbonMarket
    function fee() external view returns (uint16 feeBps, address treasury) {
        return (_feeBps, _treasury);
    }

    /// @dev Accept units only when this contract moves them in itself (`list`).
    function onERC1155Received(address operator, address, uint256, uint256, bytes calldata)
        external
        view
        returns (bytes4)
    {
        if (msg.sender != address(credits) || operator != address(this)) revert UnsolicitedTransfer(operator);
        return IERC1155Receiver.onERC1155Received.selector;
    }

    function onERC1155BatchReceived(address operator, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        pure
        returns (bytes4)
    {
        revert UnsolicitedTransfer(operator);
    }

    function supportsInterface(bytes4 interfaceId) public view override(GovernedAccessControl, IERC165) returns (bool) {
        return interfaceId == type(IERC1155Receiver).interfaceId || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Checks a fill by msg.sender, books it, takes the payment. Units move afterwards.
    function _settle(uint256 listingId, uint256 quantity)
        private
        returns (uint256 batchId, uint256 cost)
    {
        if (quantity == 0) revert ZeroAmount();
        Listing storage l = _openListing(listingId);
        if (block.timestamp >= l.expiry) revert ListingExpired(listingId, l.expiry);
        uint256 remaining = l.remaining;
        if (quantity > remaining) revert ExceedsListing(listingId, remaining, quantity);
        address seller = l.seller;
        _requireCanTransact(seller, msg.sender);
        cost = uint256(l.unitPrice) * quantity;
        {
            uint256 allowance = settlementToken.allowance(msg.sender, address(this));
            if (allowance < cost) revert InsufficientAllowance(msg.sender, allowance, cost);
        }
        batchId = l.batchId;
        // quantity <= remaining, checked above.
        unchecked {
            remaining -= quantity;
        }
        l.remaining = uint64(remaining);
        if (remaining == 0) l.status = ListingStatus.SoldOut;
        // The fee the listing was opened under: a fee change never reaches open listings.
        uint256 feeAmount = cost * l.feeBps / BPS;
        _credited[seller] += cost - feeAmount;
        if (feeAmount != 0) _feesAccrued += feeAmount.toUint80();
        emit Filled(listingId, msg.sender, batchId, quantity, cost, feeAmount);
        ExactTransfers.pullExact(settlementToken, msg.sender, cost);
    }

    /// @dev A regulator's cut leaves `remaining` units in the listing; an emptied one is Cancelled.
    function _shrink(Listing storage l, uint256 remaining) private {
        l.remaining = uint64(remaining); // <= the listing's previous remaining: fits
        if (remaining == 0) l.status = ListingStatus.Cancelled;
    }

    /// @dev `account` may be paid: allowed to hold assets, or, for a treasury (`feeCollector`),
    /// registered or not, but neither frozen nor otherwise refused, and never during the pause.
    function _requireMayCollect(address account, bool feeCollector) private view {
        if (!feeCollector) {
            _requireCanHold(account);
            return;
        }
        IParticipantRegistry.Reason reason = registry.canHold(account);
        if (reason == IParticipantRegistry.Reason.SystemPaused) revert NetworkPaused();
        if (reason != IParticipantRegistry.Reason.Ok && reason != IParticipantRegistry.Reason.NotRegistered) {
            revert ComplianceRefused(account, reason);
        }
    }

    function _openListing(uint256 listingId) private view returns (Listing storage l) {
        l = _listings[listingId];
        ListingStatus status = l.status;
        if (status == ListingStatus.Open) return l;
        if (status == ListingStatus.None) revert UnknownListing(listingId);
        if (status == ListingStatus.Cancelled) revert ListingCancelled(listingId);
        revert ListingSoldOut(listingId);
    }

    function _setFee(uint16 feeBps_, address treasury) private {
        if (feeBps_ > MAX_FEE_BPS) revert FeeTooHigh(feeBps_, MAX_FEE_BPS);
        if (treasury == address(0)) revert ZeroAddress();
        address previous = _treasury;
        if (previous != treasury && _feesAccrued != 0) {
            // Fees accrued so far belong to the treasury that earned them.
            _credited[previous] += _feesAccrued;
            _feesAccrued = 0;
        }
        _feeBps = feeBps_;
        _treasury = treasury;
        if (!_wasTreasury[treasury]) _wasTreasury[treasury] = true;
        emit FeeSet(feeBps_, treasury);
    }
}
