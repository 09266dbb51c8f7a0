"""`greenfi mrv operator|factor|batch` and `mrv report reject`: each command's effect on MRVAnchor and
MRVReports, read back from the contracts, and refusals that change nothing."""

import pytest
from brownie import chain
from tests.support.cli import greenfi, ok, record, refused  # noqa: F401 (greenfi: a fixture)
from tests.mrv.support import DAY, FACTOR, HOUR, PROJECT, Batch, make_batch, make_device, sign

from greenfi.domain.mrv import format_mwh
from greenfi.domain.units import format_date
from oracles.codec import canonical_batch_bytes

ANCHORED, REJECTED, FINALIZED = 1, 2, 3


@pytest.fixture(scope="module")
def records(mrv_registry, devices, anchor, reports, tmp_path_factory):
    return record(tmp_path_factory.mktemp("deployments"), mrv_registry, devices, anchor, reports)


def anchored(anchor, operator, items, start, end, **header):
    batch = Batch(items, PROJECT, start, end)
    anchor.anchorBatch(batch.header(**header), [], {"from": operator})
    return batch


def document(tmp_path, batch) -> str:
    path = tmp_path / f"{batch.root}.json"
    path.write_bytes(canonical_batch_bytes(batch.items))
    return str(path)


def test_operators_and_threshold(greenfi, anchor, regulator, developer, oracle_operator, cosigners, outsider):
    assert ok(greenfi(None, "mrv", "operator", "list")).splitlines() == [
        f"slot  0  {oracle_operator.address}",
        "1 of 1 operators sign a batch; challenge window 86,400 s; capacity tolerance 5 %"]
    newcomer = cosigners[0]
    assert ok(greenfi(regulator, "mrv", "operator", "add", newcomer.address)) == f"added operator {newcomer.address}"
    assert anchor.isOperator(newcomer)
    assert ok(greenfi(regulator, "mrv", "operator", "threshold", "2")) == "threshold set: 2 operator signatures per batch"
    assert anchor.config()[0] == 2

    assert "InvalidThreshold(3, 2)" in refused(greenfi(regulator, "mrv", "operator", "threshold", "3"))
    assert "REGULATOR_ROLE" in refused(greenfi(developer, "mrv", "operator", "remove", newcomer.address))
    line = refused(greenfi(regulator, "mrv", "operator", "add", outsider.address))
    assert f"register {outsider.address.lower()} --kind oracle-operator" in line
    assert greenfi(regulator, "mrv", "operator", "threshold", "17").exit_code == 2
    assert tuple(anchor.config())[:2] == (2, 2) and anchor.isOperator(newcomer) and not anchor.isOperator(outsider)

    ok(greenfi(regulator, "mrv", "operator", "threshold", "1"))
    assert ok(greenfi(regulator, "mrv", "operator", "remove", newcomer.address)) == f"removed operator {newcomer.address}"
    assert not anchor.isOperator(newcomer)


def test_emission_factors(greenfi, reports, regulator, developer):
    assert ok(greenfi(None, "mrv", "factor", "show", "--project", str(PROJECT))).startswith(
        f"project {PROJECT}: version 1, {FACTOR:,} g/MWh since ")
    assert ok(greenfi(regulator, "mrv", "factor", "set", "--project", str(PROJECT), "--grams-per-mwh", "600000",
                      "--source", "grid operator 2027")) == (
        f"project {PROJECT}: emission factor version 2, 600,000 g/MWh (0.6 tCO2e per MWh)")
    assert reports.emissionFactor(PROJECT)[0] == 2 and reports.emissionFactor(PROJECT)[1][0] == 600_000

    assert "AccessControlUnauthorizedAccount" in refused(
        greenfi(developer, "mrv", "factor", "set", "--project", str(PROJECT), "--grams-per-mwh", "1"))
    line = refused(greenfi(regulator, "mrv", "factor", "set", "--project", str(PROJECT), "--grams-per-mwh", "2000001"))
    assert "EmissionFactorAboveMax(2000001, 2000000); 2000001 g/MWh above the maximum 2000000 g/MWh" in line
    assert "NoEmissionFactor(9)" in refused(greenfi(None, "mrv", "factor", "show", "--project", "9"))
    assert reports.emissionFactor(PROJECT)[0] == 2


def test_batches_list_show_finalize(greenfi, anchor, fleet, oracle_operator, outsider):
    own, _, t0 = fleet
    batch = anchored(anchor, oracle_operator, make_batch(anchor, own, t0).items, t0, t0 + 4 * HOUR)
    challenge_end = anchor.batch(batch.root)[5]
    listed = ok(greenfi(None, "mrv", "batch", "list", "--project", str(PROJECT)))
    assert listed.startswith(f"{batch.root}  project {PROJECT}  ")
    assert f"in 12 readings  anchored, challenges until {format_date(challenge_end)}" in listed

    line = refused(greenfi(outsider, "mrv", "batch", "finalize", batch.root))
    assert f"ChallengeWindowOpen({batch.root}, {challenge_end}); challenges are open until " in line
    assert anchor.batch(batch.root)[6] == ANCHORED

    chain.sleep(DAY + 1)
    chain.mine()
    assert "final since" in ok(greenfi(None, "mrv", "batch", "show", batch.root))
    out = ok(greenfi(outsider, "mrv", "batch", "finalize", batch.root))
    assert out == f"finalized batch {batch.root}: {format_mwh(batch.energy)} counted for project {PROJECT}"
    assert anchor.batch(batch.root)[6] == FINALIZED
    assert "finalized" in ok(greenfi(None, "mrv", "batch", "show", batch.root))
    assert "UnknownBatch" in refused(greenfi(None, "mrv", "batch", "show", "0x" + "00" * 32))


def test_challenge_a_reading_from_the_published_document(greenfi, anchor, fleet, oracle_operator, outsider, tmp_path):
    own, _, t0 = fleet
    honest = [sign(anchor, d, 1, t0, t0 + HOUR, 5_000) for d in own]
    forged = sign(anchor, own[0], 2, t0 + HOUR, t0 + 2 * HOUR, 100, key=make_device(50).key)
    good = anchored(anchor, oracle_operator, honest, t0, t0 + 2 * HOUR)
    bad = anchored(anchor, oracle_operator, [*honest[1:], forged], t0, t0 + 2 * HOUR)

    line = refused(greenfi(outsider, "mrv", "batch", "challenge", good.root, "--document", document(tmp_path, good)))
    assert "nothing to challenge" in line and "no reading of the 3 checked is at fault, and the stated totals are the readings' sums" in line
    assert "reading 1 is not at fault" in refused(greenfi(outsider, "mrv", "batch", "challenge", good.root, "--document",
                                                      document(tmp_path, good), "--reading", "1"))
    line = refused(greenfi(outsider, "mrv", "batch", "challenge", good.root, "--document", document(tmp_path, bad)))
    assert f"is the document of batch {bad.root}, not of {good.root}" in line
    assert anchor.batch(good.root)[6] == ANCHORED

    out = ok(greenfi(outsider, "mrv", "batch", "challenge", bad.root, "--document", document(tmp_path, bad)))
    assert out.startswith(f"rejected batch {bad.root}: reading ") and out.endswith(
        f"(device {own[0].hex_id}, sequence 2) is at fault: BadSignature")
    assert anchor.batch(bad.root)[6] == REJECTED


def test_report_reject(greenfi, anchor, reports, fleet, oracle_operator, developer, verifier):
    own, _, t0 = fleet
    batch = anchored(anchor, oracle_operator, make_batch(anchor, own, t0).items, t0, t0 + 4 * HOUR)
    chain.sleep(DAY + 1)
    chain.mine()
    reports.openReport(PROJECT, t0, t0 + 4 * HOUR, [batch.root], b"\x01" * 32, {"from": developer})
    report_id = reports.reportCount()
    assert f"VerifierIsDeveloper({report_id}, {developer.address.lower()})" in refused(
        greenfi(developer, "mrv", "report", "reject", str(report_id)))
    assert reports.report(report_id)[5] == 1  # Open
    assert ok(greenfi(verifier, "mrv", "report", "reject", str(report_id), "--reason", "meter log missing")) == (
        f"rejected report {report_id}: its period and batches can be reported again")
    assert reports.report(report_id)[5] == 3  # Rejected
    assert "InvalidReportStatus" in refused(greenfi(verifier, "mrv", "report", "reject", str(report_id)))


def test_challenge_totals_the_readings_do_not_sum_to(greenfi, anchor, fleet, oracle_operator, outsider, tmp_path):
    own, _, t0 = fleet
    items = make_batch(anchor, own, t0).items
    stated = sum(item.reading.energy_wh for item in items) + 1
    inflated = anchored(anchor, oracle_operator, items, t0, t0 + 4 * HOUR, energyWh=stated)
    out = ok(greenfi(outsider, "mrv", "batch", "challenge", inflated.root, "--document", document(tmp_path, inflated)))
    assert out == (f"rejected batch {inflated.root}: the stated totals ({format_mwh(inflated.energy + 1)} in 12 readings) "
                   "are not the readings' sums: WrongTotals")
    assert anchor.batch(inflated.root)[6] == REJECTED
