// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IProjectRegistry} from "./IProjectRegistry.sol";

/// @title IProjectRegistryWorkflow
/// @notice The write side of the project registry: submission by a project developer, validation
/// by a verifier, activation, suspension and closure by the regulator, and project documents in the
/// style of ERC-1643 (a document is a name, a URI and a content hash; URIs live only in events).
///
/// Status workflow (each transition emits ProjectStatusChanged):
///   Submitted --validate (verifier)--> Validated --activate (regulator)--> Active
///   Active --suspend (regulator)--> Suspended --activate (regulator)--> Active
///   any status but Closed --close (regulator)--> Closed (final)
interface IProjectRegistryWorkflow is IProjectRegistry {
    /// @notice One project document: hashes only; the URI is in the DocumentUpdated event.
    struct Document {
        bytes32 uriHash; // keccak256 of the URI string
        bytes32 documentHash; // hash of the document's content
        uint64 lastModified; // unix seconds
    }

    // ---------------------------------------------------------------- errors

    /// @dev No project has id `projectId`.
    error UnknownProject(uint256 projectId);
    /// @dev The project cannot move from `current` to `target`.
    error InvalidStatusTransition(uint256 projectId, ProjectStatus current, ProjectStatus target);
    /// @dev A jurisdiction must be two upper-case ASCII letters.
    error InvalidProjectJurisdiction(bytes2 jurisdiction);
    /// @dev The methodology id and the location hash must be non-zero.
    error MissingProjectData();
    /// @dev `account` is not the developer of `projectId`.
    error NotProjectDeveloper(uint256 projectId, address account);
    /// @dev A document needs a non-zero name and content hash.
    error InvalidDocument(bytes32 name);
    /// @dev The project has no document called `name`.
    error UnknownDocument(uint256 projectId, bytes32 name);

    // ---------------------------------------------------------------- events

    event ProjectSubmitted(
        uint256 indexed projectId,
        address indexed developer,
        CreditClass creditClass,
        bytes2 jurisdiction,
        bytes32 methodologyId,
        bytes32 methodologyVersionHash,
        bytes32 locationHash
    );
    /// @param evidenceHash hash of the validation report or of the regulator's decision (zero if none).
    event ProjectStatusChanged(
        uint256 indexed projectId, ProjectStatus from, ProjectStatus to, address indexed actor, bytes32 evidenceHash
    );
    /// @dev ERC-1643's DocumentUpdated, scoped to a project.
    event DocumentUpdated(uint256 indexed projectId, bytes32 indexed name, string uri, bytes32 documentHash);
    /// @dev ERC-1643's DocumentRemoved, scoped to a project (the URI is in the earlier DocumentUpdated).
    event DocumentRemoved(uint256 indexed projectId, bytes32 indexed name, bytes32 documentHash);

    // ---------------------------------------------------------------- workflow

    /// @notice Submit a new project; the caller becomes its developer. Returns the project id (from 1).
    /// @dev Caller: a participant of Kind.ProjectDeveloper. Reverts NetworkPaused, ComplianceRefused,
    /// InvalidProjectJurisdiction, MissingProjectData. Emits ProjectSubmitted and ProjectStatusChanged.
    function submitProject(
        bytes32 methodologyId,
        bytes32 methodologyVersionHash,
        CreditClass creditClass,
        bytes2 jurisdiction,
        bytes32 locationHash
    ) external returns (uint256 projectId);

    /// @notice Validate a submitted project against its methodology.
    /// @param validationHash hash of the validation report.
    /// @dev Caller: a participant of Kind.Verifier. Reverts NetworkPaused, ComplianceRefused,
    /// UnknownProject, InvalidStatusTransition. Emits ProjectStatusChanged.
    function validate(uint256 projectId, bytes32 validationHash) external;

    /// @notice Activate a validated project, or reinstate a suspended one.
    /// @dev Caller: REGULATOR_ROLE. Reverts UnknownProject, InvalidStatusTransition. Emits ProjectStatusChanged.
    function activate(uint256 projectId, bytes32 decisionHash) external;

    /// @notice Suspend an active project (no issuance while suspended).
    /// @dev Caller: REGULATOR_ROLE. Reverts UnknownProject, InvalidStatusTransition. Emits ProjectStatusChanged.
    function suspend(uint256 projectId, bytes32 decisionHash) external;

    /// @notice Close a project for good.
    /// @dev Caller: REGULATOR_ROLE. Reverts UnknownProject, InvalidStatusTransition. Emits ProjectStatusChanged.
    function close(uint256 projectId, bytes32 decisionHash) external;

    // ---------------------------------------------------------------- documents (ERC-1643 style)

    /// @notice Attach or update document `name` of a project.
    /// @dev Caller: the project's developer. Reverts UnknownProject, NotProjectDeveloper,
    /// InvalidDocument. Emits DocumentUpdated.
    function setDocument(uint256 projectId, bytes32 name, string calldata uri, bytes32 documentHash) external;

    /// @notice Remove document `name` of a project.
    /// @dev Caller: the project's developer. Reverts UnknownProject, NotProjectDeveloper,
    /// UnknownDocument. Emits DocumentRemoved.
    function removeDocument(uint256 projectId, bytes32 name) external;

    /// @notice Document `name` of a project (all zero when absent).
    function getDocument(uint256 projectId, bytes32 name) external view returns (Document memory);

    /// @notice The names of all documents of a project.
    function getAllDocuments(uint256 projectId) external view returns (bytes32[] memory);

    /// @notice What issuance needs of a project, read from one storage slot.
    function issuanceProfile(uint256 projectId)
        external
        view
        returns (address developer, CreditClass creditClass, ProjectStatus status, bytes2 jurisdiction);

    /// @notice The number of projects submitted so far (ids run from 1 to this).
    function projectCount() external view returns (uint256);
}
