"""The browser the tests drive: Debian's chromium (`make test` installs it when run as root), found on PATH.

Where it is absent the browser tests skip with the reason, except under `make test`, which sets
STICKGEN_REQUIRE_BROWSER=1: there a missing browser fails them (CI must not skip them silently).
Screenshots go to STICKGEN_TEST_ARTIFACTS (default: test-artifacts/ in the repository).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers import ROOT

CHROMIUM = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None
)
REQUIRED = os.environ.get("STICKGEN_REQUIRE_BROWSER") == "1"
MISSING = "headless Chromium is not installed (apt-get install -y chromium, or run `make test` as root)"


def require_chromium() -> str:
    """The browser's path; skips the test where there is none, fails it under `make test`."""
    if CHROMIUM is None:
        if REQUIRED:
            pytest.fail(f"{MISSING}; STICKGEN_REQUIRE_BROWSER=1 (make test) does not allow skipping")
        pytest.skip(MISSING)
    return CHROMIUM


def artifact_dir() -> Path:
    out = Path(os.environ.get("STICKGEN_TEST_ARTIFACTS", ROOT / "test-artifacts"))
    out.mkdir(parents=True, exist_ok=True)
    return out
