"""The evaluation's fixed prompt sets (`prompts.yaml`, package data) and their precomputed embeddings.

`preview_prompts()`, `adversarial_prompts()` and `behaviour_prompts()` read the data file.
`embed_prompt_table` embeds every prompt of the three once with the pipeline's text encoder (the
`evaluator` stage writes the table), and `PromptTable` serves those vectors through the `encode(texts)`
interface that `stickgen.generate.generator.InferenceGenerator` takes, so the per-model stages do not
load the text encoder again; a text the table lacks is embedded by the real encoder, loaded on first need.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml

from stickgen.core.canonical import atomic_torch_save
from stickgen.core.vocab import ACTION_INDEX

DATA_FILE = "prompts.yaml"
TABLE_FORMAT = "stickgen-prompt-table"
SIDES = ("left", "right")  # the sides a behaviour caption may name


@dataclass(frozen=True)
class PromptSpec:
    """One prompt of a fixed set: the text, its request (None: the default) and how it may end.

    Attributes:
        text: the prompt, exactly as the generator receives it.
        category: its adversarial category ("preview" for previews).
        duration_s: requested length (None: the caller's default).
        actors: requested actor count (None: the generator infers it from the text).
        refusal_ok: whether a `ValueError` refusal counts as handling it safely.
    """

    text: str
    category: str
    duration_s: float | None = None
    actors: int | None = None
    refusal_ok: bool = False


def _read() -> dict[str, Any]:
    return yaml.safe_load(
        resources.files("stickgen.evaluate").joinpath(DATA_FILE).read_text(encoding="utf-8")
    )


def _spec(entry: Any, category: str, refusal_ok: bool) -> PromptSpec:
    if isinstance(entry, str):
        return PromptSpec(entry, category, refusal_ok=refusal_ok)
    if not isinstance(entry, dict):
        raise ValueError(f"{DATA_FILE} [{category}]: an entry must be a string or a mapping, got {entry!r}")
    unknown = set(entry) - {"prompt", "repeat", "times", "duration_s", "actors", "refusal_ok"}
    if unknown or ("prompt" in entry) == ("repeat" in entry):
        raise ValueError(
            f"{DATA_FILE} [{category}]: bad entry {entry!r} (unknown keys {sorted(unknown)}; "
            "give `prompt` or `repeat` + `times`)"
        )
    text = entry["prompt"] if "prompt" in entry else entry["repeat"] * int(entry["times"])
    return PromptSpec(
        text,
        category,
        entry.get("duration_s"),
        entry.get("actors"),
        bool(entry.get("refusal_ok", refusal_ok)),
    )


@dataclass(frozen=True)
class BehaviourPrompt:
    """One caption of the behaviour suite (`stickgen.evaluate.behaviour`).

    Attributes:
        text: the caption, exactly as the generator receives it.
        action: the action it names (a `stickgen.core.vocab` action with a `stickgen.evaluate.behaviour`
        check).
        duration_s: requested length in seconds.
        actors: requested actor count.
        side: the side the caption names ("left" / "right"), which the check requires; None: either.
    """

    text: str
    action: str
    duration_s: float
    actors: int = 1
    side: str | None = None


def preview_prompts() -> list[PromptSpec]:
    """The fixed preview list (one GIF each per evaluated model)."""
    return [_spec(e, "preview", False) for e in _read()["previews"]]


def adversarial_prompts() -> list[PromptSpec]:
    """The adversarial suite, in file order."""
    out = []
    for cat in _read()["adversarial"]:
        out += [_spec(e, cat["category"], bool(cat["refusal_ok"])) for e in cat["prompts"]]
    return out


def _behaviour_group(group: Any, k: int) -> list[BehaviourPrompt]:
    where = f"{DATA_FILE} [behaviour entry {k}]"
    if not isinstance(group, dict) or set(group) - {"action", "duration_s", "actors", "prompts"}:
        raise ValueError(f"{where}: expected a mapping of action, duration_s, actors, prompts; got {group!r}")
    action = group.get("action")
    where = f"{DATA_FILE} [behaviour/{action}]"
    if action not in ACTION_INDEX:
        raise ValueError(f"{where}: unknown action [{action}]; the vocabulary is {list(ACTION_INDEX)}")
    duration, actors = group.get("duration_s"), group.get("actors", 1)
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not duration > 0:
        raise ValueError(f"{where}: duration_s must be a number > 0, got {duration!r}")
    if isinstance(actors, bool) or not isinstance(actors, int) or actors < 1:
        raise ValueError(f"{where}: actors must be an integer >= 1, got {actors!r}")
    entries = group.get("prompts")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{where}: prompts must be a non-empty list, got {entries!r}")
    out = []
    for entry in entries:
        text, side = (entry, None) if isinstance(entry, str) else (None, None)
        if isinstance(entry, dict) and not set(entry) - {"prompt", "side"}:
            text, side = entry.get("prompt"), entry.get("side")
        if not isinstance(text, str) or not text.strip() or side not in (None, *SIDES):
            raise ValueError(
                f"{where}: bad prompt {entry!r} (give a non-empty string, or a mapping with `prompt` "
                f"and an optional `side` in {list(SIDES)})"
            )
        out.append(BehaviourPrompt(text, action, float(duration), actors, side))
    return out


def parse_behaviour_prompts(groups: Any) -> list[BehaviourPrompt]:
    """The `behaviour` section of the data file (a list of actions with their captions), validated."""
    if not isinstance(groups, list) or not groups:
        raise ValueError(f"{DATA_FILE}: `behaviour` must be a non-empty list of actions, got {groups!r}")
    return [p for k, group in enumerate(groups) for p in _behaviour_group(group, k)]


def behaviour_prompts() -> list[BehaviourPrompt]:
    """The behaviour suite's captions, in file order (docs/metrics.md, "Behaviour suite")."""
    return parse_behaviour_prompts(_read().get("behaviour"))


def table_texts() -> list[str]:
    """Every text the table holds: each prompt as written and whitespace-collapsed (what generators see)."""
    texts = [p.text for p in (*preview_prompts(), *adversarial_prompts(), *behaviour_prompts())]
    return sorted({t for text in texts for t in (text, " ".join(text.split()))})


# the table's hostile prompts run to the encoder's 256 tokens, and a batch is padded to its longest text: at
# 64 a batch held them and 57 short prompts, all padded (8.8 s for the table); at 8, 2.1 s, the same vectors
PROMPT_TABLE_BATCH = 8


def embed_prompt_table(
    encoder_name: str, path: str | os.PathLike, batch_size: int = PROMPT_TABLE_BATCH
) -> int:
    """Embed `table_texts()` with the named text encoder and write the table; returns its size."""
    from stickgen.core.text import embed_texts, encoder_info

    texts = table_texts()
    emb = embed_texts(encoder_name, texts, batch_size)
    atomic_torch_save(
        {
            "format": TABLE_FORMAT,
            "text_encoder": encoder_info(encoder_name).to_dict(),
            "texts": texts,
            "emb": torch.from_numpy(np.asarray(emb, dtype=np.float32)),
        },
        path,
    )
    return len(texts)


class PromptTable:
    """A text encoder (`name`, `dim`, `encode`) that serves precomputed prompt embeddings; texts it lacks
    are embedded by the real encoder of that name (loaded on first need)."""

    def __init__(self, name: str, dim: int, texts: Sequence[str] = (), emb: np.ndarray | None = None) -> None:
        self.name, self.dim = name, dim
        self.rows = {t: i for i, t in enumerate(texts)}
        self.emb = np.zeros((0, dim), dtype=np.float32) if emb is None else np.asarray(emb, dtype=np.float32)
        if self.emb.shape != (len(self.rows), dim):
            raise ValueError(
                f"prompt table: {len(self.rows)} texts but embeddings {self.emb.shape}, dim {dim}"
            )
        self.misses = 0

    @classmethod
    def load(cls, path: str | os.PathLike) -> PromptTable:
        """A table written by `embed_prompt_table`."""
        if not Path(path).is_file():
            raise FileNotFoundError(f"prompt table not found: {path} (the `evaluator` stage writes it)")
        d = torch.load(path, weights_only=True, map_location="cpu")
        if not isinstance(d, dict) or d.get("format") != TABLE_FORMAT:
            raise ValueError(f"{path}: not a prompt table")
        return cls(d["text_encoder"]["name"], int(d["text_encoder"]["dim"]), d["texts"], d["emb"].numpy())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(N, dim) embeddings."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = [k for k, t in enumerate(texts) if t not in self.rows]
        for k, t in enumerate(texts):
            if t in self.rows:
                out[k] = self.emb[self.rows[t]]
        if missing:
            from stickgen.core.text import embed_texts

            self.misses += len(missing)
            out[missing] = embed_texts(self.name, [texts[k] for k in missing])
        return out
