"""Settings: one object, paths anchored at a home folder rather than at wherever the package is installed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from icassist.settings import CorpusSettings, Settings


@pytest.fixture(autouse=True)
def no_icassist_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other tests' fixtures point ICASSIST_* at their stores; these tests read the defaults."""
    for name in [n for n in os.environ if n.startswith("ICASSIST_")]:
        monkeypatch.delenv(name)


def test_relative_paths_are_taken_from_home(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert settings.corpus.dir == tmp_path / "corpus"
    assert settings.store.path == tmp_path / "data" / "chroma"
    assert settings.app.feedback_path == tmp_path / "data" / "feedback.sqlite"
    assert settings.evals_dir == tmp_path / "evals" and settings.models_dir == tmp_path / "data" / "models"


def test_home_defaults_to_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings().corpus.dir == tmp_path.resolve() / "corpus"


def test_environment_sets_home_and_absolute_paths_stay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICASSIST_HOME", str(tmp_path))
    monkeypatch.setenv("ICASSIST_STORE__PATH", "/srv/icassist/chroma")
    settings = Settings(corpus=CorpusSettings(dir=Path("reports")))
    assert settings.corpus.dir == tmp_path / "reports"
    assert settings.store.path == Path("/srv/icassist/chroma")


def test_command_line_paths_are_taken_from_the_current_folder_and_leave_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, here = tmp_path / "home", tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    settings = Settings(home=home)
    copy = settings.with_paths("mine", None)
    assert copy.corpus.dir == here.resolve() / "mine" and copy.store.path == home / "data" / "chroma"
    assert settings.corpus.dir == home / "corpus"
