"""String columns of the canonical, curated and embedded stores (docs/schema.md, "String columns").

A column of N strings is stored as two tensors: `<name>.utf8` (uint8, every string's UTF-8 bytes one
after the other) and `<name>.offsets` (int64 (N + 1,): string i is bytes [offsets[i], offsets[i+1])).
A column of N lists of strings (a clip's captions) adds `<name>.lists` (int64 (N + 1,): list i is
strings [lists[i], lists[i+1])). Loading is two memory-mapped tensors instead of N Python objects
(1M clips: 22 s as lists of str, well under 2 s as columns; bench/load.py), and a string is decoded
only when it is read.

`Strings` and `StringLists` are the read-only sequences a loaded store shows under the column's name;
`pack` turns a column (a list, or one of these views, whose tensors are reused as they are) into the
tensors to save, and `views` turns the stored tensors of a file back into the sequences.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np
import torch

UTF8, OFFSETS, LISTS = ".utf8", ".offsets", ".lists"


class StringColumnError(ValueError):
    """Stored string tensors break the layout; the message names the column and why."""


class Strings(Sequence[str]):
    """N strings over stored UTF-8 bytes and offsets (decoded on access)."""

    def __init__(self, utf8: torch.Tensor, offsets: torch.Tensor) -> None:
        self.utf8, self.offsets = utf8, offsets
        self._bytes = utf8.numpy()
        self._offs = offsets.numpy()

    def __len__(self) -> int:
        return len(self._offs) - 1

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"string index {i} out of range for {n} strings")
        i %= n
        return self._bytes[self._offs[i] : self._offs[i + 1]].tobytes().decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        return iter(self.tolist())

    def tolist(self) -> list[str]:
        """Every string, decoded in one pass over the bytes."""
        raw, offs = self._bytes.tobytes(), self._offs.tolist()
        return [raw[a:b].decode("utf-8") for a, b in zip(offs[:-1], offs[1:], strict=True)]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Strings | list | tuple):
            return len(self) == len(other) and self.tolist() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Strings({len(self)})"


class StringLists(Sequence[list[str]]):
    """N lists of strings: `Strings` of every string plus where each list starts."""

    def __init__(self, strings: Strings, lists: torch.Tensor) -> None:
        self.strings, self.lists = strings, lists
        self._lists = lists.numpy()

    def __len__(self) -> int:
        return len(self._lists) - 1

    @overload
    def __getitem__(self, i: int) -> list[str]: ...
    @overload
    def __getitem__(self, i: slice) -> list[list[str]]: ...
    def __getitem__(self, i: int | slice) -> list[str] | list[list[str]]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"list index {i} out of range for {n} lists")
        i %= n
        return [self.strings[k] for k in range(int(self._lists[i]), int(self._lists[i + 1]))]

    def __iter__(self) -> Iterator[list[str]]:
        flat, offs = self.strings.tolist(), self._lists.tolist()
        return (flat[a:b] for a, b in zip(offs[:-1], offs[1:], strict=True))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StringLists | list | tuple):
            return len(self) == len(other) and list(self) == [list(x) for x in other]
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StringLists({len(self)})"


def _encode(values: Sequence[str], name: str) -> tuple[torch.Tensor, torch.Tensor]:
    if isinstance(values, Strings):
        return values.utf8, values.offsets
    encoded = []
    for k, v in enumerate(values):
        if not isinstance(v, str):
            raise TypeError(f"string column [{name}]: entry {k} is {type(v).__name__}, not str")
        encoded.append(v.encode("utf-8"))
    sizes = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    utf8 = np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()
    return torch.from_numpy(utf8), torch.from_numpy(offsets)


def pack(name: str, values: Sequence[str] | Sequence[Sequence[str]], nested: bool = False) -> dict[str, Any]:
    """The tensors that store column `name`: `{name.utf8, name.offsets}` (+ `name.lists` when `nested`,
    a column of lists of strings). Views of a loaded store reuse their tensors without decoding."""
    if not nested:
        utf8, offsets = _encode(values, name)  # type: ignore[arg-type]
        return {name + UTF8: utf8, name + OFFSETS: offsets}
    if isinstance(values, StringLists):
        strings, lists = values.strings, values.lists
        return {name + UTF8: strings.utf8, name + OFFSETS: strings.offsets, name + LISTS: lists}
    sizes = np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values))
    lists_np = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(sizes, out=lists_np[1:])
    for k, v in enumerate(values):
        if isinstance(v, str) or not isinstance(v, Sequence):
            kind = type(v).__name__
            raise TypeError(f"string list column [{name}]: entry {k} is {kind}, not a list of str")
    utf8, offsets = _encode([s for v in values for s in v], name)
    return {name + UTF8: utf8, name + OFFSETS: offsets, name + LISTS: torch.from_numpy(lists_np)}


def _check_offsets(offsets: Any, end: int, name: str, what: str) -> None:
    if not isinstance(offsets, torch.Tensor) or offsets.dtype != torch.int64 or offsets.ndim != 1:
        raise StringColumnError(f"string column [{name}]: {what} must be an int64 vector")
    if offsets.numel() < 1 or int(offsets[0]) != 0 or int(offsets[-1]) != end:
        raise StringColumnError(f"string column [{name}]: {what} must run from 0 to {end}")
    if offsets.numel() > 1 and bool((offsets[1:] < offsets[:-1]).any()):
        raise StringColumnError(f"string column [{name}]: {what} decrease")


def view(data: dict[str, Any], name: str) -> Strings | StringLists:
    """The sequence stored as column `name` of a loaded file; StringColumnError when it is missing or
    its tensors break the layout (bytes that are not UTF-8 raise UnicodeDecodeError when read)."""
    utf8, offsets = data.get(name + UTF8), data.get(name + OFFSETS)
    if utf8 is None or offsets is None:
        raise StringColumnError(f"string column [{name}] is missing (`{name}{UTF8}`, `{name}{OFFSETS}`)")
    if not isinstance(utf8, torch.Tensor) or utf8.dtype != torch.uint8 or utf8.ndim != 1:
        raise StringColumnError(f"string column [{name}]: `{name}{UTF8}` must be a uint8 vector")
    _check_offsets(offsets, utf8.numel(), name, f"`{name}{OFFSETS}`")
    strings = Strings(utf8, offsets)
    if name + LISTS not in data:
        return strings
    lists = data[name + LISTS]
    _check_offsets(lists, len(strings), name, f"`{name}{LISTS}`")
    return StringLists(strings, lists)
