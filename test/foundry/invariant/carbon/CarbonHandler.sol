// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1155Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {vm} from "../../lib/Vm.sol";
import {HandlerBase} from "../../lib/HandlerBase.sol";
import {CarbonCredits} from "../../../../contracts/carbon/CarbonCredits.sol";
import {CarbonMarket} from "../../../../contracts/carbon/CarbonMarket.sol";
import {SettlementToken} from "../../../../contracts/token/SettlementToken.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {ComplianceGuard} from "../../../../contracts/compliance/ComplianceGuard.sol";
import {MockMonitoringReportsForCarbon} from "../../../../contracts/mocks/MockMonitoringReportsForCarbon.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {ICarbonCredits} from "../../../../contracts/interfaces/ICarbonCredits.sol";
import {ICarbonMarket} from "../../../../contracts/interfaces/ICarbonMarket.sol";
import {IMonitoringReports} from "../../../../contracts/interfaces/IMonitoringReports.sol";

/// @title CarbonHandler
/// @notice Drives CarbonCredits and CarbonMarket together, from two developers (one project each),
/// three traders, an unregistered outsider, the regulator and the fee treasury: issuance (also by
/// the wrong party, with overlapping vintages, of nothing), transfers, retirements, cancellations
/// and reversals by the regulator and by others, listings, fills, buy-and-retire, cancelled and
/// expired listings, withdrawals, fee and treasury changes, freezes, the pause and time.
/// Ghosts: what each batch issued, each listing's remaining escrow, money paid in and withdrawn,
/// and what each account is owed.
contract CarbonHandler is HandlerBase {
    uint256 public constant MAX_BATCHES = 12;
    uint16 private constant _BPS = 10_000;

    CarbonCredits public immutable credits;
    CarbonMarket public immutable market;
    SettlementToken public immutable token;
    MockMonitoringReportsForCarbon public immutable reports;
    address public immutable admin;

    address[2] public developers;
    uint256[2] public projectIds;
    address[2] public treasuries;

    uint256 private _reportCount;
    uint256[] public batchIds;
    mapping(uint256 batchId => uint256) public ghostIssued;
    mapping(uint256 batchId => uint256) public ghostEscrowed; // Σ remaining of open listings
    uint256 public ghostPaidIn; // settlement tokens paid into the market by fills
    uint256 public ghostWithdrawn; // settlement tokens paid out by withdraw
    mapping(address account => uint256) public ghostOwed; // Σ proceeds and fees credited − withdrawn

    constructor(
        CarbonCredits credits_,
        CarbonMarket market_,
        SettlementToken token_,
        ParticipantRegistry registry_,
        MockMonitoringReportsForCarbon reports_,
        address regulator_,
        address admin_,
        address[] memory actors_,
        address[2] memory developers_,
        uint256[2] memory projectIds_,
        address[2] memory treasuries_
    ) HandlerBase(registry_, regulator_, actors_) {
        credits = credits_;
        market = market_;
        token = token_;
        reports = reports_;
        admin = admin_;
        developers = developers_;
        projectIds = projectIds_;
        treasuries = treasuries_;
    }

    // ---------------------------------------------------------------- views for the suites

    function batchCount() external view returns (uint256) {
        return batchIds.length;
    }



    // ---------------------------------------------------------------- issuance

    /// @dev A report for one developer's project, then issue by that developer or someone else.
    function issue(uint256 devSeed, uint256 callerSeed, uint256 mwh, uint256 shape) external {
        if (batchIds.length == MAX_BATCHES) return;
        uint256 d = devSeed % 2;
        uint256 projectId = projectIds[d];
        uint64 last = credits.lastVintageEnd(projectId);
        uint64 start = shape % 7 == 0 && last > 0 ? last - 1 : (last == 0 ? uint64(block.timestamp) : last);
        uint64 end = start + uint64(_bound(shape >> 8, 1, 90 days));
        uint256 wh = _bound(mwh, 0, 1e6) * 1e6 + (shape % 1e6);
        // Whole units of the carried remainder plus this report; the rest (< 1 MWh) stays carried.
        uint256 quantity = (credits.carriedRemainder(projectId) + wh) / 1e6;
        uint256 reportId = ++_reportCount;
        reports.setReport(
            reportId,
            IMonitoringReports.IssuableReport(projectId, start, end, wh, 0, keccak256(abi.encode(reportId)), address(0)),
            true
        );
        address caller = callerSeed % 6 == 0 ? _actor(callerSeed >> 8) : developers[d];
        IParticipantRegistry.Reason reason = registry.canActAs(developers[d], IParticipantRegistry.Kind.ProjectDeveloper);
        bytes4 expected = caller != developers[d]
            ? ICarbonCredits.NotIssuer.selector
            : reason == IParticipantRegistry.Reason.SystemPaused
                ? ComplianceGuard.NetworkPaused.selector
                : reason != IParticipantRegistry.Reason.Ok
                    ? ComplianceGuard.ComplianceRefused.selector
                    : start < last ? ICarbonCredits.VintageOverlap.selector : SUCCEEDS;
        bytes memory ret = _call(caller, address(credits), abi.encodeCall(credits.issue, (reportId)), expected, "issue");
        if (expected == SUCCEEDS) {
            uint256 batchId = abi.decode(ret, (uint256));
            // No whole unit: the report only adds to the remainder, and no batch is made.
            if ((batchId == 0) != (quantity == 0)) revert("a batch was made without a whole unit, or none with one");
            if (batchId != 0) {
                batchIds.push(batchId);
                ghostIssued[batchId] = quantity;
            }
        }
    }

    // ---------------------------------------------------------------- holders

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 batchSeed, uint256 amount) external {
        if (batchIds.length == 0) return;
        uint256 batchId = _batch(batchSeed);
        address from = _holder(fromSeed, batchId);
        address to = _actor(toSeed);
        uint256 balance = credits.balanceOf(from, batchId);
        amount = _bound(amount, 0, balance + 2);
        IParticipantRegistry.Reason reason = registry.canTransact(from, to);
        bytes4 expected = reason == IParticipantRegistry.Reason.SystemPaused
            ? ComplianceGuard.NetworkPaused.selector
            : reason != IParticipantRegistry.Reason.Ok
                ? ComplianceGuard.ComplianceRefused.selector
                : amount > balance ? IERC1155Errors.ERC1155InsufficientBalance.selector : SUCCEEDS;
        _call(from, address(credits), abi.encodeCall(credits.safeTransferFrom, (from, to, batchId, amount, "")), expected, "transfer");
    }

    function retire(uint256 holderSeed, uint256 batchSeed, uint256 amount) external {
        if (batchIds.length == 0) return;
        uint256 batchId = _batch(batchSeed);
        address holder = _holder(holderSeed, batchId);
        uint256 balance = credits.balanceOf(holder, batchId);
        amount = _bound(amount, 0, balance + 2);
        bytes4 expected = _holdRefusal(holder);
        if (expected == SUCCEEDS) {
            expected = amount == 0 ? ICarbonCredits.ZeroAmount.selector : amount > balance ? ICarbonCredits.InsufficientTradable.selector : SUCCEEDS;
        }
        _call(holder, address(credits), abi.encodeCall(credits.retire, (batchId, amount, _claim())), expected, "retire");
    }

    // ---------------------------------------------------------------- regulator

    function cancel(uint256 callerSeed, uint256 holderSeed, uint256 batchSeed, uint256 amount) external {
        if (batchIds.length == 0) return;
        address caller = callerSeed % 5 == 0 ? _actor(callerSeed >> 8) : regulator;
        // Now and then the regulator aims at the market's escrow, which it may not touch.
        uint256 batchId = _batch(batchSeed);
        address holder = holderSeed % 9 == 0 ? address(market) : _holder(holderSeed, batchId);
        uint256 balance = credits.balanceOf(holder, batchId);
        amount = _bound(amount, 0, balance + 2);
        bytes4 expected = caller != regulator
            ? IAccessControl.AccessControlUnauthorizedAccount.selector
            : holder == address(market)
                ? ICarbonCredits.EscrowedUnits.selector
                : amount == 0 ? ICarbonCredits.ZeroAmount.selector : amount > balance ? ICarbonCredits.InsufficientTradable.selector : SUCCEEDS;
        _call(caller, address(credits), abi.encodeCall(credits.cancel, (holder, batchId, amount, bytes32(0))), expected, "cancel");
    }

    function reverse(uint256 holderSeed, uint256 batchSeed, uint256 amount) external {
        if (batchIds.length == 0) return;
        uint256 batchId = _batch(batchSeed);
        address holder = _holder(holderSeed, batchId);
        uint256 buffered = credits.supplyOf(batchId).buffered;
        uint256 balance = credits.balanceOf(holder, batchId);
        amount = _bound(amount, 0, buffered + balance + 2);
        bytes4 expected = amount == 0
            ? ICarbonCredits.ZeroAmount.selector
            : amount > buffered + balance ? ICarbonCredits.InsufficientTradable.selector : SUCCEEDS;
        _call(regulator, address(credits), abi.encodeCall(credits.reverse, (batchId, amount, holder, bytes32(0))), expected, "reverse");
    }

    // ---------------------------------------------------------------- market

    function list(uint256 sellerSeed, uint256 batchSeed, uint256 amount, uint256 price, uint256 life) external {
        if (batchIds.length == 0) return;
        uint256 batchId = _batch(batchSeed);
        address seller = _holder(sellerSeed, batchId);
        uint256 balance = credits.balanceOf(seller, batchId);
        amount = _bound(amount, 0, balance + 2);
        uint128 unitPrice = uint128(_bound(price, 0, 1e9));
        // One listing in ten expires at once (an expiry not in the future).
        uint64 expiry = life % 10 == 0 ? uint64(block.timestamp) : uint64(block.timestamp + _bound(life, 1, 30 days));
        bytes4 expected = amount == 0
            ? ICarbonMarket.ZeroAmount.selector
            : unitPrice == 0 ? ICarbonMarket.ZeroPrice.selector : expiry <= block.timestamp ? ICarbonMarket.ExpiryNotInFuture.selector : _holdRefusal(seller);
        if (expected == SUCCEEDS && amount > balance) expected = ICarbonMarket.InsufficientUnits.selector;
        _call(seller, address(market), abi.encodeCall(market.list, (batchId, amount, unitPrice, expiry)), expected, "list");
        if (expected == SUCCEEDS) ghostEscrowed[batchId] += amount;
    }

    function fill(uint256 buyerSeed, uint256 listingSeed, uint256 quantity, bool andRetire) external {
        uint256 count = market.listingCount();
        if (count == 0) return;
        address buyer = _actor(buyerSeed);
        uint256 listingId = _listing(listingSeed, count);
        ICarbonMarket.Listing memory l = market.listing(listingId);
        quantity = quantity % 8 == 0 ? 0 : _bound(quantity, 1, uint256(l.remaining) + 1);
        uint256 cost = uint256(l.unitPrice) * quantity;
        bytes4 expected = _fillRefusal(buyer, listingId, l, quantity, cost);
        bytes memory data = andRetire
            ? abi.encodeCall(market.buyAndRetire, (listingId, quantity, _claim()))
            : abi.encodeCall(market.fill, (listingId, quantity));
        (, address treasury) = market.fee();
        _call(buyer, address(market), data, expected, andRetire ? "buyAndRetire" : "fill");
        if (expected == SUCCEEDS) {
            uint256 feeAmount = cost * l.feeBps / _BPS; // the fee the listing opened under (issue 15)
            ghostEscrowed[l.batchId] -= quantity;
            ghostPaidIn += cost;
            ghostOwed[l.seller] += cost - feeAmount;
            ghostOwed[treasury] += feeAmount;
        }
    }

    function cancelListing(uint256 callerSeed, uint256 listingSeed) external {
        uint256 count = market.listingCount();
        if (count == 0) return;
        uint256 listingId = _listing(listingSeed, count);
        ICarbonMarket.Listing memory l = market.listing(listingId);
        address caller = callerSeed % 3 == 0 ? _actor(callerSeed >> 8) : l.seller;
        bytes4 expected = _openRefusal(l);
        if (expected == SUCCEEDS) expected = caller != l.seller ? ICarbonMarket.NotSeller.selector : _holdRefusal(caller);
        _call(caller, address(market), abi.encodeCall(market.cancelListing, (listingId)), expected, "cancelListing");
        if (expected == SUCCEEDS) ghostEscrowed[l.batchId] -= l.remaining;
    }

    function withdraw(uint256 callerSeed) external {
        address caller = callerSeed % 4 == 0 ? treasuries[(callerSeed >> 8) % 2] : _actor(callerSeed >> 8);
        uint256 owed = market.credited(caller);
        // A treasury (current or former; both registered, never frozen) is refused only under the pause.
        bool collector = caller == treasuries[0] || caller == treasuries[1];
        bytes4 expected = owed == 0
            ? ICarbonMarket.NothingToWithdraw.selector
            : collector ? (registry.paused() ? ComplianceGuard.NetworkPaused.selector : SUCCEEDS) : _holdRefusal(caller);
        _call(caller, address(market), abi.encodeCall(market.withdraw, ()), expected, "withdraw");
        if (expected == SUCCEEDS) {
            ghostWithdrawn += owed;
            ghostOwed[caller] -= owed;
        }
    }

    /// @dev The admin moves the fee (sometimes above the cap) and the treasury between two accounts;
    /// an outsider tries too.
    function setFee(uint256 callerSeed, uint256 feeBps, uint256 treasurySeed) external {
        address caller = callerSeed % 4 == 0 ? _actor(callerSeed >> 8) : admin;
        uint16 fee = uint16(_bound(feeBps, 0, 1_100));
        bytes4 expected = caller != admin
            ? IAccessControl.AccessControlUnauthorizedAccount.selector
            : fee > market.MAX_FEE_BPS() ? ICarbonMarket.FeeTooHigh.selector : SUCCEEDS;
        _call(caller, address(market), abi.encodeCall(market.setFee, (fee, treasuries[treasurySeed % 2])), expected, "setFee");
    }

    // ---------------------------------------------------------------- the world

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1, 3 days));
    }



    // ---------------------------------------------------------------- model helpers

    /// @dev Three picks in four: the first actor from `seed` on that holds units of `batchId` (so
    /// most calls move real units); else any actor.
    function _holder(uint256 seed, uint256 batchId) private view returns (address) {
        if ((seed >> 64) % 4 != 0) {
            for (uint256 i; i < actors.length; ++i) {
                address a = actors[(seed % actors.length + i) % actors.length];
                if (credits.balanceOf(a, batchId) > 0) return a;
            }
        }
        return _actor(seed);
    }

    /// @dev Three picks in four: the first open listing from `seed` on (a few tried); else any id up to
    /// one past the last.
    function _listing(uint256 seed, uint256 count) private view returns (uint256) {
        if ((seed >> 64) % 4 != 0) {
            for (uint256 i; i < 16 && i < count; ++i) {
                uint256 id = 1 + (seed % count + i) % count;
                if (market.listing(id).status == ICarbonMarket.ListingStatus.Open) return id;
            }
        }
        return _bound(seed, 1, count + 1);
    }

    function _batch(uint256 seed) private view returns (uint256) {
        return batchIds[seed % batchIds.length];
    }

    function _claim() private view returns (ICarbonCredits.Claim memory) {
        return ICarbonCredits.Claim(address(this), bytes32(uint256(1)), 1, "CN", uint64(block.timestamp), uint64(block.timestamp + 1));
    }

    function _holdRefusal(address account) private view returns (bytes4) {
        return _guardError(registry.canHold(account));
    }

    function _openRefusal(ICarbonMarket.Listing memory l) private pure returns (bytes4) {
        if (l.status == ICarbonMarket.ListingStatus.None) return ICarbonMarket.UnknownListing.selector;
        if (l.status == ICarbonMarket.ListingStatus.Cancelled) return ICarbonMarket.ListingCancelled.selector;
        if (l.status == ICarbonMarket.ListingStatus.SoldOut) return ICarbonMarket.ListingSoldOut.selector;
        return SUCCEEDS;
    }

    function _fillRefusal(address buyer, uint256, ICarbonMarket.Listing memory l, uint256 quantity, uint256 cost)
        private
        view
        returns (bytes4)
    {
        if (quantity == 0) return ICarbonMarket.ZeroAmount.selector;
        bytes4 open = _openRefusal(l);
        if (open != SUCCEEDS) return open;
        if (block.timestamp >= l.expiry) return ICarbonMarket.ListingExpired.selector;
        if (quantity > l.remaining) return ICarbonMarket.ExceedsListing.selector;
        IParticipantRegistry.Reason reason = registry.canTransact(l.seller, buyer);
        if (reason == IParticipantRegistry.Reason.SystemPaused) return ComplianceGuard.NetworkPaused.selector;
        if (reason != IParticipantRegistry.Reason.Ok) return ComplianceGuard.ComplianceRefused.selector;
        if (token.allowance(buyer, address(market)) < cost) return ICarbonMarket.InsufficientAllowance.selector;
        if (token.balanceOf(buyer) < cost) return REFUSED; // the token's own ERC20InsufficientBalance
        return SUCCEEDS;
    }

    /// @dev The counters every carbon or market state change moves: issuance, retirement,
    /// cancellation, listing, filling, withdrawal, fee changes. Cheap enough to take on every refusal
    /// (a full per-holder digest made the run ten times slower; the registry-and-pause suite takes one).
    function _fingerprint() internal view override returns (bytes32) {
        (uint16 feeBps, address treasury) = market.fee();
        return keccak256(
            abi.encode(
                market.listingCount(),
                token.balanceOf(address(market)),
                credits.certificateCount(),
                credits.nextSerial(),
                feeBps,
                treasury,
                ghostAccepted
            )
        );
    }
}
