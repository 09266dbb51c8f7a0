"""ESG scores posted through the risk oracle daemon: the methodology is registered in ModelRegistry under its
SHA-256, the daemon finds its version by the scorer's model hash and posts risk_bps with the ESG input hash."""

import pandas as pd
from tests.ai.support import REPORT, h32, spec
from brownie import accounts

from greenfi.chain.signers import UnlockedSigner
from models.esg import METHODOLOGY_V1, PILLARS, Methodology, esg_scorer, input_hash
from oracles.risk.daemon import RiskDaemon
from oracles.risk.poster import Poster
from oracles.risk.scorer import explanation_hash

SOCIAL_GOVERNANCE = {"living_wage_share_pct": 90, "injury_rate": 1.0, "community_grievances_resolved_pct": 75,
                     "board_independence_pct": 50, "audited_sustainability_report": 1, "esg_linked_pay": 0}


def test_esg_scores_post_under_the_methodology_version(model_registry, risk_oracle, model_operator, auditor,
                                                       daemon_w3, daemon_settings):
    methodology = Methodology.load()
    hashes = [methodology.version] + [h32(0xE5C0 + field) for field in range(4)]
    model_registry.registerModel(spec(hashes=hashes), "ipfs://esg-methodology-v1", {"from": model_operator})
    version = int(model_registry.versionOf(methodology.version))
    model_registry.approve(version, REPORT, {"from": auditor})

    subjects = [accounts[15].address, accounts[16].address, accounts[17].address]
    figures = [(5e9, 2000, 900), (1e8, 10, 0), (0, 0, 0)]
    settings = daemon_settings(model_dir=METHODOLOGY_V1, model_version=None)
    pd.DataFrame([
        {"subject": subject, "verified_generation_wh": g, "credits_issued": i, "credits_retired": r,
         **SOCIAL_GOVERNANCE}
        for subject, (g, i, r) in zip(subjects, figures)
    ]).to_csv(settings.features, index=False)

    scorer = esg_scorer(settings.model_dir, settings.subject_column)
    daemon = RiskDaemon(settings, Poster(daemon_w3, UnlockedSigner(model_operator.address), risk_oracle.address),
                        scorer, sleep=lambda s: None)
    try:
        assert daemon.run_once() == {"rows": 3, "selected": 3, "batches": 1, "skipped": 0, "unscorable": 0}
    finally:
        daemon.close()

    posted = [risk_oracle.latestScore(subject) for subject in subjects]
    for subject, (g, i, r), score in zip(subjects, figures, posted):
        values = {"verified_generation_wh": g, "credits_issued": i, "credits_retired": r, **SOCIAL_GOVERNANCE}
        floats = {column: float(value) for column, value in values.items()}
        expected = methodology.score_row(floats)
        assert str(score[2]) == input_hash(subject, floats, methodology.version)
        assert int(score[0]) == expected["risk_bps"] and int(score[1]) == version
        assert str(score[3]) == explanation_hash([(p, expected[f"{p}_bps"]) for p in PILLARS])
    assert int(posted[0][0]) < int(posted[1][0]) < int(posted[2][0])  # more verified activity: lower risk
