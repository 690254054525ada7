"""Plain JSON data from what numpy and dataclass-free code hand around (the one converter, shared by the
animator's take metadata and the generator's safety verdicts), and a JSON file read with a clear error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def jsonable(value: Any, decimals: int | None = None) -> Any:
    """`value` as plain Python: mappings (keys as strings), sequences and arrays as lists, numpy scalars as
    Python numbers (floats rounded to `decimals` places when given), None and strings as they are, anything
    else as its `str`."""
    if isinstance(value, dict):
        return {str(k): jsonable(v, decimals) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v, decimals) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if decimals is None else round(float(value), decimals)
    if value is None or isinstance(value, str):
        return value
    return str(value)


def read_json(path: Path) -> Any:
    """The JSON document in `path`; ValueError naming it when it is not UTF-8 JSON text."""
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not valid JSON: not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:  # also an integer of thousands of digits
        raise ValueError(f"{path}: not valid JSON: {str(exc)[:200]}") from None
