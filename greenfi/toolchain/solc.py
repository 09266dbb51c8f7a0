"""Resolve the pinned Solidity compiler without downloading anything.

py-solc-x (and so Brownie) looks for executables named ``solc-v<version>`` in its install folder.
We put one there: a native ``solc`` of the pinned version when one is on PATH, else a small
launcher for ``solcjs_cli.js``, which speaks the native CLI's ``--version`` and ``--standard-json``
over npm's solcjs. Either way Brownie and py-solc-x use it unchanged.
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from greenfi.errors import ToolchainError
from greenfi.paths import BROWNIE_CONFIG, REPO_ROOT

SHIM_MARKER = "# greenfi solcjs shim"
SHIM_SCRIPT = Path(__file__).with_name("solcjs_cli.js")
SOLCJS_PACKAGE = REPO_ROOT / "node_modules" / "solc"


@dataclass(frozen=True)
class ResolvedCompiler:
    version: str
    path: Path
    kind: str  # "native" or "solcjs"


def pinned_version(config_path: Path = BROWNIE_CONFIG) -> str:
    """The solc version pinned in brownie-config.yaml."""
    config = yaml.safe_load(config_path.read_text())
    return str(config["compiler"]["solc"]["version"])


def install_folder() -> Path:
    """py-solc-x's install folder (honours SOLCX_BINARY_PATH)."""
    import solcx

    return Path(solcx.get_solcx_install_folder())


def reported_version(executable: Path | str) -> str | None:
    """The x.y.z version a solc executable reports, or None if it does not run."""
    try:
        out = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        if line.startswith("Version:"):
            return line.split()[1].split("+")[0]
    return None


def is_shim(path: Path) -> bool:
    try:
        return SHIM_MARKER in path.read_text(errors="ignore")[:200]
    except OSError:
        return False


def find_native(version: str) -> Path | None:
    """A native solc of `version` on PATH, if any."""
    found = shutil.which("solc")
    if found and not is_shim(Path(found)) and reported_version(found) == version:
        return Path(found)
    return None


def solcjs_version() -> str | None:
    manifest = SOLCJS_PACKAGE / "package.json"
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text())["version"]


def write_shim(target: Path, node: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "#!/bin/sh\n"
        f"{SHIM_MARKER} (solcjs from npm; regenerate with `greenfi toolchain`)\n"
        # The shim lives in the user's solcx folder but runs one checkout's solcjs: say so when that checkout
        # has gone (moved, deleted), instead of node's stack trace under Brownie's.
        f'if [ ! -f "{SHIM_SCRIPT}" ] || [ ! -d "{SOLCJS_PACKAGE}" ]; then\n'
        f'  echo "greenfi solcjs shim: {SOLCJS_PACKAGE.parent.parent} is gone; run \\`greenfi toolchain\\`'
        f' (or \\`make setup\\`) in your checkout" >&2\n'
        "  exit 1\n"
        "fi\n"
        f'GREENFI_SOLCJS_MODULE="{SOLCJS_PACKAGE}" exec "{node}" "{SHIM_SCRIPT}" "$@"\n'
    )
    target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def resolve_solc(version: str | None = None) -> ResolvedCompiler:
    """Make `solc-v<version>` available to py-solc-x, preferring a native compiler.

    Raises ToolchainError naming what is missing when neither a native solc nor solcjs works.
    """
    version = version or pinned_version()
    target = install_folder() / f"solc-v{version}"

    native = find_native(version)
    if native is not None:
        if is_shim(target) or not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            shutil.copy2(native, target)
        return ResolvedCompiler(version, target, "native")

    if target.exists() and not is_shim(target) and reported_version(target) == version:
        return ResolvedCompiler(version, target, "native")

    node = shutil.which("node")
    js_version = solcjs_version()
    if node is None or js_version != version:
        missing = "Node.js (`node` on PATH)" if node is None else (
            f"npm package solc@{version} (found {js_version or 'none'}; run `npm ci`)"
        )
        raise ToolchainError(
            f"no Solidity compiler {version}: no native solc {version} on PATH and no {missing}"
        )
    write_shim(target, node)
    if reported_version(target) != version:
        raise ToolchainError(f"the solcjs shim at {target} does not run; check `node {SHIM_SCRIPT} --version`")
    return ResolvedCompiler(version, target, "solcjs")
