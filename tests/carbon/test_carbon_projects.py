"""ProjectRegistry: submission, the status workflow, documents, and every refusal."""

import brownie
import pytest
from tests.carbon.support import ACTIVE, CLOSED, GEC, NONE, SUBMITTED, SUSPENDED, VALIDATED, VER, b32, h
from tests.support.chain import custom_error, event

from greenfi.domain.participants import Reason


def submit(projects, developer, credit_class=VER, code=b"CN"):
    return projects.submitProject(h("VM0042"), h("v2.1"), credit_class, code, h("site"), {"from": developer})


def status(projects, pid):
    return projects.project(pid)[2]


def test_submit_stores_project_and_emits(projects, developer):
    tx = submit(projects, developer, GEC, b"DE")
    pid = tx.return_value
    assert pid == 1 and projects.projectCount() == 1
    info = projects.project(pid)
    assert info[0] == developer and info[1] == GEC and info[2] == SUBMITTED and bytes(info[3]) == b"DE"
    assert b32(info[4]) == bytes(h("VM0042")) and b32(info[6]) == bytes(h("site"))
    assert event(tx, "ProjectSubmitted")["developer"] == developer
    changed = event(tx, "ProjectStatusChanged")
    assert (changed["from"], changed["to"]) == (NONE, SUBMITTED)
    assert projects.developerOf(pid) == developer and not projects.isActive(pid)


def test_workflow_validate_activate_suspend_reinstate_close(projects, developer, verifier, regulator):
    pid = submit(projects, developer).return_value
    tx = projects.validate(pid, h("validation"), {"from": verifier})
    assert event(tx, "ProjectStatusChanged")["actor"] == verifier
    assert status(projects, pid) == VALIDATED
    projects.activate(pid, h("ok"), {"from": regulator})
    assert projects.isActive(pid)
    projects.suspend(pid, h("audit"), {"from": regulator})
    assert status(projects, pid) == SUSPENDED
    projects.activate(pid, h("reinstated"), {"from": regulator})
    assert status(projects, pid) == ACTIVE
    tx = projects.close(pid, h("end of crediting period"), {"from": regulator})
    assert (event(tx, "ProjectStatusChanged")["from"], event(tx, "ProjectStatusChanged")["to"]) == (ACTIVE, CLOSED)


@pytest.mark.parametrize(
    "steps, action, target",
    [
        ([], "activate", ACTIVE),
        ([], "suspend", SUSPENDED),
        (["validate"], "validate", VALIDATED),
        (["validate"], "suspend", SUSPENDED),
        (["validate", "activate"], "validate", VALIDATED),
        (["validate", "activate"], "activate", ACTIVE),
        (["close"], "close", CLOSED),
        (["close"], "activate", ACTIVE),
        (["close"], "validate", VALIDATED),
    ],
)
def test_invalid_transitions_revert(projects, developer, verifier, regulator, steps, action, target):
    pid = submit(projects, developer).return_value
    callers = {"validate": verifier, "activate": regulator, "suspend": regulator, "close": regulator}
    for step in steps:
        getattr(projects, step)(pid, h(step), {"from": callers[step]})
    before = status(projects, pid)
    with brownie.reverts(custom_error("InvalidStatusTransition", pid, before, target)):
        getattr(projects, action)(pid, h(action), {"from": callers[action]})
    assert status(projects, pid) == before


def test_unknown_project_reverts(projects, verifier, regulator):
    with brownie.reverts(custom_error("UnknownProject", 9)):
        projects.validate(9, h("x"), {"from": verifier})
    with brownie.reverts(custom_error("UnknownProject", 9)):
        projects.activate(9, h("x"), {"from": regulator})


def test_only_developers_submit_and_only_verifiers_validate(projects, developer, enterprise, regulator, outsider):
    with brownie.reverts(custom_error("ComplianceRefused", enterprise, Reason.WRONG_KIND)):
        submit(projects, enterprise)
    with brownie.reverts(custom_error("ComplianceRefused", outsider, Reason.NOT_REGISTERED)):
        submit(projects, outsider)
    assert projects.projectCount() == 0
    pid = submit(projects, developer).return_value
    with brownie.reverts(custom_error("ComplianceRefused", developer, Reason.WRONG_KIND)):
        projects.validate(pid, h("self-validation"), {"from": developer})
    role = projects.REGULATOR_ROLE()
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", developer, role)):
        projects.activate(pid, h("x"), {"from": developer})
    assert status(projects, pid) == SUBMITTED


def test_frozen_developer_cannot_submit(projects, registry, developer, regulator):
    registry.freeze(developer, h("order"), {"from": regulator})
    with brownie.reverts(custom_error("ComplianceRefused", developer, Reason.FROZEN)):
        submit(projects, developer)
    assert projects.projectCount() == 0


@pytest.mark.parametrize("code", [b"cn", b"C1", b"\x00\x00"])
def test_submit_rejects_bad_jurisdiction(projects, developer, code):
    with brownie.reverts(custom_error("InvalidProjectJurisdiction", code)):
        submit(projects, developer, code=code)
    assert projects.projectCount() == 0


def test_submit_rejects_missing_data(projects, developer):
    with brownie.reverts(custom_error("MissingProjectData")):
        projects.submitProject(b"\x00" * 32, h("v"), VER, b"CN", h("site"), {"from": developer})
    with brownie.reverts(custom_error("MissingProjectData")):
        projects.submitProject(h("m"), h("v"), VER, b"CN", b"\x00" * 32, {"from": developer})
    assert projects.projectCount() == 0


def test_documents_set_update_remove(projects, developer):
    pid = submit(projects, developer).return_value
    tx = projects.setDocument(pid, h("PDD"), "ipfs://pdd-v1", h("pdd v1"), {"from": developer})
    assert event(tx, "DocumentUpdated")["uri"] == "ipfs://pdd-v1"
    projects.setDocument(pid, h("MR-2025Q1"), "ipfs://mr", h("mr"), {"from": developer})
    projects.setDocument(pid, h("PDD"), "ipfs://pdd-v2", h("pdd v2"), {"from": developer})
    doc = projects.getDocument(pid, h("PDD"))
    assert b32(doc[0]) == bytes(h("ipfs://pdd-v2")) and b32(doc[1]) == bytes(h("pdd v2"))
    assert [b32(n) for n in projects.getAllDocuments(pid)] == [bytes(h("PDD")), bytes(h("MR-2025Q1"))]
    tx = projects.removeDocument(pid, h("PDD"), {"from": developer})
    assert b32(event(tx, "DocumentRemoved")["documentHash"]) == bytes(h("pdd v2"))
    assert [b32(n) for n in projects.getAllDocuments(pid)] == [bytes(h("MR-2025Q1"))]
    assert b32(projects.getDocument(pid, h("PDD"))[1]) == bytes(32)


def test_document_refusals(projects, developer, enterprise):
    pid = submit(projects, developer).return_value
    with brownie.reverts(custom_error("NotProjectDeveloper", pid, enterprise)):
        projects.setDocument(pid, h("PDD"), "ipfs://x", h("x"), {"from": enterprise})
    with brownie.reverts(custom_error("UnknownProject", 5)):
        projects.setDocument(5, h("PDD"), "ipfs://x", h("x"), {"from": developer})
    with brownie.reverts(custom_error("InvalidDocument", b32(h("PDD")))):
        projects.setDocument(pid, h("PDD"), "ipfs://x", b"\x00" * 32, {"from": developer})
    with brownie.reverts(custom_error("UnknownDocument", pid, b32(h("PDD")))):
        projects.removeDocument(pid, h("PDD"), {"from": developer})
    assert list(projects.getAllDocuments(pid)) == []
