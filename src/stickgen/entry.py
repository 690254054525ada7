"""What the entry points (`stages/*.py` and the `stickgen` command) share: params read with one-line errors.

A params file that cannot be used (missing, a YAML syntax error, an unknown or missing key, a value of the
wrong type or out of range) stops a stage or a command with one line naming the file and the key, never a
traceback:

    p = stage_params(args.params, "curate")   # a stage: SystemExit("curate: params.yaml: curate.min_s: ...")
    p = read_params(args.params)              # a command: ParamsFileError (a ValueError) with that line

A write that the storage refuses (a full disk, a file-size limit: `stickgen.core.atomic.WriteError`) stops a
stage with one line naming the file, too: `if __name__ == "__main__": run_stage(main, "curate")`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path

import yaml

from stickgen.core.atomic import WriteError, atomic_write_text
from stickgen.core.config import ConfigError, Params, load_params

# what reading a params file raises for a bad file (UnicodeDecodeError: not text)
PARAMS_ERRORS = (ConfigError, yaml.YAMLError, OSError, UnicodeDecodeError)


class ParamsFileError(ValueError):
    """A params file cannot be used; the message is one line naming the file and the key or the problem."""


def params_problem(path: str | os.PathLike, exc: BaseException) -> str:
    """One line about the params file `path` that raised `exc` while loading."""
    if isinstance(exc, yaml.YAMLError):
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return f"{path}: YAML syntax error{where}: {problem}"
    if isinstance(exc, FileNotFoundError):
        return f"params file not found: {path} (run inside the repository or pass --params)"
    if isinstance(exc, OSError):
        return f"{path}: cannot be read ({exc.strerror or type(exc).__name__})"
    if isinstance(exc, UnicodeDecodeError):
        return f"{path}: not a text file ({exc.reason} at byte {exc.start})"
    return f"{path}: {' '.join(str(exc).split())}"


def read_params(path: str | os.PathLike) -> Params:
    """`config.load_params`, every failure a `ParamsFileError` with one line (see `params_problem`)."""
    try:
        return load_params(Path(path))
    except PARAMS_ERRORS as exc:
        raise ParamsFileError(params_problem(path, exc)) from None


DEFAULT_PARAMS = Path("params.yaml")


def command_params(path: str | os.PathLike | None, required: bool) -> Params | None:
    """The params file of a `stickgen` command, read with one-line errors (`read_params`): `path`, or (None)
    the working folder's params.yaml. A file that is not there stops the command with `SystemExit` naming
    it, except the default one of a command that has built-in defaults (`required` False): None. A path
    the user gave is never passed over (a mistyped `--params` used to run on the defaults)."""
    if path is None and not required and not DEFAULT_PARAMS.is_file():
        return None
    path = Path(DEFAULT_PARAMS if path is None else path)
    if path.is_file():
        return read_params(path)
    raise SystemExit(f"stickgen: params file not found: {path} (run inside the repository or pass --params)")


def stage_params(path: str | os.PathLike, stage: str) -> Params:
    """`read_params` for a stage script: a bad file exits with `<stage>: <the one line>` (status 1)."""
    try:
        return read_params(path)
    except ParamsFileError as exc:
        raise SystemExit(f"{stage}: {exc}") from None


def run_stage(main: Callable[[], None], stage: str) -> None:
    """Run a stage script's `main`; a refused write exits with `<stage>: cannot write <file>: <reason> ...`
    (status 1) instead of a traceback."""
    try:
        main()
    except WriteError as exc:
        raise SystemExit(f"{stage}: {exc}") from None


def write_metrics(path: Path, report: dict) -> None:
    """A stage's metrics JSON (sorted keys) with the UTC time it was written: for an output DVC does not
    cache (a timestamp inside a cached output would change its hash on every run)."""
    stamped = {**report, "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    atomic_write_text(path, json.dumps(stamped, indent=2, sort_keys=True) + "\n")
