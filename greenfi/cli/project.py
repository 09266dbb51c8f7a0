"""`greenfi project`: submit carbon and green-electricity projects, move them through the workflow,
attach documents, and read them back (ProjectRegistry, plain web3.py).

Workflow (IProjectRegistryWorkflow), one command per transition, each sent by the party the contract
requires:

    submit    (a ProjectDeveloper participant)  -> Submitted
    validate  (a Verifier participant)          Submitted -> Validated
    activate  (REGULATOR_ROLE)                  Validated | Suspended -> Active
    suspend   (REGULATOR_ROLE)                  Active -> Suspended
    close     (REGULATOR_ROLE)                  any but Closed -> Closed (final)

Refusals are the contract's: the error line names its custom error (`InvalidStatusTransition(3,
Submitted, Active)`, `AccessControlUnauthorizedAccount(0x…, REGULATOR_ROLE)`, `ComplianceRefused(0x…,
WrongKind)`, `UnknownProject(9)`). The text formatting is pure (`project_lines`, `project_row`).
"""

from __future__ import annotations

from typing import Any

import click

from greenfi.chain.session import event_args
from greenfi.cli.connected import Session, open_session, send
from greenfi.cli.options import EnumChoice, deployments_option, network_option, sender_option
from greenfi.errors import GreenfiError
from greenfi.chain.contracts import fields
from greenfi.chain.hashes import digest, optional_digest
from greenfi.domain.cai import STATUS
from greenfi.domain.units import hex32, parse_code
from greenfi.domain.projects import CLASSES, document_name, name_text, project_lines, project_row

# ---------------------------------------------------------------- chain access


def _registry(session: Session):
    return session.contract("ProjectRegistry")


def _record(session: Session, project_id: int) -> tuple:
    call = _registry(session).functions.project(project_id)
    info = call.call()
    if fields(call, info)["status"] == 0:
        raise GreenfiError(f"UnknownProject({project_id}): no project has id {project_id}")
    return info


def _documents(session: Session, project_id: int) -> list[dict[str, Any]]:
    registry = _registry(session)
    uris = {}
    for log in registry.events.DocumentUpdated().get_logs(from_block=session.from_block("ProjectRegistry"),
                                                          argument_filters={"projectId": project_id}):
        uris[bytes(log["args"]["name"])] = log["args"]["uri"]  # the latest update wins
    documents = []
    for name in registry.functions.getAllDocuments(project_id).call():
        _uri_hash, doc_hash, modified = registry.functions.getDocument(project_id, name).call()
        documents.append({"name": bytes(name), "hash": bytes(doc_hash), "uri": uris.get(bytes(name), "?"),
                          "modified": modified})
    return documents


def _history(session: Session, project_id: int) -> list[dict[str, Any]]:
    logs = _registry(session).events.ProjectStatusChanged().get_logs(
        from_block=session.from_block("ProjectRegistry"), argument_filters={"projectId": project_id})
    return [{"block": log["blockNumber"], "from": log["args"]["from"], "to": log["args"]["to"],
             "actor": log["args"]["actor"], "evidence": bytes(log["args"]["evidenceHash"])}
            for log in sorted(logs, key=lambda log: (log["blockNumber"], log["logIndex"]))]


def _set_document(session: Session, project_id: int, name: str, content: str, uri: str) -> None:
    raw, doc_hash = document_name(name), digest(content)
    send(session, _registry(session).functions.setDocument(project_id, raw, uri, doc_hash))
    click.echo(f"document {name_text(raw)}: {hex32(doc_hash)} at {uri}")


# ---------------------------------------------------------------- commands


def _writes(fn):
    return network_option(sender_option(deployments_option(fn)))


PROJECT_ID = click.argument("project_id", type=click.IntRange(min=1))


@click.group("project")
def project() -> None:
    """Carbon projects: submit, validate, activate, suspend, close, document, list, show."""


@project.command()
@_writes
@click.option("--methodology", required=True, metavar="TEXT|FILE|HASH", help="Methodology id, e.g. VM0042.")
@click.option("--methodology-version", required=True, metavar="TEXT|FILE|HASH",
              help="The methodology version (its text or document), hashed.")
@click.option("--class", "credit_class", type=EnumChoice(CLASSES), default="ver", show_default=True,
              help="ver: 1 unit = 1 tCO2e; gec: 1 unit = 1 MWh.")
@click.option("--jurisdiction", required=True, help="ISO 3166-1 alpha-2 code, e.g. CN.")
@click.option("--location", required=True, metavar="TEXT|FILE|HASH", help="Site location (coordinates, a file), hashed.")
@click.option("--document", "documents", multiple=True, type=(str, str, str), metavar="NAME CONTENT URI",
              help="Attach a document: NAME (≤ 32 chars), CONTENT (a file or text, hashed), URI. Repeatable.")
def submit(network_name, sender, deployments, methodology, methodology_version, credit_class, jurisdiction, location,
           documents):
    """Submit a project; the sender (a registered project developer) becomes its developer."""
    args = (digest(methodology), digest(methodology_version), CLASSES.index(credit_class),
            parse_code(jurisdiction, "--jurisdiction"), digest(location))
    for name, _content, _uri in documents:
        document_name(name)  # refuse a bad name before anything is sent
    session = open_session(network_name, sender, deployments)
    registry = _registry(session)
    receipt = send(session, registry.functions.submitProject(*args))
    project_id = event_args(registry, receipt, "ProjectSubmitted")["projectId"]
    click.echo(f"submitted project {project_id} (Submitted)")
    for name, content, uri in documents:
        _set_document(session, project_id, name, content, uri)


def _transition(function: str, doc: str):
    @_writes
    @PROJECT_ID
    @click.option("--evidence", metavar="TEXT|FILE|HASH",
                  help="The validation report or the decision (a file or text), hashed into the event.")
    def command(network_name, sender, deployments, project_id, evidence):
        session = open_session(network_name, sender, deployments)
        registry = _registry(session)
        send(session, getattr(registry.functions, function)(project_id, optional_digest(evidence)))
        click.echo(f"project {project_id} {STATUS[fields(registry.functions.project(project_id))['status']]}")

    command.__doc__ = doc
    return project.command(function)(command)


_transition("validate", "Validate a Submitted project (sent by a registered verifier).")
_transition("activate", "Activate a Validated project or reinstate a Suspended one (sent by REGULATOR_ROLE).")
_transition("suspend", "Suspend an Active project: no issuance while suspended (sent by REGULATOR_ROLE).")
_transition("close", "Close a project for good, from any status but Closed (sent by REGULATOR_ROLE).")


@project.command()
@_writes
@PROJECT_ID
@click.argument("name")
@click.argument("content", metavar="CONTENT")
@click.argument("uri")
def document(network_name, sender, deployments, project_id, name, content, uri):
    """Attach or update document NAME of a project (sent by its developer): CONTENT is a file or text,
    hashed; the URI goes into the DocumentUpdated event."""
    document_name(name)
    _set_document(open_session(network_name, sender, deployments), project_id, name, content, uri)


@project.command("list")
@network_option
@deployments_option
def list_projects(network_name, deployments):
    """Every project with its status, class, jurisdiction and developer."""
    session = open_session(network_name, deployments=deployments)
    registry = _registry(session)
    count = registry.functions.projectCount().call()
    if not count:
        click.echo("no projects submitted")
    for project_id in range(1, count + 1):
        click.echo(project_row(project_id, registry.functions.project(project_id).call()))


@project.command()
@network_option
@deployments_option
@PROJECT_ID
def show(network_name, deployments, project_id):
    """One project: its record, documents and status history."""
    session = open_session(network_name, deployments=deployments)
    info = _record(session, project_id)
    for line in project_lines(project_id, info, _documents(session, project_id), _history(session, project_id)):
        click.echo(line)
