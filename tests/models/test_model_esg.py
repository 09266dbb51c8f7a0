"""ESG composite: the published methodology, monotone and exact scores, the CLI, bad input, the oracle scorer."""

import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner
from eth_utils import to_checksum_address

from models.artifacts import sha256_file
from greenfi.cli.model import model
from models.errors import ModelError
from models.esg import (ENVIRONMENTAL_COLUMNS, METHODOLOGY_V1, PILLARS, Methodology, esg_scorer, input_hash,
                        score_csv)
from oracles.risk.scorer import check_scores, explanation_hash

A, B, C = (to_checksum_address("0x" + c * 40) for c in "abc")
NAN = float("nan")


@pytest.fixture(scope="module")
def methodology():
    return Methodology.load()


def row(**changes):
    values = {
        "verified_generation_wh": 2_000_000_000, "credits_issued": 1500, "credits_retired": 400,
        "living_wage_share_pct": 92, "injury_rate": 1.5, "community_grievances_resolved_pct": 80,
        "board_independence_pct": 40, "audited_sustainability_report": 1, "esg_linked_pay": 0,
    }
    return values | changes


def entities_frame(*rows, entity_column="entity"):
    return pd.DataFrame([{entity_column: entity, **values} for entity, values in rows])


def write(tmp_path, frame, name="entities.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


# ---------------------------------------------------------------- the methodology


def test_weights_are_published_and_sum_to_10000(methodology):
    document = json.loads(METHODOLOGY_V1.read_text())
    assert sum(document["weights_bps"].values()) == 10_000
    for pillar in PILLARS:
        assert sum(item["weight_bps"] for item in document["pillars"][pillar]) == 10_000
        assert all(item.get("unit") for item in document["pillars"][pillar])
    assert [item["column"] for item in document["pillars"]["environmental"]] == list(ENVIRONMENTAL_COLUMNS)
    assert methodology.version == "0x" + sha256_file(METHODOLOGY_V1)


def test_a_methodology_whose_weights_do_not_sum_is_refused(tmp_path):
    document = json.loads(METHODOLOGY_V1.read_text())
    document["weights_bps"]["social"] += 1
    (tmp_path / "m.json").write_text(json.dumps(document))
    with pytest.raises(ModelError, match="pillar weights must be >= 0 and sum to 10000"):
        Methodology.load(tmp_path / "m.json")
    document = json.loads(METHODOLOGY_V1.read_text())
    document["pillars"]["governance"][0]["weight_bps"] = 3999
    (tmp_path / "m.json").write_text(json.dumps(document))
    with pytest.raises(ModelError, match="governance indicator weights"):
        Methodology.load(tmp_path / "m.json")


def test_a_changed_methodology_is_another_version(tmp_path, methodology):
    document = json.loads(METHODOLOGY_V1.read_text())
    document["pillars"]["environmental"][0]["half"] = 2_000_000_000
    (tmp_path / "m.json").write_text(json.dumps(document))
    other = Methodology.load(tmp_path / "m.json")
    assert other.version != methodology.version
    assert other.score_row(row())["environmental_bps"] < methodology.score_row(row())["environmental_bps"]


# ---------------------------------------------------------------- the arithmetic


def test_a_worked_example(methodology):
    scores = methodology.score_row(row())
    # E: generation 2 GWh over half 1 GWh -> 6667; issued 1500/(1500+1000) -> 6000; retired 400/1400 -> 2857
    assert scores["environmental_bps"] == round((4000 * 6667 + 3000 * 6000 + 3000 * 2857) / 10_000)
    # S: (92-50)/50 -> 8400; (10-1.5)/10 -> 8500; 80 % -> 8000
    assert scores["social_bps"] == round((4000 * 8400 + 3000 * 8500 + 3000 * 8000) / 10_000)
    # G: 40/75 -> 5333; assured report 10000; no ESG-linked pay 0
    assert scores["governance_bps"] == round((4000 * 5333 + 3000 * 10_000) / 10_000)
    expected = round((5000 * scores["environmental_bps"] + 2500 * scores["social_bps"]
                      + 2500 * scores["governance_bps"]) / 10_000)
    assert scores["esg_bps"] == expected and scores["risk_bps"] == 10_000 - expected


def test_empty_cells_score_zero_and_bounds_hold(methodology):
    nothing = methodology.score_row({column: NAN for column in methodology.columns})
    assert nothing == {"environmental_bps": 0, "social_bps": 0, "governance_bps": 0, "esg_bps": 0, "risk_bps": 10_000}
    best = methodology.score_row(row(verified_generation_wh=1e18, credits_issued=1e15, credits_retired=1e15,
                                     living_wage_share_pct=100, injury_rate=0, community_grievances_resolved_pct=100,
                                     board_independence_pct=90, esg_linked_pay=1))
    assert best["social_bps"] == best["governance_bps"] == 10_000 and best["esg_bps"] == 10_000


LADDER = [0, 1, 2, 10, 999, 1000, 1001, 50_000, 10**6, 10**9, 2 * 10**9, 10**12, 10**15]


@pytest.mark.parametrize("column", ENVIRONMENTAL_COLUMNS)
def test_more_verified_generation_or_credits_never_lowers_the_score(methodology, column):
    scores = [methodology.score_row(row(**{column: value})) for value in LADDER]
    for key in ("environmental_bps", "esg_bps"):
        assert all(a[key] <= b[key] for a, b in zip(scores, scores[1:])), key
    assert scores[0]["environmental_bps"] < scores[-1]["environmental_bps"]


def test_more_generation_and_retirement_raise_the_score(methodology):
    for column in ("verified_generation_wh", "credits_retired", "credits_issued"):
        base = methodology.score_row(row())
        doubled = methodology.score_row(row(**{column: row()[column] * 2}))
        assert doubled["environmental_bps"] > base["environmental_bps"]
    assert methodology.score_row(row(injury_rate=0.5))["social_bps"] > methodology.score_row(row())["social_bps"]


# ---------------------------------------------------------------- the CSV path and the CLI


def test_score_csv_is_deterministic_and_hashes_its_inputs(tmp_path, methodology):
    data = write(tmp_path, entities_frame((A, row()), (B, row(credits_retired=0, esg_linked_pay=NAN))))
    assert score_csv(data, tmp_path / "one.csv") == 2 and score_csv(data, tmp_path / "two.csv") == 2
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    out = pd.read_csv(tmp_path / "one.csv")
    assert list(out.columns[-7:]) == ["environmental_bps", "social_bps", "governance_bps", "esg_bps", "risk_bps",
                                      "methodology_version", "input_hash"]
    assert (out["methodology_version"] == methodology.version).all()
    assert out["esg_bps"].iloc[0] > out["esg_bps"].iloc[1]
    values = {c: float(row()[c]) for c in methodology.columns}
    assert out["input_hash"].iloc[0] == input_hash(A, values, methodology.version)
    assert out["input_hash"].iloc[0] != input_hash(A, values | {"credits_retired": 401.0}, methodology.version)


def test_cli_prints_rows_and_version(tmp_path, methodology):
    data = write(tmp_path, entities_frame((A, row()), (C, row())))
    result = CliRunner().invoke(model, ["esg", "--entities", str(data), "--out", str(tmp_path / "esg.csv")])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"rows": 2, "out": str(tmp_path / "esg.csv"),
                                         "methodology_version": methodology.version}


def test_figures_from_a_reader_replace_the_environmental_columns(tmp_path, methodology):
    social = entities_frame((A, row()), (B, row())).drop(columns=list(ENVIRONMENTAL_COLUMNS))
    data = write(tmp_path, social)
    chain = pd.DataFrame({"verified_generation_wh": [0.0, 5e9], "credits_issued": [0.0, 10.0],
                          "credits_retired": [0.0, 3.0]}, index=[A, B])
    score_csv(data, tmp_path / "out.csv", figures=lambda addresses: chain)
    out = pd.read_csv(tmp_path / "out.csv")
    assert out["verified_generation_wh"].tolist() == [0, 5e9] and out["environmental_bps"].iloc[0] == 0
    assert out["environmental_bps"].iloc[1] > 0


BAD = {
    "no entity column": (lambda f: f.drop(columns="entity"), "entity column 'entity' not in data"),
    "unknown column": (lambda f: f.assign(rating="AA"), "unknown column: rating"),
    "missing indicator": (lambda f: f.drop(columns="injury_rate"), "indicator column missing: injury_rate"),
    "not an address": (lambda f: f.assign(entity=[A, "acme"]), "column 'entity' line 3: 'acme' is not an address"),
    "repeated entity": (lambda f: f.assign(entity=[A, A.lower()]), "line 3: entity .* repeats line 2"),
    "junk number": (lambda f: f.assign(injury_rate=["1.0", "low"]),
                    "column 'injury_rate' line 3: 'low' is not a finite"),
    "negative generation": (lambda f: f.assign(verified_generation_wh=[5, -1]),
                            "column 'verified_generation_wh' line 3: -1 is not a number >= 0"),
    "flag not 0/1": (lambda f: f.assign(esg_linked_pay=[1, 2]), "column 'esg_linked_pay' line 3: 2 is not 0 or 1"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_one_error_line_exit_1_nothing_written(case, tmp_path):
    change, message = BAD[case]
    data = write(tmp_path, change(entities_frame((A, row()), (B, row()))))
    result = CliRunner().invoke(model, ["esg", "--entities", str(data), "--out", str(tmp_path / "out.csv")])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert re.search(message, result.stderr), result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["entities.csv"]


def test_empty_entities_file_and_header_only(tmp_path):
    for text, message in (("", "is empty"), ("entity,injury_rate\n", "has no data rows")):
        (tmp_path / "entities.csv").write_text(text)
        result = CliRunner().invoke(model, ["esg", "--entities", str(tmp_path / "entities.csv"),
                                            "--out", str(tmp_path / "out.csv")])
        assert result.exit_code == 1 and message in result.stderr
        assert [p.name for p in tmp_path.iterdir()] == ["entities.csv"]


def test_network_and_environmental_columns_conflict(tmp_path):
    data = write(tmp_path, entities_frame((A, row())))
    message = r"unknown columns: .*verified_generation_wh.* \(with --network the environmental figures come from"
    with pytest.raises(ModelError, match=message):
        score_csv(data, tmp_path / "out.csv", figures=lambda addresses: None)


# ---------------------------------------------------------------- the risk oracle's scorer


def test_esg_scorer_output_passes_the_daemons_contract(methodology):
    scorer = esg_scorer(None, "subject")
    assert scorer.model_hash == methodology.version
    features = entities_frame((A, row()), (B, row(credits_retired=NAN)), entity_column="subject").astype(str)
    features = features.replace("nan", NAN)
    rows = check_scores(scorer(features), 2)
    first = methodology.score_row({c: float(row()[c]) for c in methodology.columns})
    assert rows[0].score_bps == first["risk_bps"] == 10_000 - first["esg_bps"]
    assert rows[0].input_hash == input_hash(rows[0].subject, {c: float(row()[c]) for c in methodology.columns},
                                            methodology.version)
    assert rows[0].explanation_hash == explanation_hash([(p, first[f"{p}_bps"]) for p in PILLARS])
    assert rows[1].score_bps > rows[0].score_bps  # nothing retired: riskier


def test_the_daemon_loads_the_esg_scorer_by_name(methodology):
    from greenfi.cli.oracle import load_factory

    scorer = load_factory("models.esg:esg_scorer")(METHODOLOGY_V1, "subject")
    assert scorer.model_hash == methodology.version
