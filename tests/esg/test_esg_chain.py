"""The ESG score's environmental figures, read with plain web3.py from the real MRVAnchor and CarbonCredits."""

import json

import pandas as pd
import pytest
from brownie import chain, web3
from click.testing import CliRunner
from tests.esg.support import DAY, HOUR, TONNE, anchor_readings, h
from web3 import Web3

from greenfi.chain.deployments import Deployed, DeploymentRecord
from greenfi.domain import esg_chain
from greenfi.cli.model import model
from models.esg import Methodology

PERIOD0 = 1_735_689_600  # 2025-01-01


def report(project_id, start, end, verifier, tonnes):
    """An IMonitoringReports.IssuableReport tuple."""
    return (project_id, start, end, 0, tonnes * TONNE, h(f"report-{project_id}-{start}"), verifier)


def claim(beneficiary):
    return (beneficiary, h("ACME Ltd"), 1, b"CN", PERIOD0, PERIOD0 + 365 * DAY)


@pytest.fixture(scope="module")
def activity(anchor, meters, credits, monitoring, project_ids, developer, second_developer, enterprise, verifier,
             oracle_operator):
    """Final batches: developer 2 x (project 1, 2), second developer 1; a batch still in its challenge window;
    credits issued to both developers; retirements by the developer and by an enterprise it sold to."""
    made, t0 = meters
    final_wh = {developer.address: 0, second_developer.address: 0}
    for meter, owner in zip(made, (developer, developer, second_developer)):
        _, wh = anchor_readings(anchor, meter, t0, [4_000, 5_000, 6_000], oracle_operator)
        final_wh[owner.address] += wh
    chain.sleep(DAY + HOUR)  # past the 1-day challenge window: those batches are final
    chain.mine()
    anchor_readings(anchor, made[0], t0 + 3 * HOUR, [7_000], oracle_operator, first_sequence=4)  # not final yet

    for report_id, (pid, tonnes, owner) in enumerate(
        ((project_ids[0], 1_000, developer), (project_ids[2], 250, second_developer)), start=1
    ):
        monitoring.setReport(report_id, report(pid, PERIOD0, PERIOD0 + 90 * DAY, verifier, tonnes), True)
        credits.issue(report_id, {"from": owner})
    credits.retire(1, 120, claim(developer), {"from": developer})
    credits.safeTransferFrom(developer, enterprise, 1, 300, b"", {"from": developer})
    credits.retire(1, 75, claim(enterprise), {"from": enterprise})
    return final_wh


@pytest.fixture
def w3():
    return Web3(Web3.HTTPProvider(web3.provider.endpoint_uri, request_kwargs={"timeout": 120}))


@pytest.fixture
def addresses(projects, anchor, credits):
    return {"ProjectRegistry": projects.address, "MRVAnchor": anchor.address, "CarbonCredits": credits.address}


def test_figures_are_final_generation_and_credit_events(w3, addresses, activity, developer, second_developer,
                                                        enterprise, outsider):
    entities = [developer.address, second_developer.address, enterprise.address, outsider.address.lower()]
    figures = esg_chain.chain_figures(w3, addresses, entities)
    assert list(figures.index) == [Web3.to_checksum_address(e) for e in entities]
    assert figures.loc[developer.address].tolist() == [activity[developer.address], 1_000, 120]
    assert figures.loc[second_developer.address].tolist() == [activity[second_developer.address], 250, 0]
    assert figures.loc[enterprise.address].tolist() == [0, 0, 75]
    assert figures.loc[Web3.to_checksum_address(outsider.address)].tolist() == [0, 0, 0]
    assert activity[developer.address] == 2 * 15_000  # the 7,000 Wh batch is still challengeable


def test_the_developer_with_more_verified_activity_scores_higher_e(w3, addresses, activity, developer,
                                                                   second_developer):
    methodology = Methodology.load()
    figures = esg_chain.chain_figures(w3, addresses, [developer.address, second_developer.address])
    social = dict.fromkeys((c for c in methodology.columns if c not in esg_chain.COLUMNS), float("nan"))
    scores = [methodology.score_row(social | figures.loc[a].to_dict())["environmental_bps"] for a in figures.index]
    assert scores[0] > scores[1] > 0


def test_cli_reads_the_chain_with_network(tmp_path, monkeypatch, addresses, activity, developer, enterprise):
    record = DeploymentRecord(web3.eth.chain_id, directory=tmp_path)
    for name, address in addresses.items():
        record.put(name, Deployed(address, None, None, "", ""))
    monkeypatch.setattr(esg_chain, "DEPLOYMENTS_DIR", tmp_path)
    monkeypatch.setenv("ESGTEST_RPC_URL", web3.provider.endpoint_uri)
    pd.DataFrame({
        "entity": [developer.address, enterprise.address], "living_wage_share_pct": [90, 70], "injury_rate": [1, 2],
        "community_grievances_resolved_pct": [80, 50], "board_independence_pct": [50, 30],
        "audited_sustainability_report": [1, 0], "esg_linked_pay": [0, 1],
    }).to_csv(tmp_path / "entities.csv", index=False)
    result = CliRunner().invoke(model, ["esg", "--entities", str(tmp_path / "entities.csv"), "--network", "esgtest",
                                        "--out", str(tmp_path / "esg.csv")])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rows"] == 2
    out = pd.read_csv(tmp_path / "esg.csv")
    assert out["credits_retired"].tolist() == [120, 75] and out["credits_issued"].tolist() == [1000, 0]
    assert out["environmental_bps"].iloc[0] > out["environmental_bps"].iloc[1] > 0


def test_cli_without_a_deployment_record_is_one_error_line(tmp_path, monkeypatch, developer):
    monkeypatch.setattr(esg_chain, "DEPLOYMENTS_DIR", tmp_path)
    monkeypatch.setenv("ESGTEST_RPC_URL", web3.provider.endpoint_uri)
    (tmp_path / "entities.csv").write_text(
        "entity,living_wage_share_pct,injury_rate,community_grievances_resolved_pct,board_independence_pct,"
        f"audited_sustainability_report,esg_linked_pay\n{developer.address},90,1,80,50,1,0\n")
    result = CliRunner().invoke(model, ["esg", "--entities", str(tmp_path / "entities.csv"), "--network", "esgtest",
                                        "--out", str(tmp_path / "esg.csv")])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "no ProjectRegistry, MRVAnchor, CarbonCredits in deployments/" in result.stderr
    assert not (tmp_path / "esg.csv").exists()


def test_events_are_scanned_from_the_earliest_recorded_deployment(tmp_path, monkeypatch, w3, projects, anchor,
                                                                  credits, activity, developer):
    record = DeploymentRecord(web3.eth.chain_id, directory=tmp_path)
    for contract in (projects, anchor, credits):
        record.put(contract._name, Deployed(contract.address, None, contract.tx.block_number, "", ""))
    monkeypatch.setattr(esg_chain, "DEPLOYMENTS_DIR", tmp_path)
    addresses, first_block = esg_chain.recorded_addresses(w3)
    assert addresses == {"ProjectRegistry": projects.address, "MRVAnchor": anchor.address,
                         "CarbonCredits": credits.address}
    assert first_block == projects.tx.block_number
    from_first = esg_chain.chain_figures(w3, addresses, [developer.address], from_block=first_block)
    assert from_first.equals(esg_chain.chain_figures(w3, addresses, [developer.address]))
