"""Raw-dataset converters: one module per dataset, behind a registry `name -> Converter`.

`get_converter(name)` returns the converter of a dataset name used in `params.yaml` (`datasets`);
`sources.base` holds the shared driver (`run_conversion`, `convert_dataset`, `takes_to_clips`).
To add a dataset: write `sources/<name>.py` with a `Converter` subclass and list it in `_CONVERTERS`.
"""

from __future__ import annotations

from stickgen.sources.base import (
    ConversionError,
    Converter,
    SourceError,
    Take,
    convert_dataset,
    run_conversion,
    takes_to_clips,
)
from stickgen.sources.humanml3d import HumanML3DConverter

_CONVERTERS: dict[str, type[Converter]] = {cls.name: cls for cls in (HumanML3DConverter,)}


def known_datasets() -> list[str]:
    """Names with a registered converter, sorted."""
    return sorted(_CONVERTERS)


def get_converter(name: str) -> Converter:
    """A new converter for dataset `name`; a clear error for a name without one."""
    if name in _CONVERTERS:
        return _CONVERTERS[name]()
    raise ValueError(f"unsupported dataset [{name}]; known: {known_datasets()}")


__all__ = [
    "ConversionError",
    "Converter",
    "SourceError",
    "Take",
    "convert_dataset",
    "get_converter",
    "known_datasets",
    "run_conversion",
    "takes_to_clips",
]
