"""The process groups a module starts (nodes, daemons), stopped when the module ends."""

import pytest

from tests.operator.support import Background


@pytest.fixture(scope="module")
def background(tmp_path_factory):
    procs = Background(tmp_path_factory.mktemp("logs"))
    yield procs
    procs.stop_all()
