"""What a reviewer sees before approving a model version: the validation report
(`greenfi model validate`), checked to be about the registered model, summarised in a few lines.

Reads files only (no LightGBM). The approval then records the report's SHA-256 on chain
(`ModelRegistry.approve(version, reportHash)`), so the ledger shows which report an approval rests on.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from greenfi.errors import GreenfiError

REPORT_FORMAT = "greenfi-validation-report/1"


class ReportError(GreenfiError):
    """The validation report is missing, unreadable, of another format, or about another model."""


def read_report(path: Path) -> tuple[dict, str]:
    """The report and its `0x` SHA-256 (of the file's bytes, as approved on chain)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        report = json.loads(raw)
    except OSError:
        raise ReportError(f"validation report {path} not found: run greenfi model validate first") from None
    except ValueError as exc:
        raise ReportError(f"validation report {path} is not JSON: {exc}") from None
    if not isinstance(report, dict) or report.get("format") != REPORT_FORMAT:
        raise ReportError(f"{path} is not a {REPORT_FORMAT} report (greenfi model validate writes one)")
    return report, "0x" + hashlib.sha256(raw).hexdigest()


def check_model(report: dict, model_hash: str, version: int) -> None:
    """Refuse a report about another model than the registered `version` (whose modelHash is `model_hash`)."""
    reported = str(report.get("model", {}).get("model_sha256", "")).lower()
    if reported != model_hash.lower():
        raise ReportError(f"the report validates model {reported or '?'}, but version {version} is model {model_hash}")


def summary(report: dict) -> list[str]:
    """The lines a reviewer reads before signing."""
    data, metrics, stability = report["data"], report["metrics"], report["stability"]
    lines = [
        f"model        {report['model']['model_sha256']}",
        f"data         {data['file']} ({data['rows']} rows, {data['scored_rows']} scorable; sha256 {data['sha256']})",
        f"metrics      AUC {metrics['auc']:.4f}  KS {metrics['ks']:.4f}  Brier {metrics['brier']:.4f}  "
        f"positive rate {metrics['positive_rate']:.3f}  mean PD {metrics['mean_probability']:.3f}",
        "calibration  " + "  ".join(f"{b['mean_probability']:.2f}->{b['observed_rate']:.2f}" for b in report["calibration"]),
    ]
    if stability["measured"]:
        worst = sorted(stability["psi"].items(), key=lambda item: -item[1])[:3]
        lines.append(f"stability    max PSI {stability['max_psi']:.4f} (threshold {stability['threshold']}); "
                     + ", ".join(f"{name} {value:.4f}" for name, value in worst))
    else:
        lines.append(f"stability    not measured ({stability['rows']} rows < {stability['min_rows']})")
    for name, check in sorted(report["monotonicity"].items()):
        lines.append(f"monotone     {name} {check['direction']}: {check['violations']} of {check['rows']} rows violate")
    if data["unscorable"]:
        lines.append("unscorable   " + ", ".join(f"{k} {v}" for k, v in sorted(data["unscorable"].items())))
    checks = report["checks"]
    verdict = "all checks pass" if all(checks.values()) else "FAILED: " + ", ".join(k for k, v in checks.items() if not v)
    lines.append(f"checks       {verdict}")
    return lines
