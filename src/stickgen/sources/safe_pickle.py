"""Load a dataset's `.pkl` files without running arbitrary code: only numpy arrays and plain data.

AIST++ and InterHuman ship their motions as pickles. `pickle.load` on a damaged or hostile file can
call any importable function, so these files are read with an unpickler that resolves only the
globals numpy arrays and scalars need (NumPy 1.x and 2.x names) and `_codecs.encode` (protocol-2
byte strings). Anything else is a `SourceError`, as is any decoding failure.

Sizes are bounded too: the file itself, and every array or scalar a pickle asks numpy to build, must
stay within `sources.base.MAX_ARRAY_BYTES`, checked before numpy allocates it (a 133-byte pickle can
otherwise ask `_reconstruct` for 200 million elements). `numpy.ndarray` may only be named as the type
that `_reconstruct` builds, never called directly (numpy's own pickles never call it).
"""

from __future__ import annotations

import functools
import io
import math
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from stickgen.sources import base
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


class _NdarrayName:
    """What a data pickle's `numpy.ndarray` global resolves to: the type argument of `_reconstruct`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise pickle.UnpicklingError("numpy.ndarray(...) is called directly: numpy's own pickles never do")


_NDARRAY = _NdarrayName()


def _check_size(shape: Any, dtype: Any) -> None:
    """UnpicklingError when an array of `shape` x `dtype` would be over MAX_ARRAY_BYTES."""
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    if not all(isinstance(d, int) and d >= 0 for d in dims):
        raise pickle.UnpicklingError(f"bad array shape {shape!r}")
    nbytes = math.prod(dims) * np.dtype(dtype).itemsize
    if nbytes > base.MAX_ARRAY_BYTES:
        raise pickle.UnpicklingError(
            f"an array of shape {tuple(dims)} x {np.dtype(dtype).itemsize} bytes ({nbytes / 2**20:.0f} MiB) "
            f"is over the limit {base.MAX_ARRAY_BYTES / 2**20:.0f} MiB (sources.base.MAX_ARRAY_BYTES)"
        )


# numpy's pickle helpers, each behind a size check; the first argument is numpy's own function


def _reconstruct(real: Any, subtype: Any, shape: Any, dtype: Any) -> Any:
    if subtype is not _NDARRAY:
        raise pickle.UnpicklingError(f"_reconstruct of {subtype!r}: only numpy.ndarray is allowed")
    _check_size(shape, dtype)
    return real(np.ndarray, shape, dtype)


def _frombuffer(real: Any, buf: Any, dtype: Any, shape: Any, *rest: Any) -> Any:
    _check_size(shape, dtype)
    return real(buf, dtype, shape, *rest)


def _scalar(real: Any, dtype: Any, *obj: Any) -> Any:
    _check_size((), dtype)
    return real(dtype, *obj)


_BOUNDED = {"_reconstruct": _reconstruct, "_frombuffer": _frombuffer, "scalar": _scalar}


class _NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a data file")
        if (module, name) == ("numpy", "ndarray"):
            return _NDARRAY
        real = super().find_class(module, name)
        return functools.partial(_BOUNDED[name], real) if name in _BOUNDED else real


def load_pickle(path: Path, label: str) -> Any:
    """Unpickle `path` allowing only numpy data; `SourceError` (naming `label`) for anything else."""
    try:
        size = path.stat().st_size
        if size > base.MAX_ARRAY_BYTES:
            raise SourceError(
                f"{label}: {size / 2**20:.0f} MiB, over the limit {base.MAX_ARRAY_BYTES / 2**20:.0f} MiB "
                f"(sources.base.MAX_ARRAY_BYTES)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{label}: cannot be read ({exc})") from None
    if not data:
        raise SourceError(f"{label}: the file is empty")
    try:
        return _NumpyOnlyUnpickler(io.BytesIO(data), encoding="latin1").load()
    except Exception as exc:  # pickle raises many types (EOFError, KeyError, ValueError, ...) for bad bytes
        raise SourceError(f"{label}: not a readable data pickle ({type(exc).__name__}: {exc})") from None
