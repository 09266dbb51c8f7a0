"""End to end on the real contracts, no mocks: a real ProjectRegistry project, its devices in the
DeviceRegistry, signed readings over HTTP into the sensor daemon, batches anchored on MRVAnchor, a
monitoring report opened by the developer over those batches, approved by a verifier, and carbon
credits issued from it by CarbonCredits exactly once."""

import http.client
import json

import brownie
import pytest
from brownie import CarbonCredits, DeviceRegistry, MRVAnchor, MRVReports, ProjectRegistry, chain, web3
from tests.support.deploy import next_hour_then_days_pass
from tests.support.chain import custom_error, event
from tests.mrv.support import DAY, FACTOR, HOUR, PV_INVERTER, chain_now, domain, keccak256, make_device, sign

from greenfi.chain.signers import UnlockedSigner
from oracles.sensor.anchor import AnchorClient
from oracles.sensor.batcher import BatchPolicy
from oracles.sensor.chain_directory import ChainDirectory
from oracles.sensor.daemon import DaemonSettings, SensorDaemon

VER = 0  # IProjectRegistry.CreditClass
CONSUMED = 4  # IMRVReports.ReportStatus
CAPACITY_W = 1_000_000  # 1 MW plants: a 12-hour report is worth several tonnes
BUFFER_BPS = 1_000
HOURS = 12


def h(text):
    return "0x" + keccak256(text.encode()).hex()


@pytest.fixture(scope="module")
def suite(mrv_registry, admin, regulator, developer, verifier, oracle_operator):
    """The real contracts wired as greenfi.chain.deploy wires them, with an active VER project (id 1)."""
    projects = ProjectRegistry.deploy(mrv_registry, admin, regulator, {"from": admin})
    tx = projects.submitProject(h("ACM0002"), h("ACM0002 v20"), VER, b"CN", h("31.2N,121.5E"), {"from": developer})
    project_id = tx.return_value
    projects.validate(project_id, h("validation"), {"from": verifier})
    projects.activate(project_id, h("decision"), {"from": regulator})
    registry = DeviceRegistry.deploy(mrv_registry, projects, {"from": admin})
    anchor = MRVAnchor.deploy(mrv_registry, registry, admin, regulator, 1, {"from": admin})
    anchor.addOperator(oracle_operator, {"from": regulator})
    reports = MRVReports.deploy(mrv_registry, projects, anchor, admin, regulator, {"from": admin})
    reports.setEmissionFactor(project_id, FACTOR, h("grid factor 2026"), {"from": regulator})
    credits = CarbonCredits.deploy(mrv_registry, projects, reports, admin, regulator, BUFFER_BPS, {"from": admin})
    reports.grantRole(reports.ISSUER_ROLE(), credits, {"from": admin})
    plants = [make_device(30 + i, project=project_id, capacity_w=CAPACITY_W) for i in range(3)]
    now = chain_now()
    for plant in plants:
        registry.registerDevice(plant.device_id, project_id, plant.address, PV_INVERTER, CAPACITY_W, now - 30 * DAY,
                                {"from": developer})
        registry.activate(plant.device_id, {"from": verifier})
    return {"project": project_id, "registry": registry, "anchor": anchor, "reports": reports, "credits": credits,
            "plants": plants}


def post(port, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/readings", json.dumps(body).encode(), {"Content-Type": "application/json"})
    response = conn.getresponse()
    result = response.status, json.loads(response.read())
    conn.close()
    return result


def test_readings_to_anchored_batches_to_a_verified_report_to_credits_once(tmp_path, suite, developer, verifier,
                                                                            oracle_operator):
    anchor, reports, credits, project = suite["anchor"], suite["reports"], suite["credits"], suite["project"]
    t0 = next_hour_then_days_pass()  # readings start after the plants' activation, as the contract requires
    daemon = SensorDaemon(DaemonSettings(tmp_path / "sensor.db", batch=BatchPolicy(max_readings=6, window_s=0)),
                          ChainDirectory(web3, suite["registry"].address), domain(anchor), clock=chain_now,
                          anchor=AnchorClient(web3, anchor.address, UnlockedSigner(oracle_operator.address)))
    daemon.server.start()
    try:
        energy = {}
        for hour in range(HOURS):  # one request per hour of readings, from every plant
            body = []
            for i, plant in enumerate(suite["plants"]):
                wh = 700_000 + 10_000 * i + 1_000 * hour
                energy[(plant.device_id, hour + 1)] = wh
                body.append(sign(anchor, plant, hour + 1, t0 + hour * HOUR, t0 + (hour + 1) * HOUR, wh).to_json_obj())
            status, result = post(daemon.server.port, body)
            assert (status, result["accepted"]) == (200, 3)
        forged = sign(anchor, suite["plants"][0], HOURS + 1, t0 + HOURS * HOUR, t0 + (HOURS + 1) * HOUR, 10,
                      key=make_device(99).key)
        assert post(daemon.server.port, forged.to_json_obj())[1]["error"] == "wrong_signer"
    finally:
        daemon.server.stop()
    daemon.tick()  # cut and send
    daemon.tick()  # see them mined
    batches = daemon.store.batches("anchored")
    assert daemon.failed_reason is None and len(batches) == HOURS * 3 // 6
    net = sum(energy.values())
    assert sum(b.total_wh for b in batches) == net
    daemon.store.close()

    chain.sleep(DAY + 1)  # past the challenge window: the batches are final
    chain.mine()
    roots = ["0x" + b.root.hex() for b in batches]
    tx = reports.openReport(project, t0, t0 + HOURS * HOUR, roots, h("monitoring report"), {"from": developer})
    report_id = tx.return_value
    reduction = net * FACTOR // 10**6
    opened = event(tx, "ReportOpened")
    assert (opened["netGenerationWh"], opened["reductionGrams"]) == (net, reduction)
    reports.approveReport(report_id, h("verification statement"), {"from": verifier})

    tx = credits.issue(report_id, {"from": developer})
    batch_id = tx.return_value
    units = reduction // 10**6  # whole tonnes
    assert units >= 10
    buffered = -(-units * BUFFER_BPS // 10_000)  # rounded toward the buffer
    assert credits.balanceOf(developer, batch_id) == units - buffered
    assert credits.carriedRemainder(project) == reduction % 10**6  # the sub-tonne rest waits, not lost
    assert int(credits.supplyOf(batch_id)[0]) == units
    info = credits.batch(batch_id)
    assert (info[0], info[1], info[2]) == (project, t0, t0 + HOURS * HOUR)

    with brownie.reverts(custom_error("InvalidReportStatus", report_id, CONSUMED)):
        credits.issue(report_id, {"from": developer})
    assert int(credits.supplyOf(batch_id)[0]) == units and credits.batchCount() == 1
