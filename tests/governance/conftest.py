"""Fixtures for the governance tests: the whole suite deployed by greenfi's deployer on the test
chain, once handed over to a TimelockController (as on a live network) and once not (as locally)."""

import pytest
from tests.governance.support import Suite, deployer, timelock_config


def _deploy(tmp_path_factory, admin, regulator, bank, timelock):
    directory = tmp_path_factory.mktemp("deployments")
    return Suite(deployer(directory, admin, regulator, bank, timelock).deploy(), directory)


@pytest.fixture(scope="module")
def timelocked(tmp_path_factory, admin, regulator, bank):
    """The suite as `greenfi deploy` leaves it on a live network: GOVERNOR_ROLE with the timelock."""
    return _deploy(tmp_path_factory, admin, regulator, bank, timelock_config(admin))


@pytest.fixture(scope="module")
def local(tmp_path_factory, admin, regulator, bank):
    """The suite as `greenfi deploy` leaves it on a local chain without --timelock-delay."""
    return _deploy(tmp_path_factory, admin, regulator, bank, None)
