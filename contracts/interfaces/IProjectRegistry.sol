// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IProjectRegistry
/// @notice The read side of the project registry that other instruments (MRV reports, carbon
/// credits, green bonds) rely on. Implemented by ProjectRegistry.
interface IProjectRegistry {
    /// @notice What one issued unit of the project's credits stands for.
    enum CreditClass {
        VerifiedEmissionReduction, // one unit = 1 tCO2e
        GreenElectricityCertificate // one unit = 1 MWh (I-REC / Energy Web style)
    }

    enum ProjectStatus {
        None,
        Submitted,
        Validated,
        Active,
        Suspended,
        Closed
    }

    struct ProjectInfo {
        address developer;
        CreditClass creditClass;
        ProjectStatus status;
        bytes2 jurisdiction;
        bytes32 methodologyId;
        bytes32 methodologyVersionHash;
        bytes32 locationHash;
    }

    /// @notice The project's record; status `None` when `projectId` is unknown.
    function project(uint256 projectId) external view returns (ProjectInfo memory);

    /// @notice Whether the project is `Active` (may report, be issued and be financed).
    function isActive(uint256 projectId) external view returns (bool);

    /// @notice The project's developer, address(0) when unknown.
    function developerOf(uint256 projectId) external view returns (address);
}
