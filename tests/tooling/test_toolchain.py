"""Compiler resolution: a native solc when there is one, else the solcjs shim; a clear error otherwise."""

import json
import subprocess

import pytest

from greenfi.errors import ToolchainError
from greenfi.toolchain import solc

PINNED = solc.pinned_version()


@pytest.fixture
def install_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(tmp_path / "solcx"))
    return tmp_path / "solcx"


def run_shim(args, stdin=None, cwd=None):
    shim = solc.install_folder() / f"solc-v{PINNED}"
    return subprocess.run([str(shim), *args], input=stdin, capture_output=True, text=True, cwd=cwd, check=False)


def test_resolves_to_solcjs_shim_without_native_solc(install_dir, monkeypatch):
    monkeypatch.setattr(solc, "find_native", lambda version: None)
    resolved = solc.resolve_solc()
    assert resolved.kind == "solcjs"
    assert resolved.path == install_dir / f"solc-v{PINNED}"
    assert solc.reported_version(resolved.path) == PINNED


def test_a_shim_whose_checkout_is_gone_says_so(install_dir, tmp_path, monkeypatch):
    """The shim sits in the user's solcx folder and runs one checkout's solcjs: once that checkout is moved or
    deleted it prints one line naming the fix, not node's stack trace."""
    gone = tmp_path / "old-checkout"
    monkeypatch.setattr(solc, "SOLCJS_PACKAGE", gone / "node_modules" / "solc")
    solc.write_shim(install_dir / f"solc-v{PINNED}", "node")
    result = run_shim(["--version"])
    assert result.returncode == 1
    assert result.stderr.strip() == (f"greenfi solcjs shim: {gone} is gone; run `greenfi toolchain` "
                                     "(or `make setup`) in your checkout")
    assert solc.reported_version(install_dir / f"solc-v{PINNED}") is None


def test_prefers_a_native_solc_on_path(install_dir, tmp_path, monkeypatch):
    native = tmp_path / "bin" / "solc"
    native.parent.mkdir()
    native.write_text(f"#!/bin/sh\necho 'solc, the solidity compiler commandline interface'\necho 'Version: {PINNED}+commit.0.Linux.g++'\n")
    native.chmod(0o755)
    monkeypatch.setenv("PATH", f"{native.parent}:{__import__('os').environ['PATH']}")
    resolved = solc.resolve_solc()
    assert resolved.kind == "native"
    assert not solc.is_shim(resolved.path)


def test_native_of_another_version_is_ignored(install_dir, tmp_path, monkeypatch):
    native = tmp_path / "bin" / "solc"
    native.parent.mkdir()
    native.write_text("#!/bin/sh\necho 'Version: 0.4.26+commit.0.Linux.g++'\n")
    native.chmod(0o755)
    monkeypatch.setenv("PATH", f"{native.parent}:{__import__('os').environ['PATH']}")
    assert solc.resolve_solc().kind == "solcjs"


def test_missing_node_is_named(install_dir, monkeypatch):
    monkeypatch.setattr(solc, "find_native", lambda version: None)
    monkeypatch.setattr(solc.shutil, "which", lambda name: None)
    with pytest.raises(ToolchainError, match=r"no native solc .* and no Node.js"):
        solc.resolve_solc()


def test_wrong_solcjs_version_is_named(install_dir, monkeypatch):
    monkeypatch.setattr(solc, "find_native", lambda version: None)
    monkeypatch.setattr(solc, "solcjs_version", lambda: "0.8.1")
    with pytest.raises(ToolchainError, match=rf"npm package solc@{PINNED} \(found 0.8.1; run `npm ci`\)"):
        solc.resolve_solc()


def test_shim_speaks_version_and_standard_json(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "Lib.sol").write_text("pragma solidity ^0.8.0; library Lib { function one() internal pure returns (uint) { return 1; } }")
    source = 'pragma solidity ^0.8.0; import "lib/Lib.sol"; contract A { function f() external pure returns (uint) { return Lib.one(); } }'
    request = {
        "language": "Solidity",
        "sources": {"A.sol": {"content": source}},
        "settings": {"outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}},
    }
    assert run_shim(["--version"]).stdout.splitlines()[1].startswith(f"Version: {PINNED}+")
    out = run_shim(["--standard-json", "--allow-paths", str(tmp_path)], json.dumps(request), cwd=tmp_path)
    compiled = json.loads(out.stdout)
    assert not [e for e in compiled.get("errors", []) if e["severity"] == "error"]
    assert compiled["contracts"]["A.sol"]["A"]["evm"]["bytecode"]["object"]


def test_shim_refuses_imports_outside_allowed_paths(tmp_path):
    source = 'pragma solidity ^0.8.0; import "../../etc/passwd.sol"; contract A {}'
    request = {"language": "Solidity", "sources": {"A.sol": {"content": source}}, "settings": {}}
    out = run_shim(["--standard-json"], json.dumps(request), cwd=tmp_path)
    errors = json.loads(out.stdout)["errors"]
    assert any("not found" in e["message"].lower() for e in errors)


def test_shim_rejects_unsupported_arguments():
    out = run_shim(["--bin", "x.sol"])
    assert out.returncode == 2 and "unsupported argument --bin" in out.stderr
