"""Benchmark: `python -m models.bench` prints one JSON object per figure.

Figures: German Credit training time and cross-validated metrics (codebook cost matrix); scoring throughput
on synthetic rows drawn with replacement from the shipped German Credit data, in memory with and without
reason codes and from CSV file to CSV file; the PV anomaly model's training time, MAE against persistence
on the same evaluation rows, and screening throughput. Each time is the best of `--repeat` runs, to damp
interference from other processes on the machine.
"""

import itertools
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from models import german_credit
from models.anomaly import AnomalyModel
from models.datasets import GERMAN_CREDIT_CSV, PV_CSV
from models.pv import read_power_series
from models.score import load_model, score, score_table
from models.table import read_table
from models.train import train


def best_seconds(action: Callable[[], Any], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return min(timings)


def emit(figure: str, value: float, unit: str = "") -> None:
    click.echo(json.dumps({"figure": figure, "value": round(value, 4), "unit": unit}))


def bench_credit(work: Path, rows: int, repeat: int, seed: int) -> None:
    model_dirs = (work / f"credit-{run}" for run in itertools.count())

    def train_german() -> None:
        train(
            GERMAN_CREDIT_CSV, german_credit.TARGET, next(model_dirs), positive=german_credit.POSITIVE,
            seed=seed, cost_fp=german_credit.COST_FALSE_POSITIVE, cost_fn=german_credit.COST_FALSE_NEGATIVE,
        )

    emit("german_credit_train_seconds", best_seconds(train_german, repeat), "s")
    model_dir = work / "credit-0"
    model = load_model(model_dir)
    for name in ("auc", "ks", "brier", "accuracy", "baseline_accuracy", "expected_cost", "baseline_cost"):
        emit(f"german_credit_cv_{name}", model.card["metrics"][name])

    synthetic = read_table(GERMAN_CREDIT_CSV).drop(columns=german_credit.TARGET)
    synthetic = synthetic.sample(n=rows, replace=True, random_state=seed, ignore_index=True)
    typed = synthetic.astype({f.name: float for f in model.schema.features if f.kind == "numeric"})
    for top_k in (3, 0):
        seconds = best_seconds(lambda: score_table(model, typed, top_k), repeat)
        emit(f"score_in_memory_top{top_k}_rows_per_second", rows / seconds, "rows/s")
    data_csv, out_csv = work / "synthetic.csv", work / "scored.csv"
    synthetic.to_csv(data_csv, index=False)
    seconds = best_seconds(lambda: score(model_dir, data_csv, out_csv, 3), repeat)
    emit("score_csv_to_csv_top3_rows_per_second", rows / seconds, "rows/s")


def bench_anomaly(repeat: int, seed: int) -> None:
    readings = read_power_series(PV_CSV)
    fitted: list[AnomalyModel] = []
    seconds = best_seconds(lambda: fitted.append(AnomalyModel.fit(readings, seed=seed)), repeat)
    emit("pv_anomaly_train_seconds", seconds, "s")
    model = fitted[0]
    emit("pv_model_mae_kw", model.metrics["model_mae_kw"], "kW")
    emit("pv_persistence_mae_kw", model.metrics["persistence_mae_kw"], "kW")
    emit("pv_eval_rows", model.metrics["eval_rows"], "rows")
    emit("pv_screen_threshold_kw", model.threshold_kw, "kW")
    seconds = best_seconds(lambda: model.screen(readings), repeat)
    emit("pv_screen_rows_per_second", len(readings) / seconds, "rows/s")


@click.command()
@click.option("--rows", default=200_000, show_default=True, help="Synthetic rows to score.")
@click.option("--repeat", default=3, show_default=True, help="Runs per timing; the best is reported.")
@click.option("--seed", default=42, show_default=True)
def main(rows: int, repeat: int, seed: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        bench_credit(Path(work), rows, repeat, seed)
    bench_anomaly(repeat, seed)


if __name__ == "__main__":
    main()
