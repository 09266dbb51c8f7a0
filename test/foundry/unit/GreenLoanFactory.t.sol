// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {LoanWorld} from "../lib/LoanWorld.sol";
import {GreenLoan} from "../../../contracts/loan/GreenLoan.sol";
import {GreenLoanFactory} from "../../../contracts/loan/GreenLoanFactory.sol";
import {IGreenLoan} from "../../../contracts/interfaces/IGreenLoan.sol";
import {IGreenLoanFactory} from "../../../contracts/interfaces/IGreenLoanFactory.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../../../contracts/interfaces/IProjectRegistry.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";

/// @title GreenLoanFactoryTest
/// @notice createLoan (docs/loans.md, entry points): the borrower (an Enterprise or a ProjectDeveloper in good
/// standing) proposes to a Bank in good standing under no pause; each facility is a registered clone with the
/// next id; the views and their refusals.
contract GreenLoanFactoryTest is LoanWorld {
    /// Rule: a proposal creates facility 1, 2, ... as a clone registered in ImpactAttribution (LoanCreated), with
    /// the caller as borrower; loanOf and loanCount read them back, an unknown id is refused.
    function test_createLoan_numbers_registered_clones() public {
        vm.prank(borrower);
        (uint256 id, address loan) = factory.createLoan(_terms(), lender);
        vm.assertEq(id, 1, "first id");
        vm.assertEq(factory.loanOf(1), loan, "loanOf");
        vm.assertEq(factory.loanCount(), 1, "loanCount");
        vm.assertEq(factory.implementation(), address(implementation), "implementation");
        vm.assertEq(address(factory.attribution()), address(attribution), "attribution");
        vm.assertTrue(attribution.isInstrument(loan), "registered");
        vm.assertEq(GreenLoan(loan).borrower(), borrower, "the caller borrows");

        address developer = _enrolled("developer", IParticipantRegistry.Kind.ProjectDeveloper);
        projects.setProject(2, developer, IProjectRegistry.ProjectStatus.Active);
        IGreenLoan.Terms memory t = _terms();
        t.projectId = 2;
        vm.expectEmit(address(factory));
        emit IGreenLoanFactory.LoanCreated(2, _nextClone(2), developer, lender, 2);
        vm.prank(developer); // a project developer may borrow too
        factory.createLoan(t, lender);
        vm.assertEq(factory.loanCount(), 2, "second");
        _expectError(abi.encodeWithSelector(IGreenLoanFactory.LoanUnknownId.selector, 3));
        factory.loanOf(3);
    }

    /// Rule: the borrower is an Enterprise or ProjectDeveloper in good standing, the lender a Bank in good
    /// standing, and nothing is proposed under the pause; each refusal creates nothing.
    function test_createLoan_refusals() public {
        IGreenLoan.Terms memory t = _terms();
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, lender, IParticipantRegistry.Reason.WrongKind));
        vm.prank(lender);
        factory.createLoan(t, lender);
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, stranger, IParticipantRegistry.Reason.WrongKind));
        vm.prank(borrower);
        factory.createLoan(t, stranger);
        _freeze(lender);
        _expectFrozen(lender);
        vm.prank(borrower);
        factory.createLoan(t, lender);
        _freeze(borrower);
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, borrower, IParticipantRegistry.Reason.Frozen));
        vm.prank(borrower);
        factory.createLoan(t, lender);
        _pause();
        _expectPaused();
        vm.prank(borrower);
        factory.createLoan(t, lender);
        vm.assertEq(factory.loanCount(), 0, "nothing created");
    }

    /// @dev The address of the factory's CREATE with `nonce` (the clone it makes next: its nonce starts at 1).
    function _nextClone(uint8 nonce) private view returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes2(0xd694), address(factory), bytes1(nonce))))));
    }

    /// Rule: the factory needs an implementation.
    function test_constructor_refuses_a_zero_implementation() public {
        _expectError(abi.encodeWithSelector(IGreenLoanFactory.LoanImplementationZeroAddress.selector));
        new GreenLoanFactory(registry, address(0));
    }
}
