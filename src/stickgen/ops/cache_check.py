"""`make verify-cache`: rehash every object of the DVC cache against its name; report those whose bytes no
longer match (bit rot, a partial copy, a hand edit).

DVC trusts its cache: a corrupted object whose file keeps its read-only mode passes `dvc status`, and `dvc
checkout` and `dvc repro` restore it into the workspace without a word, so a stage would train on it
(DVC 3.67: tests/integration/test_stage_faults.py). `make repro` runs this check first.

    python -m stickgen.ops.cache_check [--repo .] [--cache DIR]   # exit 1, one line per corrupt object

DVC 3 objects are `<cache>/files/md5/<2 hex>/<30 hex>`: a file's md5 is its name, and a folder's listing
(`<30 hex>.dir`) hashes to its name without `.dir`. Anything else there (DVC's temporary files) is skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

_OBJECT = re.compile(r"([0-9a-f]{2})/([0-9a-f]{30})(\.dir)?")


@dataclass
class CacheReport:
    """What `verify_cache` found: objects rehashed, their bytes, and the corrupt ones with their md5."""

    checked: int = 0
    size: int = 0
    corrupt: list[tuple[Path, str]] = field(default_factory=list)


def file_md5(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "md5").hexdigest()


def verify_cache(objects: Path) -> CacheReport:
    """Rehash every object under `objects` (a DVC 3 `files/md5` folder) against its name."""
    report = CacheReport()
    for path in sorted(p for p in objects.rglob("*") if p.is_file()):
        m = _OBJECT.fullmatch(path.relative_to(objects).as_posix())
        if m is None:
            continue
        actual = file_md5(path)
        report.checked += 1
        report.size += path.stat().st_size
        if actual != m.group(1) + m.group(2):
            report.corrupt.append((path, actual))
    return report


def objects_dir(repo: Path) -> Path:
    """The repository's DVC 3 object folder (`dvc cache dir` honoured)."""
    from dvc.repo import Repo

    with Repo(str(repo)) as r:
        return Path(r.cache.local.path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", type=Path, default=Path("."), help="the DVC repository")
    ap.add_argument("--cache", type=Path, help="a DVC 3 object folder (default: the repository's files/md5)")
    args = ap.parse_args(argv)
    objects = args.cache or objects_dir(args.repo)
    if not objects.is_dir():
        print(f"verify-cache: no DVC cache at {objects}: nothing to check")
        return 0
    report = verify_cache(objects)
    for path, actual in report.corrupt:
        print(
            f"verify-cache: {path}: corrupt (its bytes hash to {actual}); delete it, then `dvc pull` it or "
            "rerun the stage that wrote it (`dvc repro --force <stage>`)",
            file=sys.stderr,
        )
    print(
        f"verify-cache: {report.checked} objects ({report.size / 1e6:.1f} MB) in {objects}: "
        f"{len(report.corrupt)} corrupt"
    )
    return 1 if report.corrupt else 0


if __name__ == "__main__":
    sys.exit(main())
