// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {vm} from "../lib/Vm.sol";
import {CarbonWorld} from "../lib/CarbonWorld.sol";
import {CarbonMarket} from "../../../contracts/carbon/CarbonMarket.sol";
import {CarbonCredits} from "../../../contracts/carbon/CarbonCredits.sol";
import {ICarbonMarket} from "../../../contracts/interfaces/ICarbonMarket.sol";
import {ICarbonCredits} from "../../../contracts/interfaces/ICarbonCredits.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";

/// @title CarbonMarketTest
/// @notice Escrowed listings, delivery-versus-payment fills at the fee the listing opened under, pull
/// payments for sellers and treasuries, and the regulator's delisting, cancellation and reversal of
/// escrowed units, each refusal with its exact error.
contract CarbonMarketTest is CarbonWorld {
    uint128 private constant PRICE = 1_000;

    uint256 private batchId;
    uint64 private expiry;

    function setUp() public override {
        super.setUp();
        batchId = _issue(gec, 100); // 90 with the developer, 10 buffered
        expiry = uint64(block.timestamp + 7 days);
    }

    function _list(uint256 amount) private returns (uint256) {
        vm.prank(developer);
        return market.list(batchId, amount, PRICE, expiry);
    }

    // ---------------------------------------------------------------- construction and parameters

    function test_constructor_refuses_zero_addresses_and_a_high_fee() public {
        _expectError(abi.encodeWithSelector(ICarbonMarket.ZeroAddress.selector));
        new CarbonMarket(registry, CarbonCredits(address(0)), token, admin, treasury, 0);
        _expectError(abi.encodeWithSelector(ICarbonMarket.ZeroAddress.selector));
        new CarbonMarket(registry, credits, IERC20(address(0)), admin, treasury, 0);
        _expectError(abi.encodeWithSelector(ICarbonMarket.ZeroAddress.selector));
        new CarbonMarket(registry, credits, token, admin, address(0), 0);
        _expectError(abi.encodeWithSelector(ICarbonMarket.FeeTooHigh.selector, 1_001, 1_000));
        new CarbonMarket(registry, credits, token, admin, treasury, 1_001);
        (uint16 feeBps, address t) = market.fee();
        vm.assertEq(feeBps, FEE_BPS, "fee");
        vm.assertEq(t, treasury, "treasury");
        vm.assertTrue(market.supportsInterface(type(IERC1155Receiver).interfaceId), "receiver");
        vm.assertTrue(market.supportsInterface(type(IAccessControl).interfaceId), "access control");
    }

    function test_setFee_is_the_governors_and_never_reaches_open_listings() public {
        uint256 id = _list(10);
        _expectMissingRole(developer, market.GOVERNOR_ROLE());
        vm.prank(developer);
        market.setFee(0, treasury);
        _expectError(abi.encodeWithSelector(ICarbonMarket.FeeTooHigh.selector, 1_001, 1_000));
        market.setFee(1_001, treasury);
        _expectError(abi.encodeWithSelector(ICarbonMarket.ZeroAddress.selector));
        market.setFee(100, address(0));
        vm.expectEmit(address(market));
        emit ICarbonMarket.FeeSet(1_000, treasury);
        market.setFee(1_000, treasury);
        vm.prank(buyer);
        market.fill(id, 10);
        vm.assertEq(market.credited(treasury), 10 * PRICE * FEE_BPS / 10_000, "the listing's 2.5 %, not 10 %");
    }

    // ---------------------------------------------------------------- listing

    function test_list_escrows_the_units() public {
        vm.expectEmit(address(market));
        emit ICarbonMarket.Listed(1, developer, batchId, 50, PRICE, expiry);
        vm.assertEq(_list(50), 1, "first listing");
        vm.assertEq(credits.balanceOf(address(market), batchId), 50, "escrowed");
        vm.assertEq(credits.supplyOf(batchId).escrowed, 50, "escrow in the supply");
        ICarbonMarket.Listing memory l = market.listing(1);
        vm.assertEq(l.seller, developer, "seller");
        vm.assertEq(l.remaining, 50, "remaining");
        vm.assertEq(l.feeBps, FEE_BPS, "fee fixed at listing");
        vm.assertEq(uint256(l.status), uint256(ICarbonMarket.ListingStatus.Open), "open");
        vm.assertEq(market.listingCount(), 1, "count");
    }

    function test_list_refusals() public {
        vm.startPrank(developer);
        _expectError(abi.encodeWithSelector(ICarbonMarket.ZeroAmount.selector));
        market.list(batchId, 0, PRICE, expiry);
        _expectError(abi.encodeWithSelector(ICarbonMarket.ZeroPrice.selector));
        market.list(batchId, 1, 0, expiry);
        _expectError(abi.encodeWithSelector(ICarbonMarket.ExpiryNotInFuture.selector, uint64(block.timestamp)));
        market.list(batchId, 1, PRICE, uint64(block.timestamp));
        _expectError(abi.encodeWithSelector(ICarbonMarket.InsufficientUnits.selector, developer, batchId, 90, 91));
        market.list(batchId, 91, PRICE, expiry);
        credits.setApprovalForAll(address(market), false);
        _expectError(abi.encodeWithSelector(ICarbonMarket.MarketNotApproved.selector, developer));
        market.list(batchId, 1, PRICE, expiry);
        vm.stopPrank();
        _freeze(developer);
        _expectFrozen(developer);
        vm.prank(developer);
        market.list(batchId, 1, PRICE, expiry);
        vm.assertEq(market.listingCount(), 0, "nothing listed");
    }

    function test_units_reach_the_escrow_only_through_list() public {
        _expectError(abi.encodeWithSelector(ICarbonMarket.UnsolicitedTransfer.selector, developer));
        vm.prank(developer);
        credits.safeTransferFrom(developer, address(market), batchId, 1, "");
        uint256[] memory ids = new uint256[](2); // one id would take the single-transfer check
        ids[0] = batchId;
        ids[1] = batchId;
        uint256[] memory amounts = new uint256[](2);
        amounts[0] = 1;
        amounts[1] = 1;
        _expectError(abi.encodeWithSelector(ICarbonMarket.UnsolicitedTransfer.selector, developer));
        vm.prank(developer);
        credits.safeBatchTransferFrom(developer, address(market), ids, amounts, "");
        _expectError(abi.encodeWithSelector(ICarbonMarket.UnsolicitedTransfer.selector, address(market)));
        market.onERC1155Received(address(market), developer, batchId, 1, "");
    }

    // ---------------------------------------------------------------- fills

    function test_fill_pays_the_seller_and_the_treasury_and_delivers() public {
        uint256 id = _list(50);
        uint256 paid = token.balanceOf(buyer);
        vm.expectEmit(address(market));
        emit ICarbonMarket.Filled(id, buyer, batchId, 20, 20 * PRICE, 500);
        vm.prank(buyer);
        vm.assertEq(market.fill(id, 20), 20 * PRICE, "cost");
        vm.assertEq(paid - token.balanceOf(buyer), 20 * PRICE, "paid");
        vm.assertEq(credits.balanceOf(buyer, batchId), 20, "delivered");
        vm.assertEq(market.credited(developer), 20 * PRICE - 500, "seller's proceeds");
        vm.assertEq(market.credited(treasury), 500, "fee");
        vm.assertEq(market.listing(id).remaining, 30, "remaining");

        vm.prank(buyer);
        market.fill(id, 30);
        vm.assertEq(uint256(market.listing(id).status), uint256(ICarbonMarket.ListingStatus.SoldOut), "sold out");
        _expectError(abi.encodeWithSelector(ICarbonMarket.ListingSoldOut.selector, id));
        vm.prank(buyer);
        market.fill(id, 1);
    }

    function test_fill_refusals() public {
        uint256 id = _list(50);
        vm.startPrank(buyer);
        _expectError(abi.encodeWithSelector(ICarbonMarket.ZeroAmount.selector));
        market.fill(id, 0);
        _expectError(abi.encodeWithSelector(ICarbonMarket.UnknownListing.selector, 9));
        market.fill(9, 1);
        _expectError(abi.encodeWithSelector(ICarbonMarket.ExceedsListing.selector, id, 50, 51));
        market.fill(id, 51);
        token.approve(address(market), 999);
        _expectError(abi.encodeWithSelector(ICarbonMarket.InsufficientAllowance.selector, buyer, 999, PRICE));
        market.fill(id, 1);
        vm.stopPrank();
        address outsider = address(0xBAD);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, outsider, IParticipantRegistry.Reason.NotRegistered)
        );
        vm.prank(outsider);
        market.fill(id, 1);
        vm.warp(expiry);
        _expectError(abi.encodeWithSelector(ICarbonMarket.ListingExpired.selector, id, expiry));
        vm.prank(buyer);
        market.fill(id, 1);
        vm.assertEq(market.listing(id).remaining, 50, "nothing sold");
    }

    function test_buyAndRetire_retires_in_the_buyers_name() public {
        uint256 id = _list(50);
        vm.prank(buyer);
        uint256 certificateId = market.buyAndRetire(id, 5, _claim());
        ICarbonCredits.Certificate memory c = credits.certificate(certificateId);
        vm.assertEq(c.retiree, buyer, "the buyer retires");
        vm.assertEq(c.amount, 5, "amount");
        vm.assertEq(credits.supplyOf(batchId).retired, 5, "retired from escrow");
        vm.assertEq(credits.balanceOf(address(market), batchId), 45, "escrow shrank");
    }

    // ---------------------------------------------------------------- seller and regulator

    function test_cancelListing_returns_the_units_to_the_seller() public {
        uint256 id = _list(50);
        _expectError(abi.encodeWithSelector(ICarbonMarket.NotSeller.selector, id, buyer));
        vm.prank(buyer);
        market.cancelListing(id);
        _freeze(developer);
        _expectFrozen(developer);
        vm.prank(developer);
        market.cancelListing(id);
        vm.prank(regulator);
        registry.unfreeze(developer);
        vm.expectEmit(address(market));
        emit ICarbonMarket.ListingCancelledBySeller(id, developer, 50);
        vm.prank(developer);
        market.cancelListing(id);
        vm.assertEq(credits.balanceOf(developer, batchId), 90, "returned");
        _expectError(abi.encodeWithSelector(ICarbonMarket.ListingCancelled.selector, id));
        vm.prank(developer);
        market.cancelListing(id);
    }

    function test_forceDelist_is_the_carbon_regulators() public {
        uint256 id = _list(50);
        _expectError(abi.encodeWithSelector(ICarbonMarket.NotRegulator.selector, developer));
        vm.prank(developer);
        market.forceDelist(id, 0);
        vm.expectEmit(address(market));
        emit ICarbonMarket.ListingDelisted(id, developer, 50, keccak256("why"));
        vm.prank(regulator);
        market.forceDelist(id, keccak256("why"));
        vm.assertEq(credits.balanceOf(developer, batchId), 90, "returned");
        vm.assertEq(uint256(market.listing(id).status), uint256(ICarbonMarket.ListingStatus.Cancelled), "closed");
    }

    function test_cancelEscrowed_shrinks_then_closes_the_listing() public {
        uint256 id = _list(50);
        _expectError(abi.encodeWithSelector(ICarbonMarket.NotRegulator.selector, developer));
        vm.prank(developer);
        market.cancelEscrowed(id, 1, 0);
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(ICarbonMarket.ZeroAmount.selector));
        market.cancelEscrowed(id, 0, 0);
        _expectError(abi.encodeWithSelector(ICarbonMarket.ExceedsListing.selector, id, 50, 51));
        market.cancelEscrowed(id, 51, 0);
        vm.expectEmit(address(market));
        emit ICarbonMarket.EscrowCancelled(id, 20, 30, keccak256("c"));
        market.cancelEscrowed(id, 20, keccak256("c"));
        vm.assertEq(market.listing(id).remaining, 30, "shrunk");
        market.cancelEscrowed(id, 30, keccak256("c"));
        vm.stopPrank();
        vm.assertEq(uint256(market.listing(id).status), uint256(ICarbonMarket.ListingStatus.Cancelled), "emptied");
        vm.assertEq(credits.supplyOf(batchId).cancelled, 50, "cancelled in the batch");
    }

    function test_reverseEscrowed_takes_the_buffer_first_then_the_escrow() public {
        uint256 id = _list(50);
        _expectError(abi.encodeWithSelector(ICarbonMarket.NotRegulator.selector, developer));
        vm.prank(developer);
        market.reverseEscrowed(id, 1, 0);
        vm.startPrank(regulator);
        vm.expectEmit(address(market));
        emit ICarbonMarket.EscrowReversed(id, 8, 0, 50, keccak256("r"));
        vm.assertEq(market.reverseEscrowed(id, 8, keccak256("r")), 0, "the buffer covers it");
        vm.assertEq(market.reverseEscrowed(id, 12, keccak256("r")), 10, "2 buffered, 10 escrowed");
        vm.assertEq(market.listing(id).remaining, 40, "shrunk");
        vm.assertEq(market.reverseEscrowed(id, 40, keccak256("r")), 40, "all the rest");
        vm.stopPrank();
        vm.assertEq(uint256(market.listing(id).status), uint256(ICarbonMarket.ListingStatus.Cancelled), "emptied");
    }

    function test_a_reversal_takes_at_most_the_listings_own_escrow() public {
        uint256 small = _list(10);
        _list(40); // the escrow holds 50 units of the batch, 10 of them for `small`
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(ICarbonCredits.InsufficientTradable.selector, address(market), batchId, 10, 20));
        market.reverseEscrowed(small, 30, 0); // 10 from the buffer, 20 > the listing's 10
        vm.assertEq(market.reverseEscrowed(small, 15, 0), 5, "10 buffered, 5 from this listing");
        vm.stopPrank();
        vm.assertEq(market.listing(small).remaining, 5, "this listing shrank");
        vm.assertEq(market.listing(2).remaining, 40, "the other listing is untouched");
    }

    // ---------------------------------------------------------------- withdrawals

    function test_sellers_and_treasuries_withdraw_what_they_are_owed() public {
        uint256 id = _list(50);
        vm.prank(buyer);
        market.fill(id, 40); // 40,000: fee 1,000
        _expectError(abi.encodeWithSelector(ICarbonMarket.NothingToWithdraw.selector, buyer));
        vm.prank(buyer);
        market.withdraw();
        _freeze(developer);
        _expectFrozen(developer);
        vm.prank(developer);
        market.withdraw();
        vm.prank(regulator);
        registry.unfreeze(developer);
        vm.expectEmit(address(market));
        emit ICarbonMarket.Withdrawn(developer, 39_000);
        vm.prank(developer);
        vm.assertEq(market.withdraw(), 39_000, "proceeds");
        vm.assertEq(token.balanceOf(developer), 39_000, "paid");

        // A new treasury: the fees earned so far stay with the old one, which may collect them even
        // once it is no longer registered, but not while frozen or paused.
        address next = _enrolled("treasury2", IParticipantRegistry.Kind.Enterprise);
        market.setFee(FEE_BPS, next);
        vm.assertEq(market.credited(treasury), 1_000, "kept by the old treasury");
        vm.assertEq(market.credited(next), 0, "nothing yet");
        _freeze(treasury);
        _expectFrozen(treasury);
        vm.prank(treasury);
        market.withdraw();
        vm.startPrank(regulator);
        registry.unfreeze(treasury);
        registry.remove(treasury);
        registry.pause();
        vm.stopPrank();
        _expectPaused();
        vm.prank(treasury);
        market.withdraw();
        vm.prank(regulator);
        registry.unpause();
        vm.prank(treasury);
        vm.assertEq(market.withdraw(), 1_000, "the old treasury collects, unregistered");

        vm.prank(buyer);
        market.fill(id, 10); // fee 250 to the new treasury
        vm.prank(next);
        vm.assertEq(market.withdraw(), 250, "the current treasury collects its fees");
        vm.assertEq(market.credited(next), 0, "nothing left");
    }
}
