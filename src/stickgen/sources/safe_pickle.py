"""Load a dataset's `.pkl` files without running arbitrary code: only numpy arrays and plain data.

AIST++ and InterHuman ship their motions as pickles. `pickle.load` on a damaged or hostile file can
call any importable function, so these files are read with an unpickler that resolves only the
globals numpy arrays and scalars need (NumPy 1.x and 2.x names) and `_codecs.encode` (protocol-2
byte strings). Anything else is a `SourceError`, as is any decoding failure.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from stickgen.sources.base import SourceError

_ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        ("_codecs", "encode"),
    }
)


class _NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a data file")
        return super().find_class(module, name)


def load_pickle(path: Path, label: str) -> Any:
    """Unpickle `path` allowing only numpy data; `SourceError` (naming `label`) for anything else."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{label}: cannot be read ({exc})") from None
    if not data:
        raise SourceError(f"{label}: the file is empty")
    try:
        return _NumpyOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()
    except Exception as exc:  # pickle raises many types (EOFError, KeyError, ValueError, ...) for bad bytes
        raise SourceError(f"{label}: not a readable data pickle ({type(exc).__name__}: {exc})") from None
