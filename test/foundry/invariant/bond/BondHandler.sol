// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {vm} from "../../lib/Vm.sol";
import {HandlerBase} from "../../lib/HandlerBase.sol";
import {GreenBond} from "../../../../contracts/bond/GreenBond.sol";
import {SettlementToken} from "../../../../contracts/token/SettlementToken.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {ComplianceGuard} from "../../../../contracts/compliance/ComplianceGuard.sol";
import {MockProjectRegistry} from "../../../../contracts/mocks/MockProjectRegistry.sol";
import {MockMonitoringReportsForBonds} from "../../../../contracts/mocks/MockMonitoringReportsForBonds.sol";
import {MockRiskOracle} from "../../../../contracts/mocks/MockRiskOracle.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../../../../contracts/interfaces/IProjectRegistry.sol";
import {IGreenBond} from "../../../../contracts/interfaces/IGreenBond.sol";

/// @title BondHandler
/// @notice Drives one GreenBond series through its whole life, from three investors, the issuer,
/// two developers, a verifier, an outsider and the regulator: subscriptions (in and out of the
/// window, beyond the issue size, by non-investors), settlement or failure, refunds, allocations,
/// attestations, releases and reallocations of proceeds, withdrawals, coupon funding in and out of
/// order, coupon claims, transfers, principal deposit or an early call, redemptions; also calls by
/// the wrong party, freezes, the pause, project status, verified output and time.
/// Ghosts: every base unit paid in and out, by kind.
contract BondHandler is HandlerBase {
    GreenBond public immutable bond;
    SettlementToken public immutable token;
    MockProjectRegistry public immutable projects;
    MockMonitoringReportsForBonds public immutable reports;
    MockRiskOracle public immutable oracle;
    address public immutable issuer;
    address public immutable verifier;

    uint256 public ghostPaidIn;
    uint256 public ghostPaidOut;
    uint256 public ghostSubscribed;
    uint256 public ghostRefunded;
    uint256 public ghostWithdrawn;
    uint256 public ghostCouponsDeposited;
    uint256 public ghostCouponsClaimed;
    uint256 public ghostPrincipalDeposited;
    uint256 public ghostRedeemed;

    constructor(
        GreenBond bond_,
        SettlementToken token_,
        ParticipantRegistry registry_,
        MockProjectRegistry projects_,
        MockMonitoringReportsForBonds reports_,
        MockRiskOracle oracle_,
        address issuer_,
        address verifier_,
        address regulator_,
        address[] memory actors_
    ) HandlerBase(registry_, regulator_, actors_) {
        bond = bond_;
        token = token_;
        projects = projects_;
        reports = reports_;
        oracle = oracle_;
        issuer = issuer_;
        verifier = verifier_;
    }



    // ---------------------------------------------------------------- subscription

    function subscribe(uint256 callerSeed, uint256 bonds) external {
        address caller = _actor(callerSeed);
        IGreenBond.Terms memory t = bond.terms();
        uint256 available = t.issueSize - bond.totalSupply();
        bonds = _bound(bonds, 0, available + 1);
        bytes4 expected = _statusError(IGreenBond.Status.Subscription);
        if (expected == SUCCEEDS && (block.timestamp < t.subscriptionStart || block.timestamp >= t.issueDate)) {
            expected = IGreenBond.OutsideSubscriptionWindow.selector;
        }
        if (expected == SUCCEEDS) {
            expected = bonds == 0
                ? IGreenBond.ZeroAmount.selector
                : bonds > available
                    ? IGreenBond.ExceedsIssueSize.selector
                    : _guardError(registry.canActAs(caller, IParticipantRegistry.Kind.Investor));
        }
        _call(caller, address(bond), abi.encodeCall(bond.subscribe, (bonds)), expected, "subscribe");
        if (expected == SUCCEEDS) _in(bonds * t.denomination, 0);
    }

    function settle(bool byOther, uint256 seed) external {
        address caller = byOther ? _actor(seed) : issuer;
        oracle.setScore(issuer, 100, 1); // a fresh score, under the limit
        bytes4 expected = caller != issuer ? IGreenBond.NotIssuer.selector : _statusError(IGreenBond.Status.Subscription);
        if (expected == SUCCEEDS && block.timestamp < bond.terms().issueDate) expected = IGreenBond.IssueDateNotReached.selector;
        _call(caller, address(bond), abi.encodeCall(bond.settle, ()), expected, "settle");
    }

    function abandon(uint256 seed) external {
        bytes4 expected = _statusError(IGreenBond.Status.Subscription);
        if (expected == SUCCEEDS && block.timestamp < bond.terms().issueDate + bond.SETTLEMENT_GRACE()) {
            expected = IGreenBond.SettlementGraceNotOver.selector;
        }
        _call(_actor(seed), address(bond), abi.encodeCall(bond.abandon, ()), expected, "abandon");
    }

    function refund(uint256 callerSeed) external {
        address caller = _actor(callerSeed);
        uint256 bonds = bond.balanceOf(caller);
        bytes4 expected = _statusError(IGreenBond.Status.Failed);
        if (expected == SUCCEEDS && bonds == 0) expected = IGreenBond.NothingToRefund.selector;
        _call(caller, address(bond), abi.encodeCall(bond.refund, ()), expected, "refund");
        if (expected == SUCCEEDS) _out(bonds * bond.terms().denomination, 0);
    }

    // ---------------------------------------------------------------- use of proceeds

    function allocate(uint256 projectSeed, uint256 amount, uint256 threshold, bool byOther) external {
        address caller = byOther ? _actor(projectSeed >> 8) : issuer;
        uint256 projectId = 1 + projectSeed % 2;
        uint256 free = bond.unallocated();
        amount = _bound(amount, 0, free + 1);
        uint256 thresholdWh = threshold % 2 == 0 ? 0 : _bound(threshold, 1, 1e9);
        bytes4 expected = caller != issuer ? IGreenBond.NotIssuer.selector : _statusError(IGreenBond.Status.Issued);
        if (expected == SUCCEEDS) {
            expected = amount == 0
                ? IGreenBond.ZeroAmount.selector
                : !projects.isActive(projectId)
                    ? IGreenBond.ProjectNotActive.selector
                    : amount > free ? IGreenBond.ExceedsUnallocated.selector : SUCCEEDS;
        }
        _call(caller, address(bond), abi.encodeCall(bond.allocate, (projectId, amount, thresholdWh)), expected, "allocate");
    }

    function attest(uint256 milestoneSeed, bool byOther) external {
        uint256 count = bond.milestoneCount();
        uint256 id = _bound(milestoneSeed, 0, count); // now and then one that does not exist
        address caller = byOther ? _actor(milestoneSeed >> 8) : verifier;
        bytes4 expected = _milestoneError(id, count);
        if (expected == SUCCEEDS && bond.milestone(id).thresholdWh != 0) expected = IGreenBond.NotAnAttestationMilestone.selector;
        if (expected == SUCCEEDS) expected = _guardError(registry.canActAs(caller, IParticipantRegistry.Kind.Verifier));
        _call(caller, address(bond), abi.encodeCall(bond.attestMilestone, (id, bytes32(0))), expected, "attest");
    }

    function release(uint256 milestoneSeed, uint256 callerSeed) external {
        uint256 count = bond.milestoneCount();
        uint256 id = _bound(milestoneSeed, 0, count);
        bytes4 expected = registry.paused() ? ComplianceGuard.NetworkPaused.selector : _milestoneError(id, count);
        if (expected == SUCCEEDS) {
            IGreenBond.Milestone memory m = bond.milestone(id);
            (uint256 wh,) = reports.verifiedTotals(m.projectId);
            bool met = m.thresholdWh == 0 ? m.attested : wh >= m.thresholdWh;
            if (!met) expected = IGreenBond.MilestoneConditionNotMet.selector;
        }
        _call(_actor(callerSeed), address(bond), abi.encodeCall(bond.releaseMilestone, (id)), expected, "release");
    }

    function reallocate(uint256 milestoneSeed, bool byOther) external {
        uint256 count = bond.milestoneCount();
        uint256 id = _bound(milestoneSeed, 0, count);
        address caller = byOther ? _actor(milestoneSeed >> 8) : issuer;
        bytes4 expected = caller != issuer ? IGreenBond.NotIssuer.selector : _milestoneError(id, count);
        if (expected == SUCCEEDS && projects.isActive(bond.milestone(id).projectId)) expected = IGreenBond.ProjectStillActive.selector;
        _call(caller, address(bond), abi.encodeCall(bond.reallocate, (id, bytes32(0))), expected, "reallocate");
    }

    function withdrawProceeds(uint256 callerSeed) external {
        address caller = _actor(callerSeed);
        uint256 amount = bond.withdrawable(caller);
        bytes4 expected = amount == 0 ? IGreenBond.NothingToWithdraw.selector : _guardError(registry.canHold(caller));
        _call(caller, address(bond), abi.encodeCall(bond.withdrawProceeds, ()), expected, "withdrawProceeds");
        if (expected == SUCCEEDS) {
            _out(amount, 1);
        }
    }

    // ---------------------------------------------------------------- coupons and redemption

    function fundCoupon(uint256 periodSeed, bool byOther) external {
        address caller = byOther ? _actor(periodSeed >> 8) : issuer;
        uint256 next = bond.nextPeriod();
        // Mostly the next period; now and then one out of order or out of range.
        uint256 period = periodSeed % 4 == 0 ? _bound(periodSeed >> 16, 0, bond.periodCount() + 1) : next;
        bytes4 expected = caller != issuer ? IGreenBond.NotIssuer.selector : _statusError(IGreenBond.Status.Issued);
        if (expected == SUCCEEDS) {
            expected = period == 0 || period > bond.periodCount()
                ? IGreenBond.UnknownPeriod.selector
                : period != next ? IGreenBond.PeriodOutOfOrder.selector : SUCCEEDS;
        }
        uint256 amount = expected == SUCCEEDS ? bond.couponPerBond(period) * bond.totalSupply() : 0;
        _call(caller, address(bond), abi.encodeCall(bond.fundCoupon, (period)), expected, "fundCoupon");
        if (expected == SUCCEEDS) _in(amount, 1);
    }

    function claimCoupons(uint256 callerSeed) external {
        address caller = _actor(callerSeed);
        uint256 owed = bond.claimableCoupons(caller);
        bytes4 expected = owed == 0 ? IGreenBond.NothingToClaim.selector : _guardError(registry.canHold(caller));
        _call(caller, address(bond), abi.encodeCall(bond.claimCoupons, ()), expected, "claimCoupons");
        if (expected == SUCCEEDS) _out(owed, 2);
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 bonds) external {
        address from = _actor(fromSeed);
        address to = _actor(toSeed);
        uint256 balance = bond.balanceOf(from);
        bonds = _bound(bonds, 0, balance + 1);
        IGreenBond.Status s = bond.status();
        bytes4 expected = s != IGreenBond.Status.Issued && s != IGreenBond.Status.Redeemable
            ? IGreenBond.TransfersLocked.selector
            : _guardError(registry.canTransact(from, to));
        if (expected == SUCCEEDS && bonds > balance) expected = IERC20Errors.ERC20InsufficientBalance.selector;
        _call(from, address(bond), abi.encodeCall(bond.transfer, (to, bonds)), expected, "transfer");
    }

    function depositPrincipal(bool byOther, uint256 seed) external {
        address caller = byOther ? _actor(seed) : issuer;
        bytes4 expected = caller != issuer ? IGreenBond.NotIssuer.selector : _statusError(IGreenBond.Status.Issued);
        if (expected == SUCCEEDS && bond.nextPeriod() <= bond.periodCount()) expected = IGreenBond.CouponsOutstanding.selector;
        uint256 amount = bond.terms().denomination * bond.totalSupply();
        _call(caller, address(bond), abi.encodeCall(bond.depositPrincipal, ()), expected, "depositPrincipal");
        if (expected == SUCCEEDS) _in(amount, 2);
    }

    function callBonds(bool byOther, uint256 seed) external {
        address caller = byOther ? _actor(seed) : issuer;
        IGreenBond.Terms memory t = bond.terms();
        bytes4 expected = caller != issuer ? IGreenBond.NotIssuer.selector : _statusError(IGreenBond.Status.Issued);
        if (expected == SUCCEEDS && (block.timestamp < t.callDate || block.timestamp >= t.maturityDate)) {
            expected = IGreenBond.CallWindowClosed.selector;
        }
        uint256 elapsed = block.timestamp >= t.issueDate ? (block.timestamp - t.issueDate) / (365 days / t.couponFrequency) : 0;
        if (expected == SUCCEEDS && bond.nextPeriod() <= elapsed) expected = IGreenBond.CouponsOutstanding.selector;
        uint256 amount = t.callPrice * bond.totalSupply();
        _call(caller, address(bond), abi.encodeCall(bond.callBonds, ()), expected, "callBonds");
        if (expected == SUCCEEDS) _in(amount, 2);
    }

    function redeem(uint256 callerSeed, uint256 bonds) external {
        address caller = _actor(callerSeed);
        uint256 balance = bond.balanceOf(caller);
        bonds = _bound(bonds, 0, balance + 1);
        bytes4 expected = _statusError(IGreenBond.Status.Redeemable);
        if (expected == SUCCEEDS && bond.redemptionPrice() != bond.terms().callPrice && block.timestamp < bond.terms().maturityDate) {
            expected = IGreenBond.RedemptionNotOpen.selector;
        }
        if (expected == SUCCEEDS) {
            expected = bonds == 0
                ? IGreenBond.ZeroAmount.selector
                : _guardError(registry.canHold(caller));
        }
        if (expected == SUCCEEDS && bonds > balance) expected = IERC20Errors.ERC20InsufficientBalance.selector;
        uint256 amount = bonds * bond.redemptionPrice();
        _call(caller, address(bond), abi.encodeCall(bond.redeem, (bonds)), expected, "redeem");
        if (expected == SUCCEEDS) _out(amount, 3);
    }

    // ---------------------------------------------------------------- the world

    function setProjectActive(uint256 projectSeed, bool active) external {
        projects.setStatus(1 + projectSeed % 2, active ? IProjectRegistry.ProjectStatus.Active : IProjectRegistry.ProjectStatus.Suspended);
    }

    function addVerifiedOutput(uint256 projectSeed, uint256 wh) external {
        uint256 projectId = 1 + projectSeed % 2;
        (uint256 generation, uint256 grams) = reports.verifiedTotals(projectId);
        reports.setTotals(projectId, generation + _bound(wh, 0, 1e8), grams);
    }

    /// @dev Small steps while subscriptions are open (a 20-day window), larger ones afterwards, so a
    /// 500-call run sees subscription, settlement, coupons, a call or maturity, and redemption.
    function warp(uint256 seconds_) external {
        uint256 step = bond.status() == IGreenBond.Status.Subscription ? 6 days : 60 days;
        vm.warp(block.timestamp + _bound(seconds_, 1, step));
    }



    // ---------------------------------------------------------------- model helpers

    /// @dev The issuer stays unfrozen (its own calls check no standing; freezing it would only hide
    /// the other parties' calls).
    function _neverFrozen(address account) internal view override returns (bool) {
        return account == issuer;
    }

    /// @dev kind: 0 subscription, 1 coupon, 2 principal.
    function _in(uint256 amount, uint256 kind) private {
        ghostPaidIn += amount;
        if (kind == 0) ghostSubscribed += amount;
        else if (kind == 1) ghostCouponsDeposited += amount;
        else ghostPrincipalDeposited += amount;
    }

    /// @dev kind: 0 refund, 1 proceeds withdrawn, 2 coupon claimed, 3 redemption.
    function _out(uint256 amount, uint256 kind) private {
        ghostPaidOut += amount;
        if (kind == 0) ghostRefunded += amount;
        else if (kind == 1) ghostWithdrawn += amount;
        else if (kind == 2) ghostCouponsClaimed += amount;
        else ghostRedeemed += amount;
    }

    function _statusError(IGreenBond.Status expected) private view returns (bytes4) {
        return bond.status() == expected ? SUCCEEDS : IGreenBond.WrongStatus.selector;
    }

    function _milestoneError(uint256 id, uint256 count) private view returns (bytes4) {
        if (id >= count) return IGreenBond.UnknownMilestone.selector;
        IGreenBond.Milestone memory m = bond.milestone(id);
        return m.released || m.reallocated ? IGreenBond.MilestoneClosed.selector : SUCCEEDS;
    }

    function _fingerprint() internal view override returns (bytes32) {
        return keccak256(
            abi.encode(bond.ledger(), bond.totalSupply(), bond.status(), bond.nextPeriod(), bond.milestoneCount(), token.balanceOf(address(bond)))
        );
    }
}
