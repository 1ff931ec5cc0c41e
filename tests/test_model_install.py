"""The local model's installer: verified assembly from parts, default place under the settings' home."""

from __future__ import annotations

from pathlib import Path

import pytest

from icassist import model_install
from icassist.model_install import MODEL_FILE, ModelInstallError, assemble, sha256_file
from icassist.settings import Settings


def test_assemble_refuses_wrong_digest(tmp_path: Path) -> None:
    parts = [tmp_path / "a.bin", tmp_path / "b.bin"]
    parts[0].write_bytes(b"abc")
    parts[1].write_bytes(b"def")
    dest = tmp_path / "model.gguf"
    with pytest.raises(ModelInstallError, match="SHA-256"):
        assemble(parts, dest, expected_sha256="0" * 64)
    assert not dest.exists() and not list(tmp_path.glob("*.partial"))
    whole = tmp_path / "whole.bin"
    whole.write_bytes(b"abcdef")
    assemble(parts, dest, expected_sha256=sha256_file(whole))
    assert dest.read_bytes() == b"abcdef"


def test_default_destination_is_under_home_not_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(model_install, "get_settings", lambda: Settings(home=tmp_path))
    with pytest.raises(SystemExit):
        model_install.main(["--help"])
    assert str(tmp_path / "data" / "models" / MODEL_FILE) in "".join(capsys.readouterr().out.split())
