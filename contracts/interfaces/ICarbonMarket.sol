// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICarbonCredits} from "./ICarbonCredits.sol";

/// @title ICarbonMarket
/// @notice Fixed-price listings of carbon-credit batches, settled delivery-versus-payment in the
/// settlement token: the seller's units sit in escrow here, a buyer pays price x quantity and gets
/// the units (or retires them at once) in the same transaction. Proceeds and fees are credited to
/// pull balances (`withdraw`).
///
/// Escrow conservation: for every batch, the market's balance = Σ remaining of its Open listings;
/// proceeds conservation: the market's settlement-token balance = Σ credited + accrued fees. The
/// carbon regulator (REGULATOR_ROLE on CarbonCredits) can force-delist a listing and cancel or
/// reverse the units in its escrow, shrinking it. Settlement tokens that do not deliver the exact
/// amount (fee-on-transfer, rebasing) are refused at the first fill (ExactTransfersAmountMismatch).
interface ICarbonMarket {
    /// @notice A listing's state. `Cancelled`: by the seller, by the regulator (force-delisted),
    /// or emptied by the regulator's cancellations and reversals.
    enum ListingStatus {
        None,
        Open,
        Cancelled,
        SoldOut
    }

    struct Listing {
        address seller;
        uint64 batchId;
        ListingStatus status;
        uint16 feeBps; // the market fee when the listing opened: fills pay this, whatever the fee is now
        uint128 unitPrice; // settlement-token base units per credit unit
        uint64 remaining;
        uint64 expiry; // unix seconds; fills strictly before it
    }

    // ---------------------------------------------------------------- errors

    error ZeroAmount();
    error ZeroPrice();
    error ZeroAddress();
    error UnknownListing(uint256 listingId);
    error ListingCancelled(uint256 listingId);
    error ListingSoldOut(uint256 listingId);
    error ListingExpired(uint256 listingId, uint64 expiry);
    error ExpiryNotInFuture(uint64 expiry);
    error ExceedsListing(uint256 listingId, uint256 remaining, uint256 requested);
    /// @dev `seller` holds `available` units of the batch, fewer than `requested`.
    error InsufficientUnits(address seller, uint256 batchId, uint256 available, uint256 requested);
    /// @dev The seller has not approved the market as an ERC-1155 operator.
    error MarketNotApproved(address seller);
    /// @dev The buyer's settlement-token allowance to the market is below the price.
    error InsufficientAllowance(address buyer, uint256 allowance, uint256 required);
    error NotSeller(uint256 listingId, address account);
    error NothingToWithdraw(address account);
    /// @notice Thrown when a fee exceeds the hard bound `maxFeeBps` (MAX_FEE_BPS, 10 %).
    error FeeTooHigh(uint16 feeBps, uint16 maxFeeBps);
    /// @dev Units may only arrive through `list`.
    error UnsolicitedTransfer(address operator);
    /// @notice Thrown when `account` lacks REGULATOR_ROLE on CarbonCredits (the carbon regulator).
    /// @param account The caller.
    error NotRegulator(address account);

    // ---------------------------------------------------------------- events

    event Listed(
        uint256 indexed listingId,
        address indexed seller,
        uint256 indexed batchId,
        uint256 amount,
        uint256 unitPrice,
        uint64 expiry
    );
    /// @notice `buyer` bought `quantity` units of listing `listingId` for `cost` (of which `fee` to the treasury).
    event Filled(
        uint256 indexed listingId, address indexed buyer, uint256 indexed batchId, uint256 quantity, uint256 cost, uint256 fee
    );
    event ListingCancelledBySeller(uint256 indexed listingId, address indexed seller, uint256 returned);
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice Emitted when the regulator closed listing `listingId`, returning its `returned`
    /// units to `seller` (frozen or not: there the regulator's CarbonCredits.cancel reaches them).
    event ListingDelisted(uint256 indexed listingId, address indexed seller, uint256 returned, bytes32 reasonHash);
    /// @notice Emitted when the regulator cancelled `amount` escrowed units of listing `listingId`,
    /// leaving `remaining` in it.
    event EscrowCancelled(uint256 indexed listingId, uint256 amount, uint256 remaining, bytes32 reasonHash);
    /// @notice Emitted when the regulator reversed `amount` units against listing `listingId`:
    /// `fromEscrow` of them came out of its escrow (the rest from the batch's buffer pool),
    /// leaving `remaining` in it.
    event EscrowReversed(
        uint256 indexed listingId, uint256 amount, uint256 fromEscrow, uint256 remaining, bytes32 reasonHash
    );
    event FeeSet(uint16 feeBps, address treasury);

    // ---------------------------------------------------------------- functions

    /// @notice List `amount` units of `batchId` at `unitPrice` until `expiry`; moves them into escrow.
    /// @dev Caller: a holder that approved the market (setApprovalForAll). Reverts ZeroAmount,
    /// ZeroPrice, ExpiryNotInFuture, NetworkPaused, ComplianceRefused (e.g. frozen seller),
    /// MarketNotApproved, InsufficientUnits. Emits Listed.
    function list(uint256 batchId, uint256 amount, uint128 unitPrice, uint64 expiry) external returns (uint256 listingId);

    /// @notice Buy `quantity` units of a listing; pays price x quantity from the caller's allowance.
    /// @dev Caller: a participant the registry lets trade with the seller. Reverts ZeroAmount,
    /// UnknownListing, ListingCancelled, ListingSoldOut, ListingExpired, ExceedsListing,
    /// NetworkPaused, ComplianceRefused, InsufficientAllowance, ExactTransfersAmountMismatch (a
    /// settlement token that delivered less than the cost). Emits Filled.
    function fill(uint256 listingId, uint256 quantity) external returns (uint256 cost);

    /// @notice Buy `quantity` units and retire them at once under `claim`, the caller the retiree.
    /// Returns the retirement certificate id.
    /// @dev Caller: as `fill`. Reverts as `fill` and as CarbonCredits.retire. Emits Filled, Retired.
    function buyAndRetire(uint256 listingId, uint256 quantity, ICarbonCredits.Claim calldata claim)
        external
        returns (uint256 certificateId);

    /// @notice Cancel an open or expired listing; the unsold units go back to the seller.
    /// @dev Caller: the seller. Reverts UnknownListing, NotSeller, ListingCancelled, ListingSoldOut,
    /// NetworkPaused, ComplianceRefused (a frozen seller cannot receive units). Emits ListingCancelledBySeller.
    function cancelListing(uint256 listingId) external;

    /// @notice Pay out the caller's credited proceeds or fees.
    /// @dev Caller: any account with a balance, allowed to hold assets; a treasury (current or
    /// former) is exempt from registration only, never from a freeze or the pause. Reverts
    /// NothingToWithdraw, NetworkPaused, ComplianceRefused. Emits Withdrawn.
    function withdraw() external returns (uint256 amount);

    // ---------------------------------------------------------------- regulator

    /// @notice Close open (or expired) listing `listingId` and return its units to the seller,
    /// whatever the seller's standing.
    /// @dev Caller: the carbon regulator (REGULATOR_ROLE on CarbonCredits); works during a pause
    /// and on frozen sellers. Reverts NotRegulator, UnknownListing, ListingCancelled,
    /// ListingSoldOut. Emits ListingDelisted, TransferSingle.
    function forceDelist(uint256 listingId, bytes32 reasonHash) external;

    /// @notice Cancel `amount` of listing `listingId`'s escrowed units (CarbonCredits counts them
    /// cancelled); the listing shrinks, and is Cancelled when emptied.
    /// @dev Caller: the carbon regulator; works during a pause and on frozen sellers. Reverts
    /// NotRegulator, ZeroAmount, UnknownListing, ListingCancelled, ListingSoldOut, ExceedsListing.
    /// Emits EscrowCancelled, CarbonCredits.Cancelled, TransferSingle.
    function cancelEscrowed(uint256 listingId, uint256 amount, bytes32 reasonHash) external;

    /// @notice A reversal of `amount` units of the listing's batch, drawn first from the batch's
    /// buffer pool and then from this listing's escrow, which shrinks (Cancelled when emptied).
    /// Returns the units taken from escrow.
    /// @dev Caller: the carbon regulator; works during a pause and on frozen sellers. Reverts
    /// NotRegulator, ZeroAmount, UnknownListing, ListingCancelled, ListingSoldOut,
    /// InsufficientTradable (buffer + listing < amount). Emits EscrowReversed, CarbonCredits.Reversed.
    function reverseEscrowed(uint256 listingId, uint256 amount, bytes32 reasonHash) external returns (uint256 fromEscrow);

    /// @notice Set the fee (bps of the price, at most MAX_FEE_BPS = 1000) and the treasury that
    /// collects it. Forward-only: the fee applies to listings opened afterwards; an open listing
    /// keeps the fee it was opened under (`Listing.feeBps`).
    /// @dev Caller: GOVERNOR_ROLE (the timelock on live networks). Reverts FeeTooHigh, ZeroAddress.
    /// Emits FeeSet.
    function setFee(uint16 feeBps, address treasury) external;

    function listing(uint256 listingId) external view returns (Listing memory);
    function listingCount() external view returns (uint256);
    function credited(address account) external view returns (uint256);
    function fee() external view returns (uint16 feeBps, address treasury);
}
