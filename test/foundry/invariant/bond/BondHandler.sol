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
import {ImpactAttribution} from "../../../../contracts/finance/ImpactAttribution.sol";
import {IImpactAttribution} from "../../../../contracts/interfaces/IImpactAttribution.sol";
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
    ImpactAttribution public immutable attribution;
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
        ImpactAttribution attribution_,
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
        attribution = attribution_;
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
        bytes4 expected = registry.paused()
            ? ComplianceGuard.NetworkPaused.selector
            : caller != issuer ? IGreenBond.NotIssuer.selector : _statusError(IGreenBond.Status.Subscription);
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
        if (expected == SUCCEEDS) expected = _guardError(registry.canHold(caller));
        _call(caller, address(bond), abi.encodeCall(bond.refund, ()), expected, "refund");
        if (expected == SUCCEEDS) _out(bonds * bond.terms().denomination, 0);
    }

    // ---------------------------------------------------------------- use of proceeds

    function allocate(uint256 projectSeed, uint256 amount, uint256 threshold, bool byOther, uint256 deadlineSeed) external {
        address caller = byOther ? _actor(projectSeed >> 8) : issuer;
        uint256 projectId = 1 + projectSeed % 2;
        // Now and then dust below the attribution contract's minimum claim, else up to one past the free proceeds.
        amount = amount % 4 == 0 ? _bound(amount >> 2, 0, 2 * attribution.minimumClaim()) : _bound(amount, 0, bond.unallocated() + 1);
        uint256 thresholdWh = threshold % 2 == 0 ? 0 : _bound(threshold, 1, 1e9);
        // Mostly a deadline between now and maturity; now and then now itself or one past maturity.
        uint64 deadline = uint64(_bound(deadlineSeed, block.timestamp, uint256(bond.terms().maturityDate) + 1));
        bytes4 expected = _allocateError(caller, projectId, amount, deadline);
        _call(
            caller, address(bond), abi.encodeCall(bond.allocate, (projectId, amount, thresholdWh, deadline)), expected, "allocate"
        );
    }

    /// @dev The refusal `allocate` must give, in the contract's order of checks, or SUCCEEDS.
    function _allocateError(address caller, uint256 projectId, uint256 amount, uint64 deadline) private view returns (bytes4) {
        if (caller != issuer) return IGreenBond.NotIssuer.selector;
        bytes4 status = _statusError(IGreenBond.Status.Issued);
        if (status != SUCCEEDS) return status;
        if (amount == 0) return IGreenBond.ZeroAmount.selector;
        if (!projects.isActive(projectId)) return IGreenBond.ProjectNotActive.selector;
        if (deadline <= block.timestamp || deadline > bond.terms().maturityDate) return IGreenBond.InvalidDeadline.selector;
        if (amount > bond.unallocated()) return IGreenBond.ExceedsUnallocated.selector;
        if (amount < attribution.minimumClaim()) return IImpactAttribution.ImpactAttributionClaimBelowMinimum.selector;
        return SUCCEEDS;
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
        bytes4 expected = registry.paused() ? ComplianceGuard.NetworkPaused.selector : _statusError(IGreenBond.Status.Issued);
        if (expected == SUCCEEDS) expected = _milestoneError(id, count);
        if (expected == SUCCEEDS) {
            IGreenBond.Milestone memory m = bond.milestone(id);
            (uint256 wh,) = attribution.attributed(address(bond), m.projectId);
            bool met = m.thresholdWh == 0 ? m.attested : wh - m.baselineWh >= m.thresholdWh;
            if (block.timestamp >= m.deadline) expected = IGreenBond.DeadlinePassed.selector;
            else if (!met) expected = IGreenBond.MilestoneConditionNotMet.selector;
        }
        _call(_actor(callerSeed), address(bond), abi.encodeCall(bond.releaseMilestone, (id)), expected, "release");
    }

    function reallocate(uint256 milestoneSeed, bool byOther) external {
        uint256 count = bond.milestoneCount();
        uint256 id = _bound(milestoneSeed, 0, count);
        address caller = byOther ? _actor(milestoneSeed >> 8) : issuer;
        bytes4 expected = caller != issuer ? IGreenBond.NotIssuer.selector : _statusError(IGreenBond.Status.Issued);
        if (expected == SUCCEEDS) expected = _milestoneError(id, count);
        if (expected == SUCCEEDS && projects.isActive(bond.milestone(id).projectId)) expected = IGreenBond.ProjectStillActive.selector;
        _call(caller, address(bond), abi.encodeCall(bond.reallocate, (id, bytes32(0))), expected, "reallocate");
    }

    function expire(uint256 milestoneSeed, uint256 callerSeed) external {
        uint256 count = bond.milestoneCount();
        uint256 id = _bound(milestoneSeed, 0, count);
        bytes4 expected = _statusError(IGreenBond.Status.Issued);
        if (expected == SUCCEEDS) expected = _milestoneError(id, count);
        if (expected == SUCCEEDS && block.timestamp < bond.milestone(id).deadline) expected = IGreenBond.DeadlineNotReached.selector;
        _call(_actor(callerSeed), address(bond), abi.encodeCall(bond.expireMilestone, (id)), expected, "expire");
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
                : period != next ? IGreenBond.PeriodOutOfOrder.selector : _guardError(registry.canHold(caller));
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
        if (expected == SUCCEEDS) expected = _guardError(registry.canHold(caller));
        uint256 amount = expected == SUCCEEDS ? _principalDue(bond.terms().denomination) : 0;
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
        if (expected == SUCCEEDS) expected = _guardError(registry.canHold(caller));
        uint256 amount = expected == SUCCEEDS ? _principalDue(t.callPrice) : 0;
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
        reports.setTotals(projectId, generation + _bound(wh, 0, 1e8), grams + _bound(wh >> 128, 0, 1e7));
    }

    // ---------------------------------------------------------------- a second instrument

    /// @notice The handler is a second registered instrument on the same projects (as another
    /// series or a loan would be): it claims, with now and then dust below the minimum claim, which
    /// must be refused and buy nothing.
    function otherClaim(uint256 projectSeed, uint256 amount) external {
        uint256 projectId = 1 + projectSeed % 2;
        uint256 minimum = attribution.minimumClaim();
        amount = _bound(amount, 0, 4 * minimum);
        bytes4 expected = amount < minimum ? IImpactAttribution.ImpactAttributionClaimBelowMinimum.selector : SUCCEEDS;
        _call(address(this), address(attribution), abi.encodeCall(attribution.claim, (projectId, amount)), expected, "otherClaim");
    }

    function otherRelease(uint256 projectSeed, uint256 amount) external {
        uint256 projectId = 1 + projectSeed % 2;
        uint256 claimed = attribution.claimOf(address(this), projectId);
        amount = _bound(amount, 0, claimed + 1);
        bytes4 expected = amount > claimed ? IImpactAttribution.ImpactAttributionExceedsClaim.selector : SUCCEEDS;
        _call(address(this), address(attribution), abi.encodeCall(attribution.release, (projectId, amount)), expected, "otherRelease");
    }

    /// @dev Small steps while subscriptions are open (a 20-day window), larger ones afterwards, so a
    /// 500-call run sees subscription, settlement, coupons, a call or maturity, and redemption.
    function warp(uint256 seconds_) external {
        uint256 step = bond.status() == IGreenBond.Status.Subscription ? 6 days : 60 days;
        vm.warp(block.timestamp + _bound(seconds_, 1, step));
    }



    // ---------------------------------------------------------------- model helpers

    /// @dev What the issuer pays when redemption opens at `price`: the bonds at that price, less the
    /// proceeds never released (they are still in the series and are netted).
    function _principalDue(uint256 price) private view returns (uint256) {
        IGreenBond.Ledger memory l = bond.ledger();
        return price * bond.totalSupply() - (l.subscribed - l.released);
    }

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
        return m.released || m.reallocated || m.expired ? IGreenBond.MilestoneClosed.selector : SUCCEEDS;
    }

    function _fingerprint() internal view override returns (bytes32) {
        bytes32 bondState = keccak256(
            abi.encode(bond.ledger(), bond.totalSupply(), bond.status(), bond.nextPeriod(), bond.milestoneCount(), token.balanceOf(address(bond)))
        );
        bytes32 claims;
        for (uint256 projectId = 1; projectId <= 2; ++projectId) {
            claims = keccak256(
                abi.encode(
                    claims,
                    attribution.project(projectId),
                    attribution.claimOf(address(bond), projectId),
                    attribution.claimOf(address(this), projectId)
                )
            );
        }
        return keccak256(abi.encode(bondState, claims));
    }
}
