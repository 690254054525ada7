"""Strict, typed configuration objects from plain YAML data, and a record of which keys code reads.

`build(tp, value, path)` makes a frozen dataclass (or a list, mapping, union, literal of them) from parsed
YAML: an unknown or missing key, or a value of the wrong type, is a `ConfigError` whose message starts with
the key path (`train.pretrain.lr`). `to_dict` goes back. `recording(root)` records the key paths read on
objects `build` made (`stickgen.core.config.recording` for params.yaml).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import types
import typing
from collections.abc import Iterator
from typing import Any, Literal


class ConfigError(ValueError):
    """A params.yaml problem; the message starts with the key path."""


# Validation in __post_init__ names keys relative to its own section; `build` prefixes the path.


def check(cond: bool, path: str, msg: str) -> None:
    if not cond:
        raise ConfigError(f"{path}: {msg}")


def _is_instance(value: Any, tp: Any) -> bool:
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, tp)


def build(tp: Any, value: Any, path: str) -> Any:
    """Build `tp` from plain YAML data, strictly; errors name `path`."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        check(isinstance(value, dict), path or "<root>", f"expected a mapping, got {type(value).__name__}")
        hints = typing.get_type_hints(tp)
        names = [f.name for f in dataclasses.fields(tp)]
        unknown = sorted(set(value) - set(names))
        missing = [n for n in names if n not in value]
        prefix = f"{path}." if path else ""
        if unknown:
            raise ConfigError(f"{prefix}{unknown[0]}: unknown key (known: {names})")
        if missing:
            raise ConfigError(f"{prefix}{missing[0]}: missing key")
        kwargs = {n: build(hints[n], value[n], f"{prefix}{n}") for n in names}
        try:
            obj = tp(**kwargs)
        except ConfigError as exc:  # __post_init__ names keys relative to its section
            raise ConfigError(f"{prefix}{exc}") from None
        object.__setattr__(obj, _KEY_PATH, prefix)  # where its fields sit in params.yaml (`recording`)
        return obj
    if origin is dict:
        kt, vt = typing.get_args(tp)
        check(isinstance(value, dict), path, f"expected a mapping, got {type(value).__name__}")
        return {build(kt, k, f"{path}.<key>"): build(vt, v, f"{path}.{k}") for k, v in value.items()}
    if origin is list:
        (it,) = typing.get_args(tp)
        check(isinstance(value, list), path, f"expected a list, got {type(value).__name__}")
        return [build(it, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if origin is Literal:
        check(value in typing.get_args(tp), path, f"must be one of {typing.get_args(tp)}, got {value!r}")
        return value
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is type(None) and value is None:
                return None
            if arg is not type(None) and _is_instance(value, arg):
                return build(arg, value, path)
        raise ConfigError(f"{path}: expected {tp}, got {value!r}")
    check(_is_instance(value, tp), path, f"expected {tp.__name__}, got {type(value).__name__} {value!r}")
    if tp is float:  # no setting means infinity or NaN (`guidance_scale: .inf` passed, then made NaN joints)
        check(math.isfinite(value), path, f"must be a finite number, got {value!r}")
        return float(value)
    return value


def to_dict(obj: Any) -> Any:
    """A dataclass config back to plain YAML/JSON data (round-trips through `build`)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    return obj


# --- which keys the code reads -----------------------------------------------------------------------
# Inside `with recording() as reads:`, every field read on a config object that `build` made adds its key
# path to `reads` (`train.pretrain.lr`; a list or a mapping of plain values is one key, such as `datasets`
# or `select.weights`). tests/readiness/test_ready_params.py runs every dvc.yaml stage so and checks that
# the stage declares each key its code read.

_KEY_PATH = "_params_key_path"  # set by `build` on each config object: "train.pretrain." ("" at the root)
_reads: set[str] | None = None


def _is_section(value: Any) -> bool:
    """A config object, or a mapping of them (`model.variants`): the reads are of their own fields."""
    if isinstance(value, dict) and value:
        return all(dataclasses.is_dataclass(v) for v in value.values())
    return dataclasses.is_dataclass(value)


def _recording_getattribute(self: Any, name: str) -> Any:
    value = object.__getattribute__(self, name)
    if _reads is not None and name in type(self).__dataclass_fields__:
        prefix = object.__getattribute__(self, "__dict__").get(_KEY_PATH)
        if prefix is not None and not _is_section(value):
            _reads.add(prefix + name)
    return value


def _config_classes(tp: Any, seen: set[type]) -> set[type]:
    """Every dataclass reachable from `tp` through field types (mappings, lists and unions included)."""
    if isinstance(tp, type) and dataclasses.is_dataclass(tp) and tp not in seen:
        seen.add(tp)
        for hint in typing.get_type_hints(tp).values():
            _config_classes(hint, seen)
    for arg in typing.get_args(tp):
        _config_classes(arg, seen)
    return seen


@contextlib.contextmanager
def recording(root: type) -> Iterator[set[str]]:
    """Record the keys read on config objects of `root`'s tree while the block runs (see above); yields the
    set that fills up."""
    global _reads
    if _reads is not None:
        raise RuntimeError("params reads are already being recorded")
    classes = _config_classes(root, set())
    _reads = reads = set()
    for cls in classes:
        cls.__getattribute__ = _recording_getattribute
    try:
        yield reads
    finally:
        for cls in classes:
            del cls.__getattribute__
        _reads = None
