"""Build a real MarianMT it→en model locally, for tests and for machines without hub access.

`build_tiny_model(out)` trains a tiny model (d_model 64, 2 layers) on newstest2009 pairs shipped in
scripts/data/newstest2009 in well under a minute; `build_marian_model(...)` with other sizes gives e.g. an
opus-mt-it-en-shaped model with random weights for speed benchmarks.
Usage: python scripts/build_tiny_model.py models/tiny-it-en
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
from pathlib import Path

# short newstest2009 pairs kept in the repository, so a fresh clone can build the model (see its README)
DATA = Path(__file__).resolve().parent / "data" / "newstest2009"
SPECIAL = ["</s>", "<unk>"]  # ids 0 and 1, as in the opus-mt vocabularies; <pad> is the last id


def _pairs(limit: int) -> list[tuple[str, str]]:
    it = (DATA / "it.txt").read_text(encoding="utf-8").splitlines()
    en = (DATA / "en.txt").read_text(encoding="utf-8").splitlines()
    return list(zip(it, en, strict=True))[:limit]


def _train_spm(text: list[str], vocab_size: int, out: Path) -> list[str]:
    """Train one shared sentencepiece model; return its pieces (without <unk>/<s>/</s>)."""
    import sentencepiece as spm

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("\n".join(text) + "\n", encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(Path(tmp) / "spm"), vocab_size=vocab_size,
            model_type="unigram", character_coverage=1.0, bos_id=-1, eos_id=1, unk_id=0,
            hard_vocab_limit=False, minloglevel=2, num_threads=2,
        )
        for name in ("source.spm", "target.spm"):
            shutil.copy(Path(tmp) / "spm.model", out / name)
        proc = spm.SentencePieceProcessor(model_file=str(Path(tmp) / "spm.model"))
        return [proc.id_to_piece(i) for i in range(proc.get_piece_size())][2:]


def build_marian_model(
    out_dir: str | Path,
    *,
    d_model: int = 64,
    layers: int = 2,
    heads: int = 4,
    ffn: int = 128,
    spm_vocab: int = 1000,
    vocab_size: int | None = None,
    pairs: int = 1200,
    steps: int = 500,
    seed: int = 0,
) -> Path:
    """Write a MarianMT model + tokenizer folder; `vocab_size` pads vocab.json to that many entries."""
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    random.seed(seed)
    torch.manual_seed(seed)
    data = _pairs(pairs)
    pieces = _train_spm([s for p in data for s in p], spm_vocab, out)
    vocab = SPECIAL + [p for p in pieces if p not in SPECIAL]
    if vocab_size:
        vocab += [f"<extra_{i}>" for i in range(vocab_size - 1 - len(vocab))]
    vocab.append("<pad>")
    (out / "vocab.json").write_text(json.dumps({p: i for i, p in enumerate(vocab)}, ensure_ascii=False))
    (out / "tokenizer_config.json").write_text(json.dumps({
        "source_lang": "it", "target_lang": "en", "model_max_length": 512,
        "tokenizer_class": "MarianTokenizer",
    }))
    pad = len(vocab) - 1
    config = MarianConfig(
        vocab_size=len(vocab), d_model=d_model, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=heads, decoder_attention_heads=heads, encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn, max_position_embeddings=512, pad_token_id=pad, eos_token_id=0,
        decoder_start_token_id=pad, forced_eos_token_id=0, scale_embedding=True,
        share_encoder_decoder_embeddings=True, activation_function="swish", dropout=0.1,
    )
    model = MarianMTModel(config)
    with torch.no_grad():
        # opus-mt models start the decoder from a zero <pad> embedding (Marian's convention, kept by the
        # Marian->HF conversion); CTranslate2's converter relies on it, so the local models do too
        model.get_input_embeddings().weight[pad].zero_()
    tokenizer = MarianTokenizer(str(out / "source.spm"), str(out / "target.spm"), str(out / "vocab.json"))
    if steps:
        _train(model, tokenizer, data, steps)
    model.eval()
    model.generation_config = GenerationConfig(
        bad_words_ids=[[pad]], decoder_start_token_id=pad, eos_token_id=0, forced_eos_token_id=0,
        pad_token_id=pad, max_length=512, num_beams=4,
    )
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def _train(model, tokenizer, data: list[tuple[str, str]], steps: int, batch: int = 32) -> None:
    import torch

    optim = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    for _ in range(steps):
        chunk = random.sample(data, batch)
        enc = tokenizer([s for s, _ in chunk], text_target=[t for _, t in chunk],
                        return_tensors="pt", padding=True, truncation=True, max_length=64)
        enc["labels"][enc["labels"] == tokenizer.pad_token_id] = -100
        loss = model(**enc).loss
        loss.backward()
        # the tied output layer would move the <pad> row off zero; Marian has no such row to train
        model.get_input_embeddings().weight.grad[model.config.pad_token_id] = 0
        optim.step()
        optim.zero_grad()


def build_tiny_model(out_dir: str | Path) -> Path:
    """The tiny test model: small enough to train in well under a minute on 2 CPU cores."""
    return build_marian_model(out_dir)


def build_opus_mt_shaped(out_dir: str | Path) -> Path:
    """Random weights in exactly Helsinki-NLP/opus-mt-it-en's configuration, for speed benchmarks.

    d_model 512, 6+6 layers, 8 heads, FFN 2048, a vocabulary of 80,035 (vocab.json padded), shared
    embeddings, swish, scale_embedding; the sentencepiece models are trained on the local text.
    """
    return build_marian_model(out_dir, d_model=512, layers=6, heads=8, ffn=2048, spm_vocab=8000,
                              vocab_size=80035, pairs=5000, steps=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="folder to write the model to, e.g. models/tiny-it-en")
    args = parser.parse_args()
    build_tiny_model(args.out)
    print(f"wrote {args.out}; use it with: mt translate corpora/articles --out out/ --model {args.out}")


if __name__ == "__main__":
    main()
