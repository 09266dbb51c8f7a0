"""Artefact files: canonical JSON, SHA-256 manifests, library versions and all-or-nothing output.

A model directory is built in a hidden sibling directory and renamed into place only when complete, so a
failure leaves nothing behind; `SHA256SUMS` (the `sha256sum` format) lets `load` detect tampering.
"""

import hashlib
import json
import os
import platform
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import lightgbm
import numpy
import pandas

from models.errors import ModelError

MANIFEST = "SHA256SUMS"


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, data: Any) -> None:
    """Write `data` as sorted, indented JSON so equal content gives equal bytes."""
    text = json.dumps(data, sort_keys=True, indent=2, allow_nan=False, ensure_ascii=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def library_versions() -> dict[str, str]:
    """Versions that determine the model bytes and predictions."""
    return {
        "python": platform.python_version(),
        "lightgbm": lightgbm.__version__,
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
    }


def write_manifest(directory: Path) -> None:
    """Write SHA256SUMS covering every other file in `directory`."""
    names = sorted(p.name for p in Path(directory).iterdir() if p.is_file() and p.name != MANIFEST)
    lines = [f"{sha256_file(Path(directory) / name)}  {name}\n" for name in names]
    (Path(directory) / MANIFEST).write_text("".join(lines), encoding="ascii")


def verify_manifest(directory: Path) -> None:
    """Raise ModelError unless every file listed in SHA256SUMS exists with the recorded hash."""
    manifest = Path(directory) / MANIFEST
    if not manifest.is_file():
        raise ModelError(f"{directory} is not a model directory: {MANIFEST} missing")
    for line in manifest.read_text(encoding="ascii").splitlines():
        expected, name = line.split("  ", 1)
        path = Path(directory) / name
        if not path.is_file() or sha256_file(path) != expected:
            raise ModelError(f"{path} does not match its hash in {MANIFEST}")


def read_verified_card(model_dir: Path, card_file: str, card_format: str) -> dict:
    """The model card of `model_dir` after checking every file against SHA256SUMS and the card's
    format; ModelError names what is wrong."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelError(f"model directory {model_dir} not found")
    verify_manifest(model_dir)
    card = read_json(model_dir / card_file)
    if card.get("format") != card_format:
        raise ModelError(f"{model_dir} holds a {card.get('format')!r} model, not {card_format!r}")
    return card


def check_output_dir(out_dir: Path) -> None:
    """Refuse to overwrite: the output directory must be absent or empty."""
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise ModelError(f"output {out_dir} already exists and is not an empty directory")


@contextmanager
def staged_dir(out_dir: Path) -> Iterator[Path]:
    """Yield a scratch directory that becomes `out_dir` (with SHA256SUMS) only if the block succeeds."""
    out_dir = Path(out_dir)
    check_output_dir(out_dir)
    stage = _scratch_path(out_dir)
    stage.mkdir(parents=True)
    try:
        yield stage
        write_manifest(stage)
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        os.replace(stage, out_dir)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@contextmanager
def staged_file(out_path: Path) -> Iterator[Path]:
    """Yield a scratch path that replaces `out_path` only if the block succeeds."""
    out_path = Path(out_path)
    scratch = _scratch_path(out_path)
    scratch.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield scratch
        os.replace(scratch, out_path)
    finally:
        scratch.unlink(missing_ok=True)


def _scratch_path(target: Path) -> Path:
    # A hidden sibling on the same file system, so the final rename is atomic; created with the
    # ordinary umask (tempfile's 0600/0700 modes would leak into the published output).
    return target.parent / f".{target.name}.{uuid.uuid4().hex}.partial"
