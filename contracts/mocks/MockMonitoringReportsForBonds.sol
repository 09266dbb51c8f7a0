// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMonitoringReports} from "../interfaces/IMonitoringReports.sol";

/// @dev Test double of IMonitoringReports for GreenBond: verified totals set directly; a project can
/// be made to revert (unreadable data).
contract MockMonitoringReportsForBonds is IMonitoringReports {
    error ReportsUnavailable(uint256 projectId);

    mapping(uint256 projectId => uint256) private _wh;
    mapping(uint256 projectId => uint256) private _grams;
    mapping(uint256 projectId => bool) private _broken;

    function setTotals(uint256 projectId, uint256 generationWh, uint256 reductionGrams) external {
        _wh[projectId] = generationWh;
        _grams[projectId] = reductionGrams;
    }

    function setBroken(uint256 projectId, bool broken) external {
        _broken[projectId] = broken;
    }

    function consumeForIssuance(uint256) external pure returns (IssuableReport memory r) {
        return r;
    }

    function verifiedTotals(uint256 projectId) external view returns (uint256, uint256) {
        if (_broken[projectId]) revert ReportsUnavailable(projectId);
        return (_wh[projectId], _grams[projectId]);
    }
}
