"""The PyTorch backend: a Hugging Face MarianMT model run with `model.generate`.

Quantization is limited to the float types torch runs well here (float16 on CUDA); int8 requests fall back.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

from mt.translate.backends import Backend, DecodeSettings, Generated, register_backend
from mt.translate.model import LOAD_ERRORS, load_error

log = logging.getLogger(__name__)


def resolve_device(device: str) -> str:
    """`auto` is CUDA when torch sees a GPU, else the CPU."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        from mt.errors import UsageError

        raise UsageError("--device cuda was given but torch sees no CUDA GPU; use --device cpu")
    return device


@register_backend("transformers")
class TransformersBackend(Backend):
    # measured with scripts/bench_translate.py --systems d (beam 4, 257 sentences, the whole CLI run):
    # 512 tokens 2.38 sentences/s at 1.27 GB peak, 1024 tokens 2.36 at 1.57 GB; beam search's per-step
    # batch x vocabulary tensors grow with the batch and buy no speed on the CPU
    default_batch_tokens = 512

    def __init__(self, model: str, *, device: str = "auto", quantization: str = "auto",
                 threads: int | None = None):
        import torch
        from transformers import AutoModelForSeq2SeqLM, GenerationConfig

        if threads:
            torch.set_num_threads(threads)
        self.device = resolve_device(device)
        self.dtype = self._dtype(quantization)
        try:
            self.model = AutoModelForSeq2SeqLM.from_pretrained(model, dtype=self.dtype)
        except LOAD_ERRORS as e:
            raise load_error(model, e) from None
        self.model.to(self.device).eval()
        # every setting is passed to generate: the model's own generation config decides nothing the other
        # backend cannot see (transformers fills whatever generate is not given from it)
        self.model.generation_config = GenerationConfig()
        log.debug("transformers backend: %s on %s as %s", model, self.device, self.dtype)

    def _dtype(self, quantization: str):
        import torch

        if quantization == "float16" or (quantization == "auto" and self.device != "cpu"):
            if self.device == "cpu":
                log.warning("float16 on the CPU is slow in torch; using float32")
                return torch.float32
            return torch.float16
        if quantization.startswith("int8"):
            log.warning("the transformers backend does not run %s; using float32 "
                        "(use --backend ctranslate2 for int8)", quantization)
        return torch.float32

    def model_inputs(self, batch: list[list[int]], settings: DecodeSettings) -> dict:
        """`model.generate`'s keyword arguments for this batch: the padded inputs and every decoding setting.

        The token bans (bad words, end of sentence before min_new_tokens, the forced end at the limit) are
        one in-place processor, `_Bans`, instead of transformers' own, which allocate, fill and add whole
        batch x vocabulary tensors every step (a fifth of the time here) to set the same few -inf.
        """
        import torch
        from transformers import LogitsProcessorList

        longest = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), longest), settings.pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for row, ids in enumerate(batch):
            input_ids[row, :len(ids)] = torch.tensor(ids, dtype=torch.long)
            mask[row, :len(ids)] = 1
        longer = [list(s) for s in settings.bad_words_ids if len(s) > 1]  # need the sequence so far
        return {
            "input_ids": input_ids.to(self.device),
            "attention_mask": mask.to(self.device),
            "num_beams": settings.beams,
            "max_new_tokens": settings.max_new_tokens,
            "max_length": None,  # else the model's max_length is reported as a conflict
            "repetition_penalty": settings.repetition_penalty,
            "length_penalty": settings.length_penalty,
            "no_repeat_ngram_size": settings.no_repeat_ngram_size,
            "bad_words_ids": longer or None,
            "eos_token_id": settings.eos_id,
            "pad_token_id": settings.pad_id,
            "decoder_start_token_id": settings.decoder_start_id,
            "logits_processor": LogitsProcessorList([_Bans(settings)]),
        }

    def generate(self, batch: list[list[int]], settings: DecodeSettings) -> list[Generated]:
        import torch

        inputs = self.model_inputs(batch, settings)
        greedy = _StepScores() if settings.beams == 1 else None
        if greedy is not None:
            inputs["logits_processor"].append(greedy)
        with torch.inference_mode(), _final_beam_scores(self.model) as beam_scores:
            out = self.model.generate(**inputs, return_dict_in_generate=True)
        sequences = out.sequences[:, 1:]  # drop the decoder start token
        if greedy is not None:
            scores = greedy.means(sequences, settings.pad_id)
        else:
            scores = beam_scores[0][:, 0].tolist() if beam_scores else [None] * len(batch)
        results = []
        for row, seq in enumerate(sequences.tolist()):
            ids = []
            for t in seq:
                if t in (settings.eos_id, settings.pad_id):
                    break
                ids.append(t)
            results.append(Generated(ids=ids, score=scores[row]))
        return results


class _Bans:
    """A logits processor that sets what transformers' bad-words, min-new-tokens and forced-eos processors
    set, in place: -inf on single-token bad words, -inf on the end of sentence while fewer than
    min_new_tokens are out, and only the end of sentence at the last place.

    It runs after transformers' remaining processors (repetition penalty, no-repeat n-grams), which leave
    -inf as -inf, so the order changes nothing; the forced end comes last, as in transformers.
    """

    def __init__(self, settings: DecodeSettings):
        self.banned = [s[0] for s in settings.bad_words_ids if len(s) == 1]
        self.eos = settings.eos_id
        self.min_new = settings.min_new_tokens
        self.forced_eos = settings.forced_eos_id
        self.last = settings.max_new_tokens - 1

    def __call__(self, input_ids, scores):
        new = input_ids.shape[-1] - 1  # tokens out so far, after the decoder start token
        if self.banned:
            scores[:, self.banned] = float("-inf")
        if new < self.min_new:
            scores[:, self.eos] = float("-inf")
        if self.forced_eos is not None and new == self.last:
            scores.fill_(float("-inf"))
            scores[:, self.forced_eos] = 0.0
        return scores


# Scores without `output_scores=True`: that option keeps every step's log-probs for every beam (batch x beams
# x vocabulary floats per step, gigabytes for opus-mt), only for us to read one number per output.


class _StepScores:
    """Greedy search: a last logits processor that keeps each step's chosen log-prob, one float per row.

    Greedy takes the arg-max of the processed scores, so the chosen token's log-prob is the row's maximum of
    their log-softmax (equal for tied tokens), exactly what `compute_transition_scores` would read back.
    """

    def __init__(self):
        self.steps = []

    def __call__(self, input_ids, scores):
        import torch

        self.steps.append(torch.log_softmax(scores.float(), dim=-1).max(dim=-1).values)
        return scores

    def means(self, sequences, pad_id: int) -> list[float | None]:
        """Mean log-prob per row over its generated tokens; the pad after an early eos does not count."""
        import torch

        if not self.steps:
            return [None] * len(sequences)
        steps = torch.stack(self.steps, dim=1)
        keep = sequences[:, :steps.shape[1]] != pad_id  # a finished row's steps still hold a log-prob
        sums = torch.where(keep, steps, torch.zeros_like(steps)).sum(dim=1)
        return [float(s) for s in (sums / keep.sum(dim=1).clamp(min=1)).tolist()]


@contextmanager
def _final_beam_scores(model):
    """Beam search: the finished beams' scores, which transformers computes and drops without output_scores.

    Wraps the model's `_update_finished_beams` (transformers >= 4.50) for the call; the list holds the last
    step's (batch, beams) scores, best first, or stays empty where that method does not exist.
    """
    update = getattr(model, "_update_finished_beams", None)
    last: list = []
    if update is None:
        yield last
        return

    def keep(*args, **kwargs):
        result = update(*args, **kwargs)
        last[:] = [result[1]]
        return result

    model._update_finished_beams = keep
    try:
        yield last
    finally:
        del model._update_finished_beams
