// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMonitoringReports} from "../interfaces/IMonitoringReports.sol";

/// @title MockMonitoringReportsForCarbon
/// @notice Test double of MRVReports for the carbon tests: hands out configured reports, each once.
contract MockMonitoringReportsForCarbon is IMonitoringReports {
    error UnknownReport(uint256 reportId);
    error ReportNotApproved(uint256 reportId);
    error ReportAlreadyConsumed(uint256 reportId);

    enum State {
        None,
        Pending,
        Approved,
        Consumed
    }

    mapping(uint256 reportId => IssuableReport) private _reports;
    mapping(uint256 reportId => State) private _state;

    /// @notice Configure report `reportId`, approved or still pending.
    function setReport(uint256 reportId, IssuableReport calldata report, bool approved) external {
        _reports[reportId] = report;
        _state[reportId] = approved ? State.Approved : State.Pending;
    }

    function approve(uint256 reportId) external {
        _state[reportId] = State.Approved;
    }

    function state(uint256 reportId) external view returns (State) {
        return _state[reportId];
    }

    function consumeForIssuance(uint256 reportId) external returns (IssuableReport memory) {
        State s = _state[reportId];
        if (s == State.None) revert UnknownReport(reportId);
        if (s == State.Pending) revert ReportNotApproved(reportId);
        if (s == State.Consumed) revert ReportAlreadyConsumed(reportId);
        _state[reportId] = State.Consumed;
        return _reports[reportId];
    }

    function verifiedTotals(uint256) external pure returns (uint256, uint256) {
        return (0, 0);
    }
}
