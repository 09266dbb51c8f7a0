"""Fixtures for the AI decision ledger: the model registry, the risk oracle, an approved model version."""

import pytest
from brownie import ModelRegistry, RiskOracle, accounts
from tests.support.chain import kyc_expiry

from tests.ai.support import MAX_AGE, REPORT, spec

from greenfi.domain.participants import Kind, jurisdiction


@pytest.fixture(scope="session")
def model_operator(oracle_operator):
    """Registers models and posts scores: an oracle operator (accounts[3])."""
    return oracle_operator


@pytest.fixture(scope="session")
def enterprise_operator():
    """An enterprise that runs its own models (accounts[11])."""
    return accounts[11]


@pytest.fixture(scope="session")
def second_operator():
    """A second oracle operator (accounts[12])."""
    return accounts[12]


@pytest.fixture(scope="module")
def ai_registry(registry, regulator, enterprise_operator, second_operator):
    registry.register(enterprise_operator, Kind.ENTERPRISE, jurisdiction("CN"), kyc_expiry(), {"from": regulator})
    registry.register(second_operator, Kind.ORACLE_OPERATOR, jurisdiction("DE"), kyc_expiry(), {"from": regulator})
    return registry


@pytest.fixture(scope="module")
def model_registry(ai_registry, admin, model_operator, enterprise_operator):
    contract = ModelRegistry.deploy(ai_registry, admin, {"from": admin})
    role = contract.MODEL_OPERATOR_ROLE()
    for account in (model_operator, enterprise_operator):
        contract.grantRole(role, account, {"from": admin})
    return contract


@pytest.fixture(scope="module")
def risk_oracle(ai_registry, model_registry, admin, model_operator, second_operator):
    contract = RiskOracle.deploy(ai_registry, model_registry, admin, MAX_AGE, {"from": admin})
    for account in (model_operator, second_operator):
        contract.grantRole(contract.OPERATOR_ROLE(), account, {"from": admin})
    return contract


@pytest.fixture(scope="module")
def version(model_registry, model_operator, auditor):
    """Version 1, registered and approved."""
    model_registry.registerModel(spec(1), "ipfs://card-1", {"from": model_operator})
    model_registry.approve(1, REPORT, {"from": auditor})
    return 1


@pytest.fixture
def daemon_w3():
    """A plain web3.py connection to the Brownie test chain, as the daemon makes its own."""
    from brownie import web3
    from web3 import Web3

    return Web3(Web3.HTTPProvider(web3.provider.endpoint_uri, request_kwargs={"timeout": 120}))


@pytest.fixture
def daemon_settings(tmp_path):
    """Settings factory for the daemon: features and outbox under tmp_path, the HTTP port any free one."""
    from oracles.risk.settings import RiskSettings

    def make(**overrides):
        values = dict(features=tmp_path / "features.csv", model_dir=tmp_path / "model", port=0,
                      outbox=tmp_path / "outbox.sqlite", confirm_timeout=60)
        values.update(overrides)
        return RiskSettings(**values)

    return make


@pytest.fixture
def start_block(daemon_w3):
    return daemon_w3.eth.block_number + 1


@pytest.fixture
def make_daemon(daemon_w3, daemon_settings, risk_oracle, model_operator, version):
    """A fresh daemon (as after a process restart) over the same outbox file."""
    from tests.ai.support import make_scorer

    from greenfi.chain.signers import UnlockedSigner
    from oracles.risk.daemon import RiskDaemon
    from oracles.risk.poster import Poster

    made = []

    def make(scorer=None, **overrides):
        overrides.setdefault("model_version", version)
        poster = Poster(daemon_w3, UnlockedSigner(model_operator.address), risk_oracle.address)
        daemon = RiskDaemon(daemon_settings(**overrides), poster, scorer or make_scorer(), sleep=lambda s: None)
        made.append(daemon)
        return daemon

    yield make
    for daemon in made:
        daemon.close()
