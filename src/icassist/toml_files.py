"""The TOML files users edit (manifest, gazetteer, thresholds) read whole through pydantic models.

One reader and one error format, so every problem names the file, the entry (by its position and its key, e.g.
``[[source]] entry 2 (file='x.txt')``) and the field, whichever file it is in.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def load_toml(path: Path, model: type[Model], error: type[ValueError], entry_key: str = "") -> Model:
    """`model` validated from the file at `path`; any problem is raised as `error` with a message a user can act on."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise error(f"{path}: not valid TOML ({exc})") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            _describe(e["loc"], _message(e["type"], e["msg"], e["loc"]), data, entry_key) for e in exc.errors()
        )
        raise error(f"{path}: {problems}") from exc


def _message(kind: str, message: str, loc: tuple[int | str, ...]) -> str:
    """Pydantic's wording where it is clear; TOML's own words where a user would not recognise it."""
    if kind == "list_type" and len(loc) == 1:
        return f"must be an array of tables ([[{loc[0]}]])"
    if kind in ("model_type", "dict_type"):
        return "must be a table"
    if kind == "extra_forbidden":
        return "unknown key; check its spelling"
    return message


def _describe(loc: tuple[int | str, ...], message: str, data: dict[str, Any], entry_key: str) -> str:
    message = message.removeprefix("Value error, ")
    if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(data.get(str(loc[0])), list):
        entry = data[str(loc[0])][loc[1]]
        key = entry.get(entry_key) if isinstance(entry, dict) and entry_key else None
        where = f"[[{loc[0]}]] entry {loc[1] + 1}" + (f" ({entry_key}={key!r})" if key is not None else "")
        field = ".".join(str(part) for part in loc[2:])
        return f"{where}: {field + ': ' if field else ''}{message}"
    field = ".".join(str(part) for part in loc)
    return f"{field + ': ' if field else ''}{message}"
