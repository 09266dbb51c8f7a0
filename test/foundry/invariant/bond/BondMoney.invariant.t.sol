// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {BondSetup} from "./BondSetup.sol";
import {IGreenBond} from "../../../../contracts/interfaces/IGreenBond.sol";

/// @title BondMoneyInvariants
/// @notice Law: a bond series accounts for every base unit. The series holds exactly what was paid
/// in (subscriptions, coupons, principal) less what was paid out (refunds, proceeds withdrawn,
/// coupons claimed, redemptions); its ledger says the same, kind by kind; the holders' claimable
/// coupons add up to the coupons deposited and not claimed, and the developers' withdrawable
/// proceeds to those released and not withdrawn. When redemption opens, the proceeds never released
/// are netted against the principal (netted = subscribed − released). When the series ends (every
/// bond refunded or redeemed), the balance is exactly what developers and holders can still
/// withdraw or claim: zero once they have.
contract BondMoneyInvariants is BondSetup {
    function invariant_everyBaseUnitAccounted() public view {
        IGreenBond.Ledger memory l = bond.ledger();
        uint256 held = token.balanceOf(address(bond));
        vm.assertEq(held, handler.ghostPaidIn() - handler.ghostPaidOut(), "balance != paid in - paid out");
        vm.assertEq(
            held,
            l.subscribed - l.refunded - l.withdrawn + l.couponsDeposited - l.couponsClaimed + l.principalDeposited - l.redeemed,
            "balance != the ledger's net"
        );
        vm.assertEq(l.subscribed, handler.ghostSubscribed(), "subscribed");
        vm.assertEq(l.refunded, handler.ghostRefunded(), "refunded");
        vm.assertEq(l.withdrawn, handler.ghostWithdrawn(), "withdrawn");
        vm.assertEq(l.couponsDeposited, handler.ghostCouponsDeposited(), "coupons deposited");
        vm.assertEq(l.couponsClaimed, handler.ghostCouponsClaimed(), "coupons claimed");
        vm.assertEq(l.principalDeposited, handler.ghostPrincipalDeposited(), "principal deposited");
        vm.assertEq(l.redeemed, handler.ghostRedeemed(), "redeemed");
        vm.assertLe(l.released, l.allocatedNet, "released > allocated");
        vm.assertLe(l.allocatedNet, l.subscribed, "allocated > subscribed");

        uint256 coupons;
        uint256 proceeds;
        for (uint256 i; i < handler.actorCount(); ++i) {
            coupons += bond.claimableCoupons(handler.actorAt(i));
            proceeds += bond.withdrawable(handler.actorAt(i));
        }
        // A coupon funded early is claimable from its record date on; while Issued the supply is fixed,
        // so once the last funded period's record date has begun every unit of it is someone's.
        vm.assertLe(coupons, l.couponsDeposited - l.couponsClaimed, "claimable coupons > deposited - claimed");
        uint256 funded = bond.nextPeriod() - 1;
        if (bond.status() == IGreenBond.Status.Issued && (funded == 0 || block.timestamp >= bond.recordDate(funded))) {
            vm.assertEq(coupons, l.couponsDeposited - l.couponsClaimed, "claimable coupons != deposited - claimed");
        }
        vm.assertEq(proceeds, l.released - l.withdrawn, "withdrawable != released - withdrawn");

        IGreenBond.Status s = bond.status();
        if (s == IGreenBond.Status.Redeemable) {
            vm.assertEq(l.proceedsNetted, l.subscribed - l.released, "netted != subscribed - released");
        } else {
            vm.assertEq(l.proceedsNetted, 0, "netted before redemption");
        }
        if (bond.totalSupply() == 0) {
            if (s == IGreenBond.Status.Failed) vm.assertEq(held, 0, "money left after every refund");
            // A call records every funded coupon at once, so nothing waits for a record date here either.
            if (s == IGreenBond.Status.Redeemable) {
                vm.assertEq(held, coupons + proceeds, "money left after every redemption that nobody can claim");
            }
        }
    }
}
