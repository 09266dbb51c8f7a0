// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IModelRegistry
/// @notice The registry of AI model versions: what each version is (hashes of the model, its
/// training data, feature schema, parameters and model card), how well it scored in validation,
/// and whether an auditor or the regulator has approved it. Only approved versions may score, and
/// every approval references the SHA-256 of the validation report it was given on
/// (`greenfi model validate`): the `reasonHash` of an approval's ModelStatusChanged.
/// Implemented by ModelRegistry.
///
/// Status workflow (anything else reverts InvalidStatusTransition):
///     Registered -> Approved | Retired
///     Approved   -> Suspended | Retired
///     Suspended  -> Approved | Retired
///     Retired    (final)
interface IModelRegistry {
    /// @notice Where a version stands. `None` means the version does not exist.
    enum Status {
        None,
        Registered,
        Approved,
        Suspended,
        Retired
    }

    /// @notice Which hash of a registration is missing (zero).
    enum HashField {
        Model,
        TrainingData,
        FeatureSchema,
        Parameters,
        Card
    }

    /// @notice Validation metrics of a version, each in basis points (0..10000).
    struct Metrics {
        uint16 aucBps; // ROC AUC
        uint16 ksBps; // Kolmogorov-Smirnov statistic
        uint16 brierBps; // Brier score (lower is better)
        uint16 accuracyBps; // accuracy at the chosen decision threshold
    }

    /// @notice What an operator registers: SHA-256 (or keccak) hashes of the off-chain artifacts.
    struct ModelSpec {
        bytes32 modelHash; // the serialized model file
        bytes32 trainingDataHash; // the training data set
        bytes32 featureSchemaHash; // the feature schema (names, kinds, encoding)
        bytes32 parametersHash; // the training parameters (including the seed)
        bytes32 cardHash; // the model card document
        Metrics metrics;
    }

    /// @notice A stored version.
    struct ModelVersion {
        bytes32 modelHash;
        bytes32 trainingDataHash;
        bytes32 featureSchemaHash;
        bytes32 parametersHash;
        bytes32 cardHash;
        address operator; // who registered it
        Status status;
        Metrics metrics;
    }

    // ---------------------------------------------------------------- errors

    /// @dev Version `version` does not exist.
    error UnknownModelVersion(uint256 version);
    /// @dev A registration hash is zero.
    error MissingHash(HashField field);
    /// @dev A metric exceeds 10000 basis points.
    error MetricOutOfRange(uint256 valueBps);
    /// @dev A version with this model hash already exists.
    error ModelAlreadyRegistered(bytes32 modelHash, uint256 version);
    /// @dev Version `version` cannot move from `from` to `to`.
    error InvalidStatusTransition(uint256 version, Status from, Status to);
    /// @dev `account` is neither an auditor nor the regulator in the participant registry.
    error NotModelReviewer(address account);
    /// @notice Thrown when an approval of `version` carries no validation report hash (zero).
    /// @param version the version the reviewer tried to approve
    error MissingValidationReport(uint256 version);

    // ---------------------------------------------------------------- events

    /// @notice A version was registered; `cardUri` locates the model card whose hash is `spec.cardHash`.
    event ModelRegistered(uint256 indexed version, address indexed operator, ModelSpec spec, string cardUri);
    /// @notice A reviewer moved `version` from `from` to `to`; `reasonHash` hashes the off-chain decision:
    /// for a move to Approved, the validation report the reviewer approved on (never zero).
    event ModelStatusChanged(
        uint256 indexed version, Status from, Status to, address indexed reviewer, bytes32 reasonHash
    );

    // ---------------------------------------------------------------- operator functions

    /// @notice Register a new model version; it starts in `Registered` and may not score yet.
    /// @dev Caller: MODEL_OPERATOR_ROLE, registered in the participant registry as an oracle
    /// operator or an enterprise. Reverts AccessControlUnauthorizedAccount, ComplianceRefused,
    /// NetworkPaused, MissingHash, MetricOutOfRange, ModelAlreadyRegistered. Emits ModelRegistered.
    /// @return version the new version id (1, 2, ...).
    function registerModel(ModelSpec calldata spec, string calldata cardUri) external returns (uint256 version);

    // ---------------------------------------------------------------- reviewer functions

    /// @notice Approve `version` for scoring (also reinstates a suspended version), on the strength
    /// of a validation report.
    /// @dev Caller: a participant of kind Auditor or Regulator in good standing. Reverts
    /// MissingValidationReport (zero `reportHash`), NotModelReviewer, ComplianceRefused,
    /// NetworkPaused, UnknownModelVersion, InvalidStatusTransition. Emits ModelStatusChanged with
    /// `reasonHash = reportHash`.
    /// @param version the version to approve
    /// @param reportHash SHA-256 of the validation report file (`greenfi model validate`)
    function approve(uint256 version, bytes32 reportHash) external;

    /// @notice Suspend an approved version: its scores stop being usable until it is approved again.
    /// @dev Caller: a participant of kind Auditor or Regulator in good standing. Reverts
    /// NotModelReviewer, ComplianceRefused, NetworkPaused, UnknownModelVersion,
    /// InvalidStatusTransition. Emits ModelStatusChanged.
    function suspend(uint256 version, bytes32 reasonHash) external;

    /// @notice Retire a version for good.
    /// @dev Caller: a participant of kind Auditor or Regulator in good standing. Reverts
    /// NotModelReviewer, ComplianceRefused, NetworkPaused, UnknownModelVersion,
    /// InvalidStatusTransition. Emits ModelStatusChanged.
    function retire(uint256 version, bytes32 reasonHash) external;

    // ---------------------------------------------------------------- views

    /// @notice The stored record of `version`. Reverts UnknownModelVersion.
    function modelVersion(uint256 version) external view returns (ModelVersion memory);

    /// @notice The status of `version` (`None` when it does not exist).
    function statusOf(uint256 version) external view returns (Status);

    /// @notice Whether `version` is approved for scoring now.
    function isApproved(uint256 version) external view returns (bool);

    /// @notice The version registered with `modelHash`, 0 when none.
    function versionOf(bytes32 modelHash) external view returns (uint256);

    /// @notice How many versions exist (the latest version id).
    function versionCount() external view returns (uint256);
}
