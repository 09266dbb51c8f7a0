// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IProjectRegistry} from "../interfaces/IProjectRegistry.sol";

/// @dev Test double of IProjectRegistry for the MRV and voucher tests and benchmarks: each project's
/// developer and status are set directly, by anyone.
contract MockProjectRegistry is IProjectRegistry {
    mapping(uint256 projectId => ProjectInfo) private _projects;

    function setProject(uint256 projectId, address developer, ProjectStatus status) external {
        ProjectInfo storage p = _projects[projectId];
        p.developer = developer;
        p.status = status;
    }

    /// @dev Changes the status only; the developer stays as set (address(0) if never set).
    function setStatus(uint256 projectId, ProjectStatus status) external {
        _projects[projectId].status = status;
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
