"""ModelRegistry: registering model versions, the review workflow, and every refusal."""

import brownie
import pytest
from tests.ai.support import (APPROVED, CARD, FEATURE_SCHEMA, METRICS, MODEL, NO_REASON, NONE, PARAMETERS, REGISTERED,
                        REPORT, RETIRED, SUSPENDED, TRAINING_DATA, ZERO32, h32, spec)
from tests.support.chain import custom_error, event

from greenfi.domain.participants import Reason

REASON = h32(0xABC)


def stored(model_registry, version):
    *hashes, operator, status, metrics = model_registry.modelVersion(version)
    return [str(h) for h in hashes], str(operator), int(status), tuple(metrics)


# ---------------------------------------------------------------- registration


def test_register_stores_version_and_emits(model_registry, model_operator):
    tx = model_registry.registerModel(spec(1), "ipfs://card-1", {"from": model_operator})
    assert tx.return_value == 1
    assert model_registry.versionCount() == 1
    hashes, operator, status, metrics = stored(model_registry, 1)
    assert hashes == list(spec(1)[:5]) and operator == model_operator and status == REGISTERED
    assert metrics == METRICS
    assert model_registry.versionOf(spec(1)[0]) == 1
    assert not model_registry.isApproved(1)
    logged = event(tx, "ModelRegistered")
    assert logged["version"] == 1 and logged["operator"] == model_operator
    assert logged["cardUri"] == "ipfs://card-1"
    assert logged["spec"] == [*spec(1)[:5], list(METRICS)]


def test_versions_count_up_and_enterprises_may_register(model_registry, model_operator, enterprise_operator):
    model_registry.registerModel(spec(1), "", {"from": model_operator})
    tx = model_registry.registerModel(spec(2), "https://example.org/card.json", {"from": enterprise_operator})
    assert tx.return_value == 2 and model_registry.versionCount() == 2
    assert stored(model_registry, 2)[1] == enterprise_operator


def test_register_requires_operator_role(model_registry, second_operator):
    role = model_registry.MODEL_OPERATOR_ROLE()
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", second_operator, role)):
        model_registry.registerModel(spec(1), "", {"from": second_operator})
    assert model_registry.versionCount() == 0


def test_register_requires_operator_or_enterprise_kind(model_registry, admin, auditor):
    model_registry.grantRole(model_registry.MODEL_OPERATOR_ROLE(), auditor, {"from": admin})
    with brownie.reverts(custom_error("ComplianceRefused", auditor, Reason.WRONG_KIND)):
        model_registry.registerModel(spec(1), "", {"from": auditor})
    assert model_registry.versionCount() == 0


def test_register_refuses_frozen_operator_and_paused_network(model_registry, ai_registry, regulator, model_operator):
    ai_registry.freeze(model_operator, NO_REASON, {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", model_operator, Reason.FROZEN)):
        model_registry.registerModel(spec(1), "", {"from": model_operator})
    ai_registry.unfreeze(model_operator, {"from": regulator})
    ai_registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        model_registry.registerModel(spec(1), "", {"from": model_operator})
    assert model_registry.versionCount() == 0


@pytest.mark.parametrize("field", [MODEL, TRAINING_DATA, FEATURE_SCHEMA, PARAMETERS, CARD])
def test_register_rejects_missing_hash(model_registry, model_operator, field):
    hashes = list(spec(1)[:5])
    hashes[field] = ZERO32
    with brownie.reverts(custom_error("MissingHash", field)):
        model_registry.registerModel(spec(hashes=hashes), "", {"from": model_operator})
    assert model_registry.versionCount() == 0


@pytest.mark.parametrize("position", range(4))
def test_register_rejects_metric_above_10000_bps(model_registry, model_operator, position):
    metrics = list(METRICS)
    metrics[position] = 10_001
    with brownie.reverts(custom_error("MetricOutOfRange", 10_001)):
        model_registry.registerModel(spec(1, metrics=metrics), "", {"from": model_operator})
    assert model_registry.versionCount() == 0


def test_register_rejects_a_model_hash_twice(model_registry, model_operator, enterprise_operator):
    model_registry.registerModel(spec(1), "", {"from": model_operator})
    again = spec(2)
    again = (spec(1)[0], *again[1:])
    with brownie.reverts(custom_error("ModelAlreadyRegistered", spec(1)[0], 1)):
        model_registry.registerModel(again, "", {"from": enterprise_operator})
    assert model_registry.versionCount() == 1


# ---------------------------------------------------------------- review workflow


def test_full_lifecycle_by_auditor_and_regulator(model_registry, model_operator, auditor, regulator):
    model_registry.registerModel(spec(1), "", {"from": model_operator})
    steps = [
        (model_registry.approve, auditor, REGISTERED, APPROVED),
        (model_registry.suspend, regulator, APPROVED, SUSPENDED),
        (model_registry.approve, regulator, SUSPENDED, APPROVED),
        (model_registry.suspend, auditor, APPROVED, SUSPENDED),
        (model_registry.retire, auditor, SUSPENDED, RETIRED),
    ]
    for call, reviewer, before, after in steps:
        tx = call(1, REASON, {"from": reviewer})
        assert event(tx, "ModelStatusChanged") == {
            "version": 1, "from": before, "to": after, "reviewer": reviewer, "reasonHash": REASON
        }
        assert model_registry.statusOf(1) == after
        assert model_registry.isApproved(1) == (after == APPROVED)


@pytest.mark.parametrize("start", [REGISTERED, APPROVED])
def test_retire_from_registered_or_approved(model_registry, model_operator, auditor, start):
    model_registry.registerModel(spec(1), "", {"from": model_operator})
    if start == APPROVED:
        model_registry.approve(1, REASON, {"from": auditor})
    model_registry.retire(1, REASON, {"from": auditor})
    assert model_registry.statusOf(1) == RETIRED


# (action, statuses it is invalid from)
INVALID = [
    ("approve", [APPROVED, RETIRED]),
    ("suspend", [REGISTERED, SUSPENDED, RETIRED]),
    ("retire", [RETIRED]),
]
TARGET = {"approve": APPROVED, "suspend": SUSPENDED, "retire": RETIRED}
PATH = {REGISTERED: [], APPROVED: ["approve"], SUSPENDED: ["approve", "suspend"], RETIRED: ["retire"]}


@pytest.mark.parametrize("action, start", [(a, s) for a, starts in INVALID for s in starts])
def test_invalid_transitions_revert(model_registry, model_operator, auditor, action, start):
    model_registry.registerModel(spec(1), "", {"from": model_operator})
    for step in PATH[start]:
        getattr(model_registry, step)(1, REASON, {"from": auditor})
    with brownie.reverts(custom_error("InvalidStatusTransition", 1, start, TARGET[action])):
        getattr(model_registry, action)(1, REASON, {"from": auditor})
    assert model_registry.statusOf(1) == start


@pytest.mark.parametrize("action", ["approve", "suspend", "retire"])
def test_review_of_unknown_version_reverts(model_registry, auditor, action):
    with brownie.reverts(custom_error("UnknownModelVersion", 7)):
        getattr(model_registry, action)(7, REASON, {"from": auditor})
    assert model_registry.statusOf(7) == NONE


@pytest.mark.parametrize("action", ["approve", "suspend", "retire"])
def test_only_auditors_and_the_regulator_review(model_registry, model_operator, enterprise, action):
    model_registry.registerModel(spec(1), "", {"from": model_operator})
    for account in (model_operator, enterprise):
        with brownie.reverts(custom_error("NotModelReviewer", account)):
            getattr(model_registry, action)(1, REASON, {"from": account})
    assert model_registry.statusOf(1) == REGISTERED


def test_approval_without_a_validation_report_is_refused(model_registry, model_operator, auditor, regulator):
    model_registry.registerModel(spec(1), "", {"from": model_operator})
    for reviewer in (auditor, regulator):
        with brownie.reverts(custom_error("MissingValidationReport", 1)):
            model_registry.approve(1, ZERO32, {"from": reviewer})
    assert model_registry.statusOf(1) == REGISTERED
    # reinstating a suspended version is an approval too: it needs a report as well
    model_registry.approve(1, REASON, {"from": auditor})
    model_registry.suspend(1, NO_REASON, {"from": auditor})
    with brownie.reverts(custom_error("MissingValidationReport", 1)):
        model_registry.approve(1, ZERO32, {"from": auditor})
    assert model_registry.statusOf(1) == SUSPENDED
    tx = model_registry.approve(1, REPORT, {"from": regulator})
    assert event(tx, "ModelStatusChanged")["reasonHash"] == REPORT


def test_unregistered_frozen_or_paused_reviewers_are_refused(model_registry, ai_registry, model_operator,
                                                            auditor, regulator, outsider):
    model_registry.registerModel(spec(1), "", {"from": model_operator})
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        model_registry.approve(1, REASON, {"from": outsider})
    ai_registry.freeze(auditor, NO_REASON, {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", auditor, Reason.FROZEN)):
        model_registry.approve(1, REASON, {"from": auditor})
    ai_registry.unfreeze(auditor, {"from": regulator})
    ai_registry.pause({"from": regulator})
    with brownie.reverts(custom_error("NetworkPaused")):
        model_registry.approve(1, REASON, {"from": auditor})
    assert model_registry.statusOf(1) == REGISTERED


def test_views_of_unknown_versions(model_registry):
    assert model_registry.statusOf(1) == NONE
    assert not model_registry.isApproved(1)
    assert model_registry.versionOf(h32(99)) == 0
    with brownie.reverts(custom_error("UnknownModelVersion", 1)):
        model_registry.modelVersion(1)


def test_constructor_rejects_zero_registry(admin):
    from brownie import ModelRegistry
    with brownie.reverts(custom_error("RegistryZeroAddress")):
        ModelRegistry.deploy(brownie.ZERO_ADDRESS, admin, {"from": admin})
