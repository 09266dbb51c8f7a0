"""The explanation document of a posted score: why the model gave it, and that its inputs were inside
what the model can judge. RiskOracle keeps the document's SHA-256 as the score's `explanationHash`;
the daemon keeps the documents themselves in its outbox (`Outbox.explanation(hash)`).

Encoding `greenfi-explanation-json-v2`: UTF-8 JSON, keys sorted, no whitespace, numbers as fixed
6-decimal strings (so every implementation writes the same bytes):

    {"domain": "ok",
     "drift": {"max_psi": "0.034100", "measured": true, "min_rows": 100,
               "psi": {"age_years": "0.012000", ...}, "rows": 1000, "threshold": "0.250000"},
     "encoding": "greenfi-explanation-json-v2",
     "reasons": [["checking_account_status", "0.891161"], ...]}

`reasons` are the row's reason codes in rank order (feature, signed log-odds contribution); `drift`
is the population stability of the cycle's whole features file against the model's training sample
(`models.drift.stability`), the same for every row of the cycle. Below `min_rows` rows the drift is
not measured: `measured` is false, `psi` is empty and `max_psi` is null.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

ENCODING = "greenfi-explanation-json-v2"


def _fixed(value: float) -> str:
    return f"{float(value):.6f}"


def drift_section(stability: dict[str, Any]) -> dict[str, Any]:
    """The document's `drift` part from `models.drift.stability` output."""
    return {
        "measured": bool(stability["measured"]), "rows": int(stability["rows"]), "min_rows": int(stability["min_rows"]),
        "threshold": _fixed(stability["threshold"]),
        "max_psi": None if stability["max_psi"] is None else _fixed(stability["max_psi"]),
        "psi": {name: _fixed(value) for name, value in stability["psi"].items()},
    }


def explanation_document(reasons: Sequence[tuple[str, float]], drift: dict[str, Any], domain: str = "ok") -> str:
    body = {"encoding": ENCODING, "domain": domain, "drift": drift,
            "reasons": [[str(feature), _fixed(contribution)] for feature, contribution in reasons]}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def document_hash(document: str) -> str:
    return "0x" + hashlib.sha256(document.encode()).hexdigest()
