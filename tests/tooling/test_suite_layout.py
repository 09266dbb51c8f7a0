"""The test tree is a tree of packages (docs/architecture.md, Tests): every folder that holds
Python files has an `__init__.py`, so pytest imports each module by its rootdir-relative name
(`tests.models.test_model_cli`: never a bare `test_model_cli`, and never a `models` that would
shadow the top-level package), and no module imports a helper by the flat layout's names
(`helpers`, `mrv_helpers`, ...). `python tools/test_packages.py` brings a folder written the old
way over."""

import re

from greenfi.paths import REPO_ROOT

TESTS = REPO_ROOT / "tests"
FLAT_IMPORT = re.compile(r"^\s*(?:from|import) (helpers|deploy_helpers|fast_isolation|sumtree_strategies|"
                         r"sensor_process|sensor_fixtures|fake_chain|\w+_helpers|\w+_support)\b", re.M)


def python_folders():
    return sorted({path.parent for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts})


def test_every_test_folder_is_a_package():
    missing = [str(folder.relative_to(REPO_ROOT)) for folder in python_folders() if not (folder / "__init__.py").exists()]
    assert not missing, f"folders without __init__.py (run tools/test_packages.py): {missing}"


def test_no_module_imports_a_helper_by_its_flat_name():
    flat = {str(path.relative_to(REPO_ROOT)): FLAT_IMPORT.findall(path.read_text())
            for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts}
    assert not {path: names for path, names in flat.items() if names}, "run tools/test_packages.py"


def test_the_test_modules_are_named_from_the_rootdir():
    assert __name__ == "tests.tooling.test_suite_layout"
