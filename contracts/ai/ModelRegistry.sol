// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GovernedAccessControl, networkAdminDelay} from "../access/GovernedAccessControl.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";

/// @title ModelRegistry
/// @notice The first half of the AI decision ledger: every model version that may score, what it
/// was trained on, how it validated, and who approved, suspended or retired it.
///
/// Roles: MODEL_OPERATOR_ROLE (granted by the admin) registers versions, and its holder must also
/// be a participant of kind OracleOperator or Enterprise in good standing. Reviewers are not a
/// role here: any participant of kind Auditor or Regulator in good standing reviews, so the
/// regulator's registry decides who audits models.
contract ModelRegistry is IModelRegistry, GovernedAccessControl, ComplianceGuard {
    bytes32 public constant MODEL_OPERATOR_ROLE = keccak256("MODEL_OPERATOR_ROLE");

    uint256 private constant MAX_BPS = 10_000;

    /// @dev A version as stored: the metrics flattened so that operator, status and metrics share a slot
    /// (a nested struct would start a slot of its own).
    struct Record {
        bytes32 modelHash;
        bytes32 trainingDataHash;
        bytes32 featureSchemaHash;
        bytes32 parametersHash;
        bytes32 cardHash;
        address operator;
        Status status;
        uint16 aucBps;
        uint16 ksBps;
        uint16 brierBps;
        uint16 accuracyBps;
    }

    mapping(uint256 version => Record) private _versions;
    mapping(bytes32 modelHash => uint256 version) private _versionOf;
    uint256 private _versionCount;

    /// @param registry_ the participant registry. @param admin receives DEFAULT_ADMIN_ROLE.
    constructor(IParticipantRegistry registry_, address admin)
        ComplianceGuard(registry_)
        GovernedAccessControl(networkAdminDelay(address(registry_)), admin)
    {
    }

    // ---------------------------------------------------------------- operator functions

    /// @inheritdoc IModelRegistry
    function registerModel(ModelSpec calldata spec, string calldata cardUri)
        external
        onlyRole(MODEL_OPERATOR_ROLE)
        returns (uint256 version)
    {
        _requireOperatorKind(msg.sender);
        _requireHash(spec.modelHash, HashField.Model);
        _requireHash(spec.trainingDataHash, HashField.TrainingData);
        _requireHash(spec.featureSchemaHash, HashField.FeatureSchema);
        _requireHash(spec.parametersHash, HashField.Parameters);
        _requireHash(spec.cardHash, HashField.Card);
        Metrics calldata m = spec.metrics;
        _requireBps(m.aucBps);
        _requireBps(m.ksBps);
        _requireBps(m.brierBps);
        _requireBps(m.accuracyBps);
        uint256 existing = _versionOf[spec.modelHash];
        if (existing != 0) revert ModelAlreadyRegistered(spec.modelHash, existing);

        version = ++_versionCount;
        _versions[version] = Record({
            modelHash: spec.modelHash,
            trainingDataHash: spec.trainingDataHash,
            featureSchemaHash: spec.featureSchemaHash,
            parametersHash: spec.parametersHash,
            cardHash: spec.cardHash,
            operator: msg.sender,
            status: Status.Registered,
            aucBps: m.aucBps,
            ksBps: m.ksBps,
            brierBps: m.brierBps,
            accuracyBps: m.accuracyBps
        });
        _versionOf[spec.modelHash] = version;
        emit ModelRegistered(version, msg.sender, spec, cardUri);
    }

    // ---------------------------------------------------------------- reviewer functions

    /// @inheritdoc IModelRegistry
    function approve(uint256 version, bytes32 reportHash) external {
        // An approval without the report it rests on would leave the ledger unable to show why.
        if (reportHash == bytes32(0)) revert MissingValidationReport(version);
        _transition(version, Status.Approved, reportHash);
    }

    /// @inheritdoc IModelRegistry
    function suspend(uint256 version, bytes32 reasonHash) external {
        _transition(version, Status.Suspended, reasonHash);
    }

    /// @inheritdoc IModelRegistry
    function retire(uint256 version, bytes32 reasonHash) external {
        _transition(version, Status.Retired, reasonHash);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IModelRegistry
    function modelVersion(uint256 version) external view returns (ModelVersion memory) {
        Record storage r = _existing(version);
        return ModelVersion({
            modelHash: r.modelHash,
            trainingDataHash: r.trainingDataHash,
            featureSchemaHash: r.featureSchemaHash,
            parametersHash: r.parametersHash,
            cardHash: r.cardHash,
            operator: r.operator,
            status: r.status,
            metrics: Metrics(r.aucBps, r.ksBps, r.brierBps, r.accuracyBps)
        });
    }

    /// @inheritdoc IModelRegistry
    function statusOf(uint256 version) external view returns (Status) {
        return _versions[version].status;
    }

    /// @inheritdoc IModelRegistry
    function isApproved(uint256 version) external view returns (bool) {
        return _versions[version].status == Status.Approved;
    }

    /// @inheritdoc IModelRegistry
    function versionOf(bytes32 modelHash) external view returns (uint256) {
        return _versionOf[modelHash];
    }

    /// @inheritdoc IModelRegistry
    function versionCount() external view returns (uint256) {
        return _versionCount;
    }

    // ---------------------------------------------------------------- internals

    function _transition(uint256 version, Status to, bytes32 reasonHash) private {
        _requireReviewer(msg.sender);
        Record storage r = _existing(version);
        Status from = r.status;
        if (!_allowed(from, to)) revert InvalidStatusTransition(version, from, to);
        r.status = to;
        emit ModelStatusChanged(version, from, to, msg.sender, reasonHash);
    }

    /// @dev The workflow of IModelRegistry's header.
    function _allowed(Status from, Status to) private pure returns (bool) {
        if (to == Status.Approved) return from == Status.Registered || from == Status.Suspended;
        if (to == Status.Suspended) return from == Status.Approved;
        if (to == Status.Retired) return from != Status.Retired;
        return false;
    }

    function _existing(uint256 version) private view returns (Record storage r) {
        r = _versions[version];
        if (r.status == Status.None) revert UnknownModelVersion(version);
    }

    /// @dev An auditor or the regulator, in good standing. A participant of another kind gets
    /// NotModelReviewer; a frozen, expired or unregistered account gets the registry's reason.
    function _requireReviewer(address account) private view {
        IParticipantRegistry.Reason reason = registry.canActAs(account, IParticipantRegistry.Kind.Auditor);
        if (reason == IParticipantRegistry.Reason.Ok) return;
        if (reason != IParticipantRegistry.Reason.WrongKind) {
            _requireCanActAs(account, IParticipantRegistry.Kind.Auditor); // reverts with the registry's reason
        }
        if (registry.canActAs(account, IParticipantRegistry.Kind.Regulator) != IParticipantRegistry.Reason.Ok) {
            revert NotModelReviewer(account);
        }
    }

    /// @dev An oracle operator or an enterprise, in good standing (ComplianceRefused otherwise).
    function _requireOperatorKind(address account) private view {
        IParticipantRegistry.Reason reason = registry.canActAs(account, IParticipantRegistry.Kind.OracleOperator);
        if (reason == IParticipantRegistry.Reason.Ok) return;
        if (reason == IParticipantRegistry.Reason.WrongKind) {
            _requireCanActAs(account, IParticipantRegistry.Kind.Enterprise);
        } else {
            _requireCanActAs(account, IParticipantRegistry.Kind.OracleOperator);
        }
    }

    function _requireHash(bytes32 value, HashField field) private pure {
        if (value == bytes32(0)) revert MissingHash(field);
    }

    function _requireBps(uint16 value) private pure {
        if (value > MAX_BPS) revert MetricOutOfRange(value);
    }
}
