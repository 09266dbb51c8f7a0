// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {HandlerBase} from "../../lib/HandlerBase.sol";
import {GreenLoan} from "../../../../contracts/loan/GreenLoan.sol";
import {SettlementToken} from "../../../../contracts/token/SettlementToken.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {ComplianceGuard} from "../../../../contracts/compliance/ComplianceGuard.sol";
import {MockMonitoringReportsForBonds} from "../../../../contracts/mocks/MockMonitoringReportsForBonds.sol";
import {MockRiskOracle} from "../../../../contracts/mocks/MockRiskOracle.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {IGreenLoan} from "../../../../contracts/interfaces/IGreenLoan.sol";

/// @title LoanHandler
/// @notice Drives one GreenLoan facility through its whole life from the borrower, the lender, an outsider and
/// the regulator: approval, drawdowns (within and beyond the commitment, after the availability period, under
/// lock-up), repayments (zero, partial, everything, too much), withdrawals, commitment cancellations,
/// observations, impairment, call and write-off, verified output, freezes, the pause and time.
/// Ghosts: every base unit paid in (funding, repayments) and out (withdrawals).
contract LoanHandler is HandlerBase {
    GreenLoan public immutable loan;
    SettlementToken public immutable token;
    MockMonitoringReportsForBonds public immutable reports;
    MockRiskOracle public immutable oracle;
    address public immutable borrower;
    address public immutable lender;

    uint256 public ghostPaidIn;
    uint256 public ghostPaidOut;
    uint256 public ghostFunded;
    uint256 public ghostReceived;
    uint256 private _output;

    constructor(
        GreenLoan loan_,
        SettlementToken token_,
        ParticipantRegistry registry_,
        MockMonitoringReportsForBonds reports_,
        MockRiskOracle oracle_,
        address borrower_,
        address lender_,
        address regulator_,
        address[] memory actors_
    ) HandlerBase(registry_, regulator_, actors_) {
        loan = loan_;
        token = token_;
        reports = reports_;
        oracle = oracle_;
        borrower = borrower_;
        lender = lender_;
    }

    // ---------------------------------------------------------------- money

    function approve(uint256 seed) external {
        address caller = seed % 4 == 0 ? _actor(seed >> 8) : lender;
        oracle.setScore(borrower, 250, 1);
        bytes4 expected = _paused();
        if (expected == SUCCEEDS && caller != lender) expected = IGreenLoan.LoanUnauthorized.selector;
        if (expected == SUCCEEDS) expected = _stateError(IGreenLoan.State.Proposed, IGreenLoan.State.Proposed);
        if (expected == SUCCEEDS) expected = _guardError(registry.canActAs(lender, IParticipantRegistry.Kind.Bank));
        uint256 commitment = loan.terms().commitment;
        _call(caller, address(loan), abi.encodeCall(loan.approve, ()), expected, "approve");
        if (expected == SUCCEEDS) {
            ghostPaidIn += commitment;
            ghostFunded += commitment;
        }
    }

    function draw(uint256 seed, uint256 amount) external {
        address caller = seed % 5 == 0 ? _actor(seed >> 8) : borrower;
        oracle.setScore(borrower, 250, 1);
        uint256 free = loan.undrawn();
        amount = _bound(amount, 0, free + 1);
        bytes4 expected = _paused();
        if (expected == SUCCEEDS && caller != borrower) expected = IGreenLoan.LoanUnauthorized.selector;
        if (expected == SUCCEEDS) expected = _stateError(IGreenLoan.State.Approved, IGreenLoan.State.Active);
        if (expected == SUCCEEDS && amount == 0) expected = IGreenLoan.LoanZeroAmount.selector;
        if (expected == SUCCEEDS && block.timestamp >= loan.terms().availabilityEnd) {
            expected = IGreenLoan.LoanAvailabilityEnded.selector;
        }
        if (expected == SUCCEEDS && amount > free) expected = IGreenLoan.LoanExceedsCommitment.selector;
        if (expected == SUCCEEDS && loan.lockedUp()) expected = IGreenLoan.LoanLockedUp.selector;
        if (expected == SUCCEEDS) expected = _guardError(registry.canHold(borrower));
        _call(caller, address(loan), abi.encodeCall(loan.draw, (amount)), expected, "draw");
    }

    function repay(uint256 seed, uint256 amount) external {
        address caller = seed % 5 == 0 ? _actor(seed >> 8) : borrower;
        uint256 owed = loan.debt().total;
        uint256 pick = seed % 7;
        amount = pick == 0 ? type(uint256).max : pick == 1 ? owed + 1 + amount % 1e12 : _bound(amount, 0, owed);
        bytes4 expected = _paused();
        if (expected == SUCCEEDS && caller != borrower) expected = IGreenLoan.LoanUnauthorized.selector;
        if (expected == SUCCEEDS) {
            IGreenLoan.State s = loan.state();
            if (s != IGreenLoan.State.Active && s != IGreenLoan.State.Impaired && s != IGreenLoan.State.Defaulted) {
                expected = IGreenLoan.LoanWrongState.selector;
            }
        }
        if (expected == SUCCEEDS && amount == 0) expected = IGreenLoan.LoanZeroAmount.selector;
        if (expected == SUCCEEDS) expected = _guardError(registry.canHold(borrower));
        if (expected == SUCCEEDS && amount != type(uint256).max && amount > owed) {
            expected = IGreenLoan.LoanRepaymentExceedsDebt.selector;
        }
        _call(caller, address(loan), abi.encodeCall(loan.repay, (amount)), expected, "repay");
        if (expected == SUCCEEDS) {
            uint256 paid = amount == type(uint256).max ? owed : amount;
            ghostPaidIn += paid;
            ghostReceived += paid;
        }
    }

    function withdraw(uint256 seed) external {
        address caller = seed % 3 == 0 ? borrower : seed % 3 == 1 ? lender : _actor(seed >> 8);
        uint256 amount = loan.withdrawable(caller);
        bytes4 expected = _paused();
        if (expected == SUCCEEDS && amount == 0) expected = IGreenLoan.LoanNothingToWithdraw.selector;
        if (expected == SUCCEEDS) expected = _guardError(registry.canHold(caller));
        _call(caller, address(loan), abi.encodeCall(loan.withdraw, ()), expected, "withdraw");
        if (expected == SUCCEEDS) ghostPaidOut += amount;
    }

    function cancelCommitment(uint256 seed, uint256 amount) external {
        address caller = seed % 5 == 0 ? _actor(seed >> 8) : borrower;
        uint256 free = loan.undrawn();
        amount = _bound(amount, 0, free + 1);
        bytes4 expected = caller != borrower ? IGreenLoan.LoanUnauthorized.selector : SUCCEEDS;
        if (expected == SUCCEEDS) expected = _stateError(IGreenLoan.State.Approved, IGreenLoan.State.Active);
        if (expected == SUCCEEDS && amount == 0) expected = IGreenLoan.LoanZeroAmount.selector;
        if (expected == SUCCEEDS && amount > free) expected = IGreenLoan.LoanExceedsCommitment.selector;
        _call(caller, address(loan), abi.encodeCall(loan.cancelCommitment, (amount)), expected, "cancelCommitment");
    }

    function cancel(uint256 seed) external {
        if (seed % 16 != 0) return; // rare: it ends the run's facility
        address caller = (seed >> 8) % 2 == 0 ? borrower : lender;
        bytes4 expected = _stateError(IGreenLoan.State.Proposed, IGreenLoan.State.Approved);
        _call(caller, address(loan), abi.encodeCall(loan.cancel, ()), expected, "cancel");
    }

    // ---------------------------------------------------------------- covenants and remedies

    function observe(uint256 seed) external {
        uint256 period = loan.nextObservation();
        if (seed % 4 == 0) period = _bound(seed >> 8, 0, 10);
        IGreenLoan.State s = loan.state();
        bytes4 expected = s == IGreenLoan.State.Approved || s == IGreenLoan.State.Active || s == IGreenLoan.State.Impaired
            ? SUCCEEDS
            : IGreenLoan.LoanWrongState.selector;
        uint256 periods = loan.terms().periods;
        if (expected == SUCCEEDS && (period == 0 || period > periods)) expected = IGreenLoan.LoanUnknownPeriod.selector;
        if (expected == SUCCEEDS && period != loan.nextObservation()) expected = IGreenLoan.LoanObservationOutOfOrder.selector;
        if (expected == SUCCEEDS && block.timestamp < loan.periodEnd(period)) expected = IGreenLoan.LoanPeriodNotEnded.selector;
        _call(_actor(seed >> 16), address(loan), abi.encodeCall(loan.observe, (period)), expected, "observe");
    }

    function impair(uint256 seed) external {
        address caller = seed % 4 == 0 ? borrower : lender;
        bytes4 expected = caller != lender ? IGreenLoan.LoanUnauthorized.selector : SUCCEEDS;
        if (expected == SUCCEEDS) expected = _stateError(IGreenLoan.State.Active, IGreenLoan.State.Active);
        if (expected == SUCCEEDS && loan.debt().overdue == 0) expected = IGreenLoan.LoanNothingOverdue.selector;
        _call(caller, address(loan), abi.encodeCall(loan.impair, ()), expected, "impair");
    }

    function callLoan(uint256 seed) external {
        address caller = seed % 4 == 0 ? borrower : lender;
        IGreenLoan.State s = loan.state();
        bytes4 expected = caller != lender ? IGreenLoan.LoanUnauthorized.selector : SUCCEEDS;
        if (expected == SUCCEEDS) expected = _stateError(IGreenLoan.State.Active, IGreenLoan.State.Impaired);
        if (expected == SUCCEEDS && s == IGreenLoan.State.Active && loan.breaches() < loan.terms().defaultPeriods) {
            expected = IGreenLoan.LoanNotCallable.selector;
        }
        _call(caller, address(loan), abi.encodeCall(loan.callLoan, ()), expected, "callLoan");
    }

    function writeOff(uint256 seed) external {
        address caller = seed % 4 == 0 ? borrower : lender;
        bytes4 expected = caller != lender ? IGreenLoan.LoanUnauthorized.selector : SUCCEEDS;
        if (expected == SUCCEEDS) expected = _stateError(IGreenLoan.State.Defaulted, IGreenLoan.State.Defaulted);
        _call(caller, address(loan), abi.encodeCall(loan.writeOff, ()), expected, "writeOff");
    }

    // ---------------------------------------------------------------- the world

    function addOutput(uint256 wh) external {
        _output += _bound(wh, 0, 800_000_000);
        reports.setTotals(1, _output, 0);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1, 60 days));
    }

    // ---------------------------------------------------------------- helpers

    function _paused() private view returns (bytes4) {
        return registry.paused() ? ComplianceGuard.NetworkPaused.selector : SUCCEEDS;
    }

    function _stateError(IGreenLoan.State a, IGreenLoan.State b) private view returns (bytes4) {
        IGreenLoan.State s = loan.state();
        return s == a || s == b ? SUCCEEDS : IGreenLoan.LoanWrongState.selector;
    }

    function _fingerprint() internal view override returns (bytes32) {
        IGreenLoan.Debt memory d = loan.debt();
        return keccak256(
            abi.encode(
                loan.ledger(), loan.state(), loan.pricing(), loan.nextObservation(), loan.breaches(), loan.lockedUp(),
                d.principal, d.fees, d.interest, token.balanceOf(address(loan))
            )
        );
    }
}
