"""Shared fixtures (helpers live in tests/helpers.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from helpers import tiny_params_dict

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def tiny_params(tmp_path: Path) -> Path:
    """A params.yaml with tiny sizes (tiny model, few clips, 2 epochs), written into tmp_path."""
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(tiny_params_dict(), sort_keys=False))
    return path
