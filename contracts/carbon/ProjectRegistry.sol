// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GovernedAccessControl, networkAdminDelay} from "../access/GovernedAccessControl.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../interfaces/IProjectRegistry.sol";
import {IProjectRegistryWorkflow} from "../interfaces/IProjectRegistryWorkflow.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";

/// @title ProjectRegistry
/// @notice Carbon and green-electricity projects: who develops them, under which methodology,
/// where, with which documents, and where they stand in the workflow. A verifier validates, the
/// regulator activates, suspends and closes. Strings stay off chain: documents are stored as hashes
/// and their URIs only appear in events.
contract ProjectRegistry is IProjectRegistryWorkflow, GovernedAccessControl, ComplianceGuard {
    bytes32 public constant REGULATOR_ROLE = keccak256("REGULATOR_ROLE");

    /// @dev The admin or regulator address is zero.
    error ZeroAddress();

    uint256 private _projectCount;
    mapping(uint256 projectId => ProjectInfo) private _projects;
    mapping(uint256 projectId => mapping(bytes32 name => Document)) private _documents;
    mapping(uint256 projectId => bytes32[]) private _documentNames;
    // 1-based position of a name in _documentNames, so removal is O(1) (swap and pop).
    mapping(uint256 projectId => mapping(bytes32 name => uint256)) private _documentIndex;

    constructor(IParticipantRegistry registry_, address admin, address regulator)
        ComplianceGuard(registry_)
        GovernedAccessControl(networkAdminDelay(address(registry_)), admin)
    {
        if (admin == address(0) || regulator == address(0)) revert ZeroAddress();
        _grantRole(REGULATOR_ROLE, regulator);
    }

    // ---------------------------------------------------------------- workflow

    /// @inheritdoc IProjectRegistryWorkflow
    function submitProject(
        bytes32 methodologyId,
        bytes32 methodologyVersionHash,
        CreditClass creditClass,
        bytes2 jurisdiction,
        bytes32 locationHash
    ) external returns (uint256 projectId) {
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.ProjectDeveloper);
        if (!_isJurisdiction(jurisdiction)) revert InvalidProjectJurisdiction(jurisdiction);
        if (methodologyId == bytes32(0) || locationHash == bytes32(0)) revert MissingProjectData();
        projectId = ++_projectCount;
        _projects[projectId] = ProjectInfo({
            developer: msg.sender,
            creditClass: creditClass,
            status: ProjectStatus.Submitted,
            jurisdiction: jurisdiction,
            methodologyId: methodologyId,
            methodologyVersionHash: methodologyVersionHash,
            locationHash: locationHash
        });
        emit ProjectSubmitted(
            projectId, msg.sender, creditClass, jurisdiction, methodologyId, methodologyVersionHash, locationHash
        );
        emit ProjectStatusChanged(projectId, ProjectStatus.None, ProjectStatus.Submitted, msg.sender, bytes32(0));
    }

    /// @inheritdoc IProjectRegistryWorkflow
    function validate(uint256 projectId, bytes32 validationHash) external {
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Verifier);
        _transition(projectId, _bit(ProjectStatus.Submitted), ProjectStatus.Validated, validationHash);
    }

    /// @inheritdoc IProjectRegistryWorkflow
    function activate(uint256 projectId, bytes32 decisionHash) external onlyRole(REGULATOR_ROLE) {
        _transition(
            projectId, _bit(ProjectStatus.Validated) | _bit(ProjectStatus.Suspended), ProjectStatus.Active, decisionHash
        );
    }

    /// @inheritdoc IProjectRegistryWorkflow
    function suspend(uint256 projectId, bytes32 decisionHash) external onlyRole(REGULATOR_ROLE) {
        _transition(projectId, _bit(ProjectStatus.Active), ProjectStatus.Suspended, decisionHash);
    }

    /// @inheritdoc IProjectRegistryWorkflow
    function close(uint256 projectId, bytes32 decisionHash) external onlyRole(REGULATOR_ROLE) {
        _transition(
            projectId,
            _bit(ProjectStatus.Submitted) | _bit(ProjectStatus.Validated) | _bit(ProjectStatus.Active)
                | _bit(ProjectStatus.Suspended),
            ProjectStatus.Closed,
            decisionHash
        );
    }

    // ---------------------------------------------------------------- documents

    /// @inheritdoc IProjectRegistryWorkflow
    function setDocument(uint256 projectId, bytes32 name, string calldata uri, bytes32 documentHash) external {
        _requireDeveloper(projectId);
        if (name == bytes32(0) || documentHash == bytes32(0)) revert InvalidDocument(name);
        if (_documentIndex[projectId][name] == 0) {
            _documentNames[projectId].push(name);
            _documentIndex[projectId][name] = _documentNames[projectId].length;
        }
        _documents[projectId][name] = Document(keccak256(bytes(uri)), documentHash, uint64(block.timestamp));
        emit DocumentUpdated(projectId, name, uri, documentHash);
    }

    /// @inheritdoc IProjectRegistryWorkflow
    function removeDocument(uint256 projectId, bytes32 name) external {
        _requireDeveloper(projectId);
        uint256 position = _documentIndex[projectId][name];
        if (position == 0) revert UnknownDocument(projectId, name);
        bytes32[] storage names = _documentNames[projectId];
        bytes32 last = names[names.length - 1];
        names[position - 1] = last;
        _documentIndex[projectId][last] = position;
        names.pop();
        delete _documentIndex[projectId][name];
        bytes32 documentHash = _documents[projectId][name].documentHash;
        delete _documents[projectId][name];
        emit DocumentRemoved(projectId, name, documentHash);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IProjectRegistry
    function project(uint256 projectId) external view returns (ProjectInfo memory) {
        return _projects[projectId];
    }

    /// @inheritdoc IProjectRegistry
    function isActive(uint256 projectId) external view returns (bool) {
        return _projects[projectId].status == ProjectStatus.Active;
    }

    /// @inheritdoc IProjectRegistry
    function developerOf(uint256 projectId) external view returns (address) {
        return _projects[projectId].developer;
    }

    /// @inheritdoc IProjectRegistryWorkflow
    function issuanceProfile(uint256 projectId)
        external
        view
        returns (address developer, CreditClass creditClass, ProjectStatus status, bytes2 jurisdiction)
    {
        ProjectInfo storage p = _projects[projectId];
        return (p.developer, p.creditClass, p.status, p.jurisdiction);
    }

    /// @inheritdoc IProjectRegistryWorkflow
    function getDocument(uint256 projectId, bytes32 name) external view returns (Document memory) {
        return _documents[projectId][name];
    }

    /// @inheritdoc IProjectRegistryWorkflow
    function getAllDocuments(uint256 projectId) external view returns (bytes32[] memory) {
        return _documentNames[projectId];
    }

    /// @inheritdoc IProjectRegistryWorkflow
    function projectCount() external view returns (uint256) {
        return _projectCount;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Move `projectId` to `target` if its status is one of the set bits of `allowedFrom`.
    function _transition(uint256 projectId, uint256 allowedFrom, ProjectStatus target, bytes32 evidenceHash) private {
        ProjectInfo storage p = _projects[projectId];
        ProjectStatus current = p.status;
        if (current == ProjectStatus.None) revert UnknownProject(projectId);
        if (_bit(current) & allowedFrom == 0) revert InvalidStatusTransition(projectId, current, target);
        p.status = target;
        emit ProjectStatusChanged(projectId, current, target, msg.sender, evidenceHash);
    }

    function _bit(ProjectStatus status) private pure returns (uint256) {
        return 1 << uint256(status);
    }

    function _requireDeveloper(uint256 projectId) private view {
        address developer = _projects[projectId].developer;
        if (developer == address(0)) revert UnknownProject(projectId);
        if (developer != msg.sender) revert NotProjectDeveloper(projectId, msg.sender);
    }

    function _isJurisdiction(bytes2 code) private pure returns (bool) {
        return _isUpper(code[0]) && _isUpper(code[1]);
    }

    function _isUpper(bytes1 c) private pure returns (bool) {
        return c >= 0x41 && c <= 0x5A;
    }
}
