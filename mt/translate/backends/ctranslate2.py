"""The CTranslate2 backend: the same MarianMT model converted once (mt.translate.convert), run int8 on CPUs.

Decoding options are mapped so that outputs match transformers' `generate`; what differs is noted below.
"""

from __future__ import annotations

import json
import logging
import os

from mt.translate.backends import Backend, DecodeSettings, Generated, register_backend

log = logging.getLogger(__name__)


def resolve_device(device: str) -> tuple[str, int]:
    """(ct2 device, index): `auto` is CUDA when CTranslate2 sees a GPU, else the CPU."""
    import ctranslate2

    from mt.errors import UsageError

    name, _, index = device.partition(":")
    gpus = ctranslate2.get_cuda_device_count()
    if name == "auto":
        return ("cuda" if gpus else "cpu"), 0
    if name == "cuda" and not gpus:
        raise UsageError("--device cuda was given but CTranslate2 sees no CUDA GPU; use --device cpu")
    return name, int(index or 0)


def resolve_quantization(quantization: str, device: str) -> str:
    """`auto` is int8 on CPUs and int8_float16 on GPUs: the fastest types that keep opus-mt's quality."""
    if quantization == "auto":
        return "int8_float16" if device == "cuda" else "int8"
    return quantization


def default_threads() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@register_backend("ctranslate2")
class CTranslate2Backend(Backend):
    """Semantics kept from transformers: beams, max/min new tokens (forced eos included), length and
    repetition penalties, no-repeat n-grams, bad words, and a decoder that starts from <pad>.

    Known difference: with beams > 1, CTranslate2 stops once `beams` hypotheses have ended, while
    transformers keeps going while a running beam's mean log-prob could still beat the worst ended
    one. Both agree whenever the best translation ends before the others; they can differ on
    repetition loops, which the repetition guard retries anyway.

    `score` is the mean log-prob per output token, the end-of-sentence token included (as in
    transformers' `sequences_scores` with length_penalty 1; an eos forced at the length limit counts
    with log-prob 0, as transformers counts it).
    """

    # measured with scripts/bench_batch_tokens.py: fastest of 256..4096 at beam 4, 0.83 GB peak
    default_batch_tokens = 4096

    def __init__(self, model: str, *, device: str = "auto", quantization: str = "auto",
                 threads: int | None = None):
        import ctranslate2

        from mt.translate.convert import convert

        self.device, index = resolve_device(device)
        self.quantization = resolve_quantization(quantization, self.device)
        supported = ctranslate2.get_supported_compute_types(self.device, index)
        if self.quantization not in supported:
            log.warning("%s is not supported on this %s; CTranslate2 uses the nearest type (%s)",
                        self.quantization, self.device, ", ".join(sorted(supported)))
        self.conversion = convert(model, self.quantization)
        self.threads = threads or default_threads()
        self.translator = ctranslate2.Translator(
            str(self.conversion.path), device=self.device, device_index=index,
            compute_type=self.quantization, inter_threads=1,
            intra_threads=self.threads if self.device == "cpu" else 0,
        )
        self.tokens: list[str] = json.loads(
            (self.conversion.path / "shared_vocabulary.json").read_text(encoding="utf-8"))
        self.ids = {token: i for i, token in enumerate(self.tokens)}
        log.debug("ctranslate2 backend: %s on %s as %s, %d threads", model, self.device,
                  self.quantization, self.threads)

    def options(self, settings: DecodeSettings) -> dict:
        """CTranslate2's translate_batch options for these settings."""
        # max_new_tokens counts the eos, which a forced eos puts at the last place: at most N-1 real tokens
        longest = settings.max_new_tokens - (settings.forced_eos_id is not None)
        suppress = [[self.tokens[i] for i in seq] for seq in settings.bad_words_ids
                    if all(i < len(self.tokens) for i in seq)]  # <pad> is not in the converted vocabulary
        return {
            "beam_size": settings.beams,
            "max_decoding_length": max(longest, 1),
            "min_decoding_length": min(settings.min_new_tokens, max(longest, 1)),
            "length_penalty": settings.length_penalty,
            "repetition_penalty": settings.repetition_penalty,
            "no_repeat_ngram_size": settings.no_repeat_ngram_size,
            "suppress_sequences": suppress or None,
            # the eos counts in the length that scores are normalised by, as in transformers
            "return_end_token": True,
            "return_scores": True,
            "max_input_length": 0,  # the Translator already split inputs to fit the model
        }

    def generate(self, batch: list[list[int]], settings: DecodeSettings) -> list[Generated]:
        options = self.options(settings)
        source = [[self.tokens[i] for i in ids] for ids in batch]
        results = self.translator.translate_batch(source, **options)
        outputs = []
        for result in results:
            ids = [self.ids[t] for t in result.hypotheses[0]]
            length = len(ids)
            total = result.scores[0] * length ** options["length_penalty"]  # CTranslate2 normalised it
            if ids and ids[-1] == settings.eos_id:
                ids.pop()
            elif settings.forced_eos_id is not None:
                length += 1  # transformers counts the eos it forces at the limit, with log-prob 0
            outputs.append(Generated(ids=ids, score=float(total / max(length, 1))))
        return outputs
