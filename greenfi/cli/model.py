"""`model` command group (registered by the greenfi CLI as `greenfi model`).

Every command prints one JSON object on stdout. Failures print one line `error: ...` on stderr, exit with
status 1 and leave no output behind.
"""

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from models.calibration import METHODS  # numpy only
from models.datasets import ESG_METHODOLOGY_V1, GERMAN_CREDIT_CSV, GERMAN_CREDIT_DECLARATIONS, PV_CSV
from models.errors import ModelError

# The model modules that load pandas and LightGBM are imported inside the commands, so `greenfi --help`
# stays light.

FILE = click.Path(dir_okay=False, path_type=Path)
DIRECTORY = click.Path(file_okay=False, path_type=Path)


def _reports_errors(command: Callable[..., dict[str, Any]]) -> Callable[..., None]:
    """Print the command's result as JSON, or its ModelError/OSError as one `error:` line (exit 1)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            result = command(*args, **kwargs)
        except (ModelError, OSError) as exc:
            click.echo("error: " + " ".join(str(exc).split()), err=True)
            click.get_current_context().exit(1)
        click.echo(json.dumps(result, sort_keys=True))

    return wrapper


@click.group(name="model")
def model() -> None:
    """Credit-risk scoring, ESG scores and PV-reading plausibility models."""


@model.command()
@click.option("--data", required=True, type=FILE, help="Training CSV with a header row.")
@click.option("--target", required=True, help="Column holding the two classes.")
@click.option("--positive", help="Target value to predict (default: the minority class).")
@click.option("--id", "id_column", help="Identifier column, excluded from the features.")
@click.option("--out", required=True, type=DIRECTORY, help="New directory for the model files.")
@click.option("--seed", default=42, show_default=True)
@click.option("--folds", default=5, show_default=True)
@click.option("--repeats", default=3, show_default=True, help="Cross-validation repeats over fresh folds.")
@click.option("--cost-fp", default=1.0, show_default=True, help="Cost of classing a negative row positive.")
@click.option("--cost-fn", default=1.0, show_default=True, help="Cost of classing a positive row negative.")
@click.option("--calibration", type=click.Choice(METHODS), default="platt", show_default=True)
@click.option("--schema", "declarations", type=FILE,
              help="Feature declarations JSON: hard bounds and monotone features (docs/models.md).")
@click.option("--unseen-as-missing", is_flag=True,
              help="Score categories the training data never held as missing instead of refusing the row "
                   "(recorded in the model card; off by default).")
@click.option("--drift-threshold", type=float,
              help="PSI above which the risk oracle refuses a batch (0.01..2). [default: models.drift.DEFAULT_THRESHOLD, 0.25]")
@_reports_errors
def train(
    data: Path, target: str, positive: str | None, id_column: str | None, out: Path, seed: int, folds: int,
    repeats: int, cost_fp: float, cost_fn: float, calibration: str, declarations: Path | None,
    unseen_as_missing: bool, drift_threshold: float | None,
) -> dict[str, Any]:
    """Cross-validate, calibrate and fit a classifier; print its out-of-fold metrics."""
    from models.train import train as train_model

    return train_model(
        data, target, out, positive=positive, id_column=id_column, seed=seed, folds=folds, repeats=repeats,
        cost_fp=cost_fp, cost_fn=cost_fn, calibration=calibration, declarations=declarations,
        unseen_as_missing=unseen_as_missing, **({} if drift_threshold is None else {"drift_threshold": drift_threshold}),
    )


@model.command()
@click.option("--out", required=True, type=DIRECTORY, help="New directory for the model files.")
@click.option("--seed", default=42, show_default=True)
@click.option("--data", type=FILE, default=GERMAN_CREDIT_CSV, show_default=True,
              help="German Credit rows to train on (e.g. the training side of `model split`).")
@_reports_errors
def example(out: Path, seed: int, data: Path) -> dict[str, Any]:
    """Train on the shipped German Credit data with the codebook's cost matrix (bad classed good: 5) and
    the shipped feature declarations (bounds; duration, amount and instalment rate monotone)."""
    from models import german_credit
    from models.train import train as train_model

    return train_model(
        data, german_credit.TARGET, out, positive=german_credit.POSITIVE, seed=seed,
        cost_fp=german_credit.COST_FALSE_POSITIVE, cost_fn=german_credit.COST_FALSE_NEGATIVE,
        declarations=GERMAN_CREDIT_DECLARATIONS,
    )


@model.command()
@click.option("--model", "model_dir", required=True, type=DIRECTORY, help="Directory written by `train`.")
@click.option("--data", required=True, type=FILE, help="CSV with the model's feature columns.")
@click.option("--out", required=True, type=FILE, help="Scored CSV to write.")
@click.option("--top-k", default=3, show_default=True, help="Reason codes per row (0: none).")
@click.option("--id", "id_column", default="subject", show_default=True,
              help="Column passed through to the output when present (the risk oracle's subject column).")
@_reports_errors
def score(model_dir: Path, data: Path, out: Path, top_k: int, id_column: str) -> dict[str, Any]:
    """Score a CSV: domain status, probability, basis-point score, decision, reason codes and input hash
    per row. Rows outside the model's domain get a status and no score; exit 1 if no row is scorable."""
    from models.score import score as score_csv

    return score_csv(model_dir, data, out, top_k, id_column) | {"out": str(out)}


@model.command()
@click.option("--model", "model_dir", required=True, type=DIRECTORY, help="Directory written by `train`.")
@click.option("--data", required=True, type=FILE,
              help="CSV the model did not train on: its feature columns and the target (and the id).")
@click.option("--out", required=True, type=FILE, help="Validation report (JSON) to write.")
@_reports_errors
def validate(model_dir: Path, data: Path, out: Path) -> dict[str, Any]:
    """Write the validation report a reviewer approves with: AUC, KS, Brier, calibration, stability
    against the training sample, monotonicity; print its summary and SHA-256."""
    from models.validate import validate as validate_model

    report = validate_model(model_dir, data, out)
    return {"out": str(out), "report_sha256": report["report_sha256"], "metrics": report["metrics"],
            "checks": report["checks"], "unscorable_rows": report["data"]["rows"] - report["data"]["scored_rows"]}


@model.command()
@click.option("--data", required=True, type=FILE, help="CSV with a header row.")
@click.option("--target", required=True, help="Column holding the two classes (the split keeps their shares).")
@click.option("--train-out", required=True, type=FILE, help="CSV of the training rows to write.")
@click.option("--validation-out", required=True, type=FILE, help="CSV of the held-out rows to write.")
@click.option("--share", default=0.2, show_default=True, help="Share of each class held out.")
@click.option("--seed", default=42, show_default=True)
@_reports_errors
def split(data: Path, target: str, train_out: Path, validation_out: Path, share: float, seed: int) -> dict[str, Any]:
    """Split a CSV into training rows and held-out validation rows, stratified by the target."""
    from models.split import split as split_csv

    return split_csv(data, target, train_out, validation_out, share, seed)


@model.command("anomaly-train")
@click.option("--data", type=FILE, default=PV_CSV, show_default=True, help="CSV with columns ts and kW.")
@click.option("--out", required=True, type=DIRECTORY, help="New directory for the model files.")
@click.option("--seed", default=42, show_default=True)
@_reports_errors
def anomaly_train(data: Path, out: Path, seed: int) -> dict[str, Any]:
    """Train the PV reading screen; print its MAE against persistence and its residual threshold."""
    from models.anomaly import train_anomaly

    return train_anomaly(out, data, seed)


@model.command()
@click.option("--entities", required=True, type=FILE, help="CSV: entity address and the social/governance columns.")
@click.option("--network", "network_name", help="Read the environmental figures from this network's chain; "
              "without it they are columns of --entities.")
@click.option("--methodology", type=FILE, default=ESG_METHODOLOGY_V1, show_default=True, help="Methodology JSON.")
@click.option("--entity-column", default="entity", show_default=True)
@click.option("--out", required=True, type=FILE, help="Scored CSV to write.")
@_reports_errors
def esg(entities: Path, network_name: str | None, methodology: Path, entity_column: str, out: Path) -> dict[str, Any]:
    """ESG composite per entity: E, S, G sub-scores and the composite in basis points, with the methodology version."""
    from models.artifacts import sha256_file
    from models.esg import score_csv as esg_score_csv

    figures = None
    if network_name is not None:
        figures = _chain_figures(network_name)
    rows = esg_score_csv(entities, out, methodology_path=methodology, figures=figures, entity_column=entity_column)
    return {"rows": rows, "out": str(out), "methodology_version": "0x" + sha256_file(methodology)}


def _chain_figures(network_name: str) -> Callable[[list[str]], Any]:
    """figures(addresses) reading the deployed suite on `network_name` (web3 imported only here)."""
    from greenfi.chain import networks, node as chain
    from greenfi.errors import GreenfiError
    from greenfi.domain.esg_chain import chain_figures, recorded_addresses

    def figures(addresses: list[str]) -> Any:
        try:
            w3 = chain.attach(networks.resolve(network_name)).w3
            contracts, first_block = recorded_addresses(w3)
            return chain_figures(w3, contracts, addresses, from_block=first_block)
        except GreenfiError as exc:
            raise ModelError(str(exc)) from None

    return figures
