"""The wheel as a user installs it (`pip install .`, not editable): its layout and a run from an unrelated folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, cli_env, make_corpus

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(PROJECT_ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("icassist-*.whl")
    return built


def test_wheel_installs_ingest_under_the_project_name(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "icassist/ingest/pipeline.py" in names and "icassist/ingest/readers.py" in names
    assert not [n for n in names if n.startswith("ingest/")], "a generic top-level `ingest` would clash"


def test_installed_copy_ingests_and_answers_from_any_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    home = tmp_path / "home"
    make_corpus(home / "corpus")
    script = (
        "import sys, icassist\n"
        "assert icassist.__file__.startswith(sys.argv[1]), icassist.__file__\n"
        "from icassist.cli import main\n"
        "assert main(['ingest', '--quiet']) == 0\n"
        "assert main(['status']) == 0\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(site)],
        cwd=home,
        env=cli_env(PYTHONPATH=str(site), HF_HUB_OFFLINE="1"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert (home / "data" / "chroma").is_dir()
    assert "chunks" in run.stdout
    missing = subprocess.run(
        [sys.executable, "-c", "import ingest"], cwd=tmp_path, env=cli_env(PYTHONPATH=str(site)), check=False
    )
    assert missing.returncode != 0
