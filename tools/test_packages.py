"""Turn tests/ into packages (tests/<area>/__init__.py) and rewrite the test helpers' imports.

Run once from the repository root: `python tools/test_packages.py` (idempotent: a second run changes
nothing). It is the recipe of the commit that made tests/ a package tree, kept so that test files
written against the old flat layout (`from helpers import custom_error`, `from mrv_helpers import …`)
can be brought over by running it again. What it does:

- every folder under tests/ that holds Python files gets an empty `__init__.py`, so pytest imports
  test modules by their rootdir-relative names (`tests.models.test_model_cli`, never a bare
  `test_model_cli` or a `models` that would shadow the top-level package);
- the shared helpers move into the package tests/support (`chain`: custom errors, events, the
  chain's clock; `stateful`: run_stateful; `cli`: the CLI tests' runner; `deploy`; `fast_isolation`;
  `sumtree_strategies`);
- each area's helper module becomes `tests/<area>/support.py`;
- imports of the old module names are rewritten to the new ones, and a test module imported by
  another (`from test_cli_no_traceback import …`) by its package name.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"

# old path (relative to tests/) → new path
MOVES = {
    "deploy_helpers.py": "support/deploy.py",
    "cli_helpers.py": "support/cli.py",
    "fast_isolation.py": "support/fast_isolation.py",
    "sumtree_strategies.py": "support/sumtree_strategies.py",
    "ai/ai_helpers.py": "ai/support.py",
    "bond/bond_support.py": "bond/support.py",
    "carbon/carbon_helpers.py": "carbon/support.py",
    "esg/esg_helpers.py": "esg/support.py",
    "finance/attribution_support.py": "finance/support.py",
    "governance/governance_helpers.py": "governance/support.py",
    "mrv/mrv_helpers.py": "mrv/support.py",
    "oracles/sensor_fixtures.py": "oracles/support.py",
    "voucher/voucher_support.py": "voucher/support.py",
}
# old module name → new module name (for `from OLD import …`)
MODULES = {
    "deploy_helpers": "tests.support.deploy",
    "cli_helpers": "tests.support.cli",
    "sumtree_strategies": "tests.support.sumtree_strategies",
    "ai_helpers": "tests.ai.support",
    "bond_support": "tests.bond.support",
    "carbon_helpers": "tests.carbon.support",
    "esg_helpers": "tests.esg.support",
    "attribution_support": "tests.finance.support",
    "governance_helpers": "tests.governance.support",
    "mrv_helpers": "tests.mrv.support",
    "sensor_process": "tests.mrv.sensor_process",
    "sensor_fixtures": "tests.oracles.support",
    "fake_chain": "tests.oracles.fake_chain",
    "voucher_support": "tests.voucher.support",
}
# tests/helpers.py is split in two: the names of its stateful half
STATEFUL_NAMES = {"run_stateful", "scaled_examples", "SMOKE_EXAMPLES", "STATEFUL_WARMUP_EXAMPLES"}
TEXT = {  # the scorer the risk daemon's tests load by module name
    '"ai_helpers:': '"tests.ai.support:',
    "ai_helpers has no callable": "tests.ai.support has no callable",
    "tests/ai/ai_helpers.py": "tests/ai/support.py",
}

IMPORT = re.compile(r"^(?P<indent>[ \t]*)from (?P<module>\w+) import (?P<names>\([^)]*\)|[^\n]*)", re.M)


def git_mv(old: Path, new: Path) -> None:
    if old.exists() and not new.exists():
        new.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "mv", str(old), str(new)], cwd=ROOT, check=True)


def imports_for(body: str) -> str:
    """The import block `body` needs, of what tests/helpers.py imported."""
    stdlib = [f"import {m}\n" for m in ("contextlib", "os") if f"{m}." in body]
    brownie = [n for n in ("chain", "config", "web3") if re.search(rf"\b{n}\b[.\[(]", body)]
    third = [f"from brownie import {', '.join(brownie)}\n"] if brownie else []
    third += [line for line in ("from hypothesis import HealthCheck, settings\n",
                                "from hypothesis.stateful import run_state_machine_as_test\n")
              if line.split(" import ")[1].split(",")[0].strip() in body.replace("import", "")]
    return "".join(stdlib) + ("\n" if stdlib and third else "") + "".join(third)


def split_helpers() -> None:
    """tests/helpers.py → tests/support/chain.py and tests/support/stateful.py."""
    old = TESTS / "helpers.py"
    if not old.exists():
        return
    text = old.read_text()
    docstring_end = text.index('"""', 3) + 3
    body = text[docstring_end:]
    body = body[body.index("\n\n", body.index("from hypothesis.stateful")) :].lstrip("\n")  # after the imports
    start, end = body.index("# Hypothesis 6.27 spends"), body.index("\ndef now():")
    stateful, chain_part = body[start:end].rstrip() + "\n", body[:start].rstrip() + "\n\n\n" + body[end:].lstrip("\n")
    git_mv(old, TESTS / "support" / "chain.py")
    (TESTS / "support" / "chain.py").write_text(
        '"""Helpers for Brownie tests: matching custom errors, reading events, the chain\'s clock and mining."""\n\n'
        + imports_for(chain_part) + "\n" + chain_part)
    (TESTS / "support" / "stateful.py").write_text(
        '"""Running hypothesis state machines from the test\'s chain snapshot (docs/quality.md)."""\n\n'
        + imports_for(stateful) + "\n\n" + stateful)
    subprocess.run(["git", "add", "tests/support/stateful.py"], cwd=ROOT, check=True)


def add_init_files() -> None:
    for folder in [TESTS, *sorted(p for p in TESTS.rglob("*") if p.is_dir())]:
        if "__pycache__" in folder.parts or not any(folder.glob("*.py")) and folder != TESTS / "support":
            continue
        init = folder / "__init__.py"
        if not init.exists():
            init.write_text("")
            subprocess.run(["git", "add", str(init)], cwd=ROOT, check=True)


def rewrite_import(match: re.Match) -> str:
    indent, module, names = match["indent"], match["module"], match["names"]
    if module == "helpers":
        listed = [n.strip() for n in names.strip("()").replace("\n", " ").split(",") if n.strip()]
        chain_names = [n for n in listed if n not in STATEFUL_NAMES]
        stateful_names = [n for n in listed if n in STATEFUL_NAMES]
        lines = []
        if chain_names:
            lines.append(f"{indent}from tests.support.chain import {', '.join(chain_names)}")
        if stateful_names:
            lines.append(f"{indent}from tests.support.stateful import {', '.join(stateful_names)}")
        return "\n".join(lines)
    if module in MODULES:
        return f"{indent}from {MODULES[module]} import {names}"
    return match.group(0)


def sibling_imports(path: Path):
    """`from test_x import …` of a module beside `path` → its package name."""
    def rewrite_sibling(match: re.Match) -> str:
        if (path.parent / f"{match['module']}.py").exists() and path.parent != TESTS:
            package = ".".join(path.parent.relative_to(ROOT).parts)
            return f"{match['indent']}from {package}.{match['module']} import {match['names']}"
        return match.group(0)
    return rewrite_sibling


def rewrite(path: Path) -> None:
    text = path.read_text()
    new = IMPORT.sub(rewrite_import, text)
    new = IMPORT.sub(sibling_imports(path), new)
    new = re.sub(r"^import fast_isolation$", "from tests.support import fast_isolation", new, flags=re.M)
    for old, replacement in TEXT.items():
        new = new.replace(old, replacement)
    if new != text:
        path.write_text(new)


def discover_area_helpers() -> None:
    """A folder added later with one `<name>_helpers.py` or `<name>_support.py` (say tests/loan/
    loan_support.py): that module becomes the folder's support.py, imported by its new name."""
    for folder in sorted(p for p in TESTS.iterdir() if p.is_dir() and p.name != "support"):
        helpers = [p for p in folder.glob("*.py") if p.stem.endswith(("_helpers", "_support"))]
        if len(helpers) == 1 and not (folder / "support.py").exists():
            MOVES[str(helpers[0].relative_to(TESTS))] = f"{folder.name}/support.py"
            MODULES[helpers[0].stem] = f"tests.{folder.name}.support"


def main() -> int:
    discover_area_helpers()
    for old, new in MOVES.items():
        git_mv(TESTS / old, TESTS / new)
    split_helpers()
    add_init_files()
    for path in sorted(TESTS.rglob("*.py")):
        rewrite(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
