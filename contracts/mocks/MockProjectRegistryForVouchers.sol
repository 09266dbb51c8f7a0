// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IProjectRegistry} from "../interfaces/IProjectRegistry.sol";

/// @dev Test double of IProjectRegistry for CreditVoucher: project status set directly.
contract MockProjectRegistryForVouchers is IProjectRegistry {
    mapping(uint256 projectId => ProjectInfo) private _projects;

    function setStatus(uint256 projectId, ProjectStatus status) external {
        _projects[projectId].status = status;
        _projects[projectId].developer = msg.sender;
    }

    function project(uint256 projectId) external view returns (ProjectInfo memory) {
        return _projects[projectId];
    }

    function isActive(uint256 projectId) external view returns (bool) {
        return _projects[projectId].status == ProjectStatus.Active;
    }

    function developerOf(uint256 projectId) external view returns (address) {
        return _projects[projectId].developer;
    }
}
