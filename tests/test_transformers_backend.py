"""The transformers backend's own parts (its in-place token bans, its scores read without `output_scores`)
give exactly what transformers' own processors and `output_scores=True` give."""

from dataclasses import replace
from pathlib import Path

import pytest

from mt.translate import Translator
from mt.translate.backends import DecodeSettings

DATA = Path(__file__).parent / "data" / "public"  # copies of public sets, see its README


@pytest.fixture(scope="module")
def backend(tiny_model):
    from mt.translate.backends.transformers import TransformersBackend

    return TransformersBackend(str(tiny_model), device="cpu", quantization="float32", threads=2)


@pytest.fixture(scope="module")
def batch(tiny_model):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model))
    lines = (DATA / "newstest2009" / "it.txt").read_text(encoding="utf-8").splitlines()[:12]
    return [tokenizer(s)["input_ids"] for s in lines]


@pytest.fixture(scope="module")
def defaults(tiny_model):
    return Translator(str(tiny_model)).defaults


def _reference(backend, batch, settings) -> tuple[list[list[int]], list[float]]:
    """Outputs and scores from transformers' own processors, keeping every step's log-probs."""
    import torch

    kwargs = backend.model_inputs(batch, settings)
    del kwargs["logits_processor"]
    kwargs.update(bad_words_ids=[list(s) for s in settings.bad_words_ids] or None,
                  min_new_tokens=settings.min_new_tokens or None, forced_eos_token_id=settings.forced_eos_id)
    with torch.inference_mode():
        out = backend.model.generate(**kwargs, output_scores=True, return_dict_in_generate=True)
    ids = [[t for t in row if t not in (settings.eos_id, settings.pad_id)] for row in out.sequences.tolist()]
    if settings.beams > 1:
        return ids, out.sequences_scores.tolist()
    steps = backend.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
    keep = out.sequences[:, 1:1 + steps.shape[1]] != settings.pad_id
    sums = torch.where(keep, steps, torch.zeros_like(steps)).sum(dim=1)
    return ids, (sums / keep.sum(dim=1).clamp(min=1)).tolist()


@pytest.mark.parametrize(("beams", "max_new_tokens", "penalties"), [
    (4, 48, {}),
    (4, 10, {}),  # cut at the limit: the forced eos
    (3, 24, {"repetition_penalty": 1.3, "no_repeat_ngram_size": 3, "length_penalty": 0.6}),
    (1, 48, {}),
    (1, 10, {"min_new_tokens": 6}),
    (4, 12, {"min_new_tokens": 12}),  # the end of sentence banned to the last place, then forced there
    (1, 24, {"repetition_penalty": 1.3, "no_repeat_ngram_size": 3}),
])
def test_outputs_and_scores_equal_transformers_own(backend, batch, defaults, beams, max_new_tokens,
                                                   penalties):
    settings = DecodeSettings.resolve(defaults, beams=beams, max_new_tokens=max_new_tokens)
    settings = replace(settings, **penalties)
    ours = backend.generate(batch, settings)
    ids, reference = _reference(backend, batch, settings)
    assert [g.ids for g in ours] == ids
    if beams > 1:  # the very numbers transformers computes
        assert [g.score for g in ours] == reference
    else:  # a log-softmax over the last axis, not transformers' over a stacked middle one: float32 noise
        assert [g.score for g in ours] == pytest.approx(reference, abs=1e-5)
    assert all(g.score is not None and g.score < 0 for g in ours)


def test_generation_leaves_the_model_as_it_was(backend, batch, defaults):
    settings = DecodeSettings.resolve(defaults, beams=2, max_new_tokens=8)
    backend.generate(batch[:2], settings)
    assert "_update_finished_beams" not in vars(backend.model)
