// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {LoanSetup} from "./LoanSetup.sol";
import {IGreenLoan} from "../../../../contracts/interfaces/IGreenLoan.sol";

/// @title LoanMoneyInvariants
/// @notice Law (docs/loans.md, "Money law"): a loan facility accounts for every base unit. It holds exactly what
/// was paid in (the lender's funding, the borrower's repayments) less what was withdrawn; that is exactly the
/// undrawn commitment plus what the borrower and the lender may withdraw; its ledger says the same, kind by kind;
/// the principal owed is what was drawn less what was repaid (until a write-off forgives it); and a facility that
/// ended holds only what its parties may still withdraw: zero once they have.
contract LoanMoneyInvariants is LoanSetup {
    function invariant_everyBaseUnitAccounted() public view {
        IGreenLoan.Ledger memory l = loan.ledger();
        uint256 held = token.balanceOf(address(loan));
        address borrower = handler.borrower();
        address lender = handler.lender();
        uint256 owedOut = loan.undrawn() + loan.withdrawable(borrower) + loan.withdrawable(lender);
        vm.assertEq(held, handler.ghostPaidIn() - handler.ghostPaidOut(), "balance != paid in - paid out");
        vm.assertEq(held, owedOut, "balance != undrawn + withdrawable");
        vm.assertEq(l.funded, handler.ghostFunded(), "funded");
        vm.assertEq(l.received, handler.ghostReceived(), "received");
        vm.assertEq(l.funded, l.drawn + l.cancelled + loan.undrawn(), "funded != drawn + cancelled + undrawn");
        vm.assertEq(l.received, l.feesPaid + l.interestPaid + l.principalPaid, "received != fees + interest + principal");
        vm.assertEq(l.withdrawnByBorrower + loan.withdrawable(borrower), l.drawn, "borrower's money");
        vm.assertEq(l.withdrawnByLender + loan.withdrawable(lender), l.cancelled + l.received, "lender's money");

        IGreenLoan.State s = loan.state();
        IGreenLoan.Debt memory d = loan.debt();
        if (s == IGreenLoan.State.WrittenOff) {
            vm.assertLe(l.principalPaid, l.drawn, "repaid more principal than drawn");
        } else if (s != IGreenLoan.State.Repaid) {
            vm.assertEq(d.principal, l.drawn - l.principalPaid, "principal != drawn - repaid");
        }
        vm.assertLe(d.overdue, d.total, "overdue > owed");
        if (s == IGreenLoan.State.Repaid || s == IGreenLoan.State.WrittenOff || s == IGreenLoan.State.Cancelled) {
            vm.assertEq(d.total, 0, "an ended facility is owed something");
            vm.assertEq(loan.undrawn(), 0, "an ended facility keeps undrawn commitment");
            vm.assertEq(held, loan.withdrawable(borrower) + loan.withdrawable(lender), "money left nobody can withdraw");
        }
        if (s == IGreenLoan.State.Repaid) {
            vm.assertEq(l.principalPaid, l.drawn, "repaid without all principal");
        }
    }
}
