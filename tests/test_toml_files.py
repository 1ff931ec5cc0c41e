"""The one reader of user-edited TOML files: every problem names the file, the entry and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from icassist.toml_files import load_toml


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    size: int = 0


class Items(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: list[Item] = []


class Broken(ValueError):
    pass


def load(tmp_path: Path, text: str | bytes) -> Items:
    path = tmp_path / "items.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return load_toml(path, Items, Broken, entry_key="name")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[item]]\nname = "a"\n[[item]]\nname = "b"\nsize = "big"\n', "[[item]] entry 2 (name='b'): size: Input"),
        ("[[item]]\nsize = 1\n", "[[item]] entry 1: name: Field required"),
        ('[[item]]\nname = "a"\nsise = 1\n', "entry 1 (name='a'): sise: unknown key; check its spelling"),
        ('item = "a"\n', "item: must be an array of tables ([[item]])"),
        ("item = [1]\n", "[[item]] entry 1: must be a table"),
        ('[[item]\nname = "a"\n', "not valid TOML"),
        (b"\xff\xfe[[item]]", "not valid TOML"),
    ],
)
def test_problems_name_file_entry_and_field(tmp_path: Path, text: str | bytes, expected: str) -> None:
    with pytest.raises(Broken) as caught:
        load(tmp_path, text)
    assert str(caught.value).startswith(str(tmp_path / "items.toml") + ": ") and expected in str(caught.value)


def test_a_good_file_is_the_model(tmp_path: Path) -> None:
    assert load(tmp_path, '[[item]]\nname = "a"\nsize = 2\n') == Items(item=[Item(name="a", size=2)])
