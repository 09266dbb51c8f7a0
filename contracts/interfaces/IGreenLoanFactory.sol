// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGreenLoan} from "./IGreenLoan.sol";

/// @title IGreenLoanFactory
/// @notice Creates green loan facilities as EIP-1167 clones of one GreenLoan implementation and registers
/// each as an instrument of the ImpactAttribution, so a facility counts only the output attributed to it
/// (once across bonds and loans). Facilities are numbered 1, 2, ... in creation order.
interface IGreenLoanFactory {
    /// @notice Thrown when the implementation address is zero.
    error LoanImplementationZeroAddress();
    /// @notice Thrown when `loanId` names no facility.
    error LoanUnknownId(uint256 loanId);

    /// @notice Emitted when `borrower` creates facility `loanId` at `loan` with `lender` for `projectId`.
    event LoanCreated(
        uint256 indexed loanId, address indexed loan, address indexed borrower, address lender, uint256 projectId
    );

    /// @notice Propose a facility with the caller as borrower: the clone starts Proposed and waits for the
    /// lender's `approve()`.
    /// @dev Caller: a participant of Kind.Enterprise or Kind.ProjectDeveloper in good standing, the developer
    /// of `terms.projectId`. `lender` must be a Kind.Bank in good standing. Reverts ComplianceRefused,
    /// NetworkPaused, and the facility's LoanInvalidTerms. Emits LoanCreated (and the facility's
    /// LoanInitialized, the attribution's InstrumentRegistered and PositionOpened: the proposal pays for the
    /// facility's empty attribution position, which holds no claim until approval).
    function createLoan(IGreenLoan.Terms calldata terms, address lender) external returns (uint256 loanId, address loan);

    /// @notice The facility with id `loanId`. Reverts LoanUnknownId.
    function loanOf(uint256 loanId) external view returns (address);

    /// @notice How many facilities exist (the latest id).
    function loanCount() external view returns (uint256);

    /// @notice The GreenLoan every facility delegates to.
    function implementation() external view returns (address);
}
