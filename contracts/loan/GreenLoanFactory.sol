// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IGreenLoan} from "../interfaces/IGreenLoan.sol";
import {IGreenLoanFactory} from "../interfaces/IGreenLoanFactory.sol";
import {IImpactAttribution} from "../interfaces/IImpactAttribution.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";

/// @title GreenLoanFactory
/// @notice Deploys green loan facilities as clones of one GreenLoan implementation: a facility costs a
/// ~45-byte proxy plus its terms and holds its own money, so one facility's books never mix with another's.
/// Needs ImpactAttribution's REGISTRAR_ROLE: each facility is registered there as an instrument, so its KPI
/// and DSCR read only the output attributed to it (counted once across bonds and loans).
contract GreenLoanFactory is IGreenLoanFactory, ComplianceGuard {
    /// @inheritdoc IGreenLoanFactory
    address public immutable implementation;
    /// @notice Where every facility is registered as an instrument (the implementation's attribution).
    IImpactAttribution public immutable attribution;

    mapping(uint256 loanId => address) private _loans;
    uint256 private _count;

    constructor(IParticipantRegistry registry_, address implementation_) ComplianceGuard(registry_) {
        if (implementation_ == address(0)) revert LoanImplementationZeroAddress();
        implementation = implementation_;
        attribution = IGreenLoan(implementation_).attribution();
    }

    /// @inheritdoc IGreenLoanFactory
    function createLoan(IGreenLoan.Terms calldata terms, address lender)
        external
        whenNetworkActive
        returns (uint256 loanId, address loan)
    {
        _requireBorrower(msg.sender);
        _requireCanActAs(lender, IParticipantRegistry.Kind.Bank);
        // The clone is initialized in this same call, so nobody can initialize it first.
        loan = Clones.clone(implementation);
        loanId = ++_count;
        _loans[loanId] = loan;
        emit LoanCreated(loanId, loan, msg.sender, lender, terms.projectId);
        // Registered first: initialize opens the facility's (empty) attribution position.
        attribution.registerInstrument(loan);
        IGreenLoan(loan).initialize(terms, msg.sender, lender);
    }

    /// @inheritdoc IGreenLoanFactory
    function loanOf(uint256 loanId) external view returns (address loan) {
        loan = _loans[loanId];
        if (loan == address(0)) revert LoanUnknownId(loanId);
    }

    /// @inheritdoc IGreenLoanFactory
    function loanCount() external view returns (uint256) {
        return _count;
    }

    /// @dev A borrower is an enterprise or a project developer in good standing.
    function _requireBorrower(address account) private view {
        if (registry.canActAs(account, IParticipantRegistry.Kind.Enterprise) == IParticipantRegistry.Reason.Ok) return;
        _requireCanActAs(account, IParticipantRegistry.Kind.ProjectDeveloper);
    }
}
