"""The PyTorch backend: a Hugging Face MarianMT model run with `model.generate`.

Quantization is limited to the float types torch runs well here (float16 on CUDA); int8 requests fall back.
"""

from __future__ import annotations

import logging

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
    # measured with scripts/bench_batch_tokens.py: beam search's caches make large batches slower and
    # much bigger (4096: 0.82 sent/s, 4.6 GB; 1024: 1.18 sent/s, 2.8 GB)
    default_batch_tokens = 1024

    def __init__(self, model: str, *, device: str = "auto", quantization: str = "auto",
                 threads: int | None = None):
        import torch
        from transformers import AutoModelForSeq2SeqLM

        if threads:
            torch.set_num_threads(threads)
        self.device = resolve_device(device)
        self.dtype = self._dtype(quantization)
        try:
            self.model = AutoModelForSeq2SeqLM.from_pretrained(model, dtype=self.dtype)
        except LOAD_ERRORS as e:
            raise load_error(model, e) from None
        self.model.to(self.device).eval()
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

    def generate(self, batch: list[list[int]], settings: DecodeSettings) -> list[Generated]:
        import torch

        longest = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), longest), settings.pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for row, ids in enumerate(batch):
            input_ids[row, :len(ids)] = torch.tensor(ids, dtype=torch.long)
            mask[row, :len(ids)] = 1
        # every setting explicit: the model's generation_config decides nothing the other backend cannot see
        kwargs = {
            "num_beams": settings.beams,
            "max_new_tokens": settings.max_new_tokens,
            "max_length": None,  # else the model's max_length is reported as a conflict
            "min_new_tokens": settings.min_new_tokens or None,
            "repetition_penalty": settings.repetition_penalty,
            "length_penalty": settings.length_penalty,
            "no_repeat_ngram_size": settings.no_repeat_ngram_size,
            "bad_words_ids": [list(s) for s in settings.bad_words_ids] or None,
            "eos_token_id": settings.eos_id,
            "pad_token_id": settings.pad_id,
            "decoder_start_token_id": settings.decoder_start_id,
            "forced_eos_token_id": settings.forced_eos_id,
        }
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device),
                output_scores=True, return_dict_in_generate=True, **kwargs,
            )
        scores = self._scores(out, settings.pad_id)
        results = []
        for row, seq in enumerate(out.sequences[:, 1:].tolist()):  # drop the decoder start token
            ids = []
            for t in seq:
                if t in (settings.eos_id, settings.pad_id):
                    break
                ids.append(t)
            results.append(Generated(ids=ids, score=scores[row]))
        return results

    def _scores(self, out, pad_id: int) -> list[float | None]:
        """Mean log-prob per output: beam search reports it; for greedy, average the step log-probs."""
        if getattr(out, "sequences_scores", None) is not None:
            return [float(s) for s in out.sequences_scores.tolist()]
        if not out.scores:
            return [None] * len(out.sequences)
        import torch

        steps = self.model.compute_transition_scores(out.sequences, out.scores, normalize_logits=True)
        generated = out.sequences[:, 1:1 + steps.shape[1]]
        keep = generated != pad_id
        # padded steps after an early eos hold -inf; -inf * 0 would be NaN, so select instead
        sums = torch.where(keep, steps, torch.zeros_like(steps)).sum(dim=1)
        counts = keep.sum(dim=1).clamp(min=1)
        return [float(s) for s in (sums / counts).tolist()]
