"""Demo step 4: train the credit-risk model on the shipped German Credit data, register it in
ModelRegistry (the AI operator), approve it (the auditor), and post scores for the core enterprise,
its suppliers and the PV developer with one `greenfi oracle risk --once` run of the risk oracle daemon.

The demo's companies have no credit files, so each borrows a row of the German Credit sample as its
features (`PARTICIPANT_ROWS`, zero-based row of models/data/german_credit/german_credit.csv; the
row's label is dropped). The rows were picked to give the network a spread of risk: a long-standing
core enterprise, two ordinary suppliers, and a riskier small third-tier supplier.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
from web3 import Web3

from greenfi.demo.context import AI_OPERATOR, DemoContext
from greenfi.errors import GreenfiError
from greenfi.paths import REPO_ROOT
from models.datasets import GERMAN_CREDIT_CSV
from models.german_credit import POSITIVE, TARGET
SUBJECT_COLUMN = "subject"
# demo participant → row of the German Credit sample whose features it uses
PARTICIPANT_ROWS: dict[str, int] = {
    "core_enterprise": 0,  # A11, 6 months, 1 169 DM, critical account but long history, age 67: good
    "supplier_tier1": 2,  # no checking account, 12 months, 2 096 DM, age 49: good
    "supplier_tier2": 3,  # A11, 42 months, 7 882 DM, guarantor, age 45: good
    "supplier_tier3": 1,  # A12, 48 months, 5 951 DM, age 22, employed 1-4 years: bad
    "pv_developer": 6,  # no checking account, 24 months, age 53: good (the green loan's borrower, step 7)
}
MODEL_DIR, FEATURES_CSV = "risk-model", "risk-features.csv"  # in the run's scratch folder


def participant_features(table: pd.DataFrame, cast: dict[str, str],
                         rows: dict[str, int] = PARTICIPANT_ROWS) -> pd.DataFrame:
    """One feature row per participant: `subject` (its address), then the sample row's features
    (every column but the label), in `rows` order."""
    for role, index in rows.items():
        if role not in cast:
            raise GreenfiError(f"participant {role} is not in the cast")
        if not 0 <= index < len(table):
            raise GreenfiError(f"German Credit has {len(table)} rows; row {index} (for {role}) does not exist")
    features = table.drop(columns=[TARGET]).iloc[list(rows.values())].reset_index(drop=True)
    features.insert(0, SUBJECT_COLUMN, [cast[role] for role in rows])
    return features


def run(ctx: DemoContext) -> None:
    from models.train import train
    from oracles.risk.registration import model_spec

    model_dir = ctx.workdir / MODEL_DIR
    metrics = train(GERMAN_CREDIT_CSV, TARGET, model_dir, positive=POSITIVE,
                    folds=ctx.options.cv_folds, repeats=ctx.options.cv_repeats)
    ctx.log(f"    trained LightGBM on German Credit ({ctx.options.cv_folds}-fold CV): AUC {metrics['auc']:.3f}, "
            f"KS {metrics['ks']:.3f}, Brier {metrics['brier']:.3f}")
    spec = model_spec(model_dir)
    registry = ctx.c["ModelRegistry"]
    model_hash = bytes.fromhex(spec.model_hash[2:])
    version = registry.functions.versionOf(model_hash).call()
    if version == 0:
        ctx.send(AI_OPERATOR, registry.functions.registerModel(spec.as_args(), "demo://risk-model/model_card.json"))
        version = registry.functions.versionOf(model_hash).call()
        ctx.log(f"    model {spec.model_hash[:14]}… registered as version {version} by {AI_OPERATOR}")
    else:  # an attached node where an earlier run registered the same model
        ctx.log(f"    model {spec.model_hash[:14]}… is already version {version}")
    if not registry.functions.isApproved(version).call():
        ctx.send("auditor", registry.functions.approve(version, Web3.keccak(text="model validation: demo")))
        ctx.log(f"    version {version} approved by auditor")

    table = pd.read_csv(GERMAN_CREDIT_CSV, dtype=str, keep_default_na=False)
    participant_features(table, ctx.cast).to_csv(ctx.workdir / FEATURES_CSV, index=False)
    ctx.report["risk"] = {"model_hash": spec.model_hash, "model_version": version, "metrics_bps": list(spec.metrics_bps)}
    post_scores(ctx)


def post_scores(ctx: DemoContext) -> dict[str, dict]:
    """One `greenfi oracle risk --once` run over the participants' features (step 4's model): it
    posts the scores that changed or are older than its heartbeat (a day); return the latest scores."""
    output = _run_daemon_once(ctx, ctx.workdir / MODEL_DIR, ctx.workdir / FEATURES_CSV, ctx.report["risk"]["model_version"])
    ctx.log(f"    greenfi oracle risk --once: {output}")
    oracle = ctx.c["RiskOracle"]
    scores = {}
    for role in PARTICIPANT_ROWS:
        score_bps, model_version, _, _, timestamp, expiry = oracle.functions.latestScore(ctx.cast[role]).call()
        scores[role] = {"score_bps": score_bps, "model_version": model_version, "row": PARTICIPANT_ROWS[role],
                        "timestamp": timestamp, "expiry": expiry}
        ctx.log(f"    {role:16} German Credit row {PARTICIPANT_ROWS[role]:>3}: PD {score_bps / 100:5.2f} % "
                f"(model v{model_version})")
    ctx.report["risk"]["scores"] = scores
    return scores


def _run_daemon_once(ctx: DemoContext, model_dir: Path, features_csv: Path, version: int) -> str:
    command = [sys.executable, "-m", "greenfi.cli", "oracle", "risk", "--network", ctx.conn.network.name,
               "--rpc-url", ctx.w3.provider.endpoint_uri, "--from", ctx.cast[AI_OPERATOR],
               "--features", str(features_csv), "--model", str(model_dir), "--port", "0",
               "--risk-oracle", ctx.addresses["RiskOracle"], "--model-version", str(version),
               "--outbox", str(ctx.workdir / "risk-outbox.sqlite"), "--once"]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    (ctx.workdir / "risk-oracle.log").write_text(result.stdout + result.stderr)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    if result.returncode != 0:
        tail = " | ".join((result.stdout + result.stderr).strip().splitlines()[-3:])
        raise GreenfiError(f"the risk oracle daemon exited with code {result.returncode}: {tail}")
    return lines[-1] if lines else "(no output)"
