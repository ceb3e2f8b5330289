"""Load a packaged (or user-overriding) JSON data file into its pydantic model.

A broken file fails loudly with the file name and the path of the bad field (architecture §core).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from carbon_kepler.core.errors import DataFileError

M = TypeVar("M", bound=BaseModel)


def packaged_path(name: str) -> Path:
    return Path(str(resources.files("carbon_kepler") / "data" / name))


def load_model(model: type[M], name_or_path: str | Path) -> M:
    path = Path(name_or_path)
    if not path.is_absolute() and not path.exists():
        path = packaged_path(str(name_or_path))
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataFileError(f"data file {path} not found") from exc
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise DataFileError(
            f"{path}: field {loc}: {first['msg']}", hint=f"{exc.error_count()} problem(s); fix the file"
        ) from exc
