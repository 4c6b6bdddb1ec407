"""Translation speed: `mt translate` against plain transformers and raw CTranslate2, on the same sentences.

Uses a model shaped exactly like Helsinki-NLP/opus-mt-it-en (random weights, built once into
models/opus-mt-shaped) with forced output lengths, so every system does the same work. Each system runs
in its own subprocess so that its peak RSS is its own. Not part of CI.
Usage: python scripts/bench_translate.py [--n 64] [--n-fast 256] [--new-tokens 48] [--device cuda]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from public_data import add_data_option, require_data

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = "newstest2009/it.txt"  # under --data
SYSTEMS = {
    "a": "transformers generate, one sentence at a time",
    "b": "transformers generate, batched",
    "c": "CTranslate2 translate_batch (raw)",
    "d": "mt translate --backend transformers",
    "e": "mt translate --backend ctranslate2",
}


def sentences(data: Path, n: int) -> list[str]:
    lines = [s.strip() for s in (data / SENTENCES).read_text(encoding="utf-8").splitlines()]
    return [s for s in lines if 20 <= len(s) <= 300][:n]


# ---- workers: each runs in its own process and prints one JSON line ----

def _load_transformers(model: str, device: str, quantization: str):
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    dtype = torch.float16 if quantization == "float16" and device != "cpu" else torch.float32
    tokenizer = AutoTokenizer.from_pretrained(model)
    return tokenizer, AutoModelForSeq2SeqLM.from_pretrained(model, dtype=dtype).to(device).eval()


def work_transformers(args, texts: list[str], one_by_one: bool) -> dict:
    import torch

    start = time.perf_counter()
    tokenizer, model = _load_transformers(args.model, args.device, args.quantization)
    loaded = time.perf_counter()
    batch = 1 if one_by_one else args.batch_size
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # what a careful user does
    tokens = 0
    with torch.inference_mode():
        for i in range(0, len(order), batch):
            enc = tokenizer([texts[j] for j in order[i:i + batch]], return_tensors="pt", padding=True)
            out = model.generate(**enc.to(args.device), num_beams=args.beams, max_new_tokens=args.new_tokens,
                                 min_new_tokens=args.new_tokens, max_length=None)
            tokens += int((out[:, 1:] != model.config.pad_token_id).sum())
    done = time.perf_counter()
    return {"load_s": loaded - start, "run_s": done - loaded, "tokens": tokens}


def work_ctranslate2(args, texts: list[str]) -> dict:
    import ctranslate2
    from transformers import MarianTokenizer

    from mt.translate.backends.ctranslate2 import resolve_quantization
    from mt.translate.convert import convert

    start = time.perf_counter()
    quantization = resolve_quantization(args.quantization, args.device)
    path = convert(args.model, quantization).path  # already converted by the parent: just the lookup
    translator = ctranslate2.Translator(str(path), device=args.device, compute_type=quantization)
    tokenizer = MarianTokenizer.from_pretrained(args.model)
    loaded = time.perf_counter()
    source = [tokenizer.convert_ids_to_tokens(tokenizer(t)["input_ids"]) for t in texts]
    # the same work as the others: new_tokens - 1 real tokens, then the eos transformers forces
    results = translator.translate_batch(
        source, beam_size=args.beams, max_batch_size=32, max_decoding_length=args.new_tokens - 1,
        min_decoding_length=args.new_tokens - 1)
    done = time.perf_counter()
    tokens = sum(len(r.hypotheses[0]) + 1 for r in results)
    return {"load_s": loaded - start, "run_s": done - loaded, "tokens": tokens}


# Random weights make every output a repetition loop, which the repetition guard would translate a second
# time; a real model rarely loops, so the CLI rows run with the guard off to do the same work as the others.
CLI = (
    "import sys\n"
    "from mt.translate.guard import Guard\n"
    "Guard.looks_degenerate = lambda self, *args: False\n"
    "from mt.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def work_cli(args, texts: list[str], backend: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        article = Path(tmp) / "in" / "bench.txt"
        article.parent.mkdir()
        article.write_text("\n".join(texts) + "\n", encoding="utf-8")
        command = [
            sys.executable, "-c", CLI, "translate", str(article.parent), "--out", str(Path(tmp) / "out"),
            "--model", args.model, "--backend", backend, "--device", args.device,
            "--quantization", args.quantization, "--beams", str(args.beams),
            "--max-new-tokens", str(args.new_tokens), "--min-new-tokens", str(args.new_tokens),
            "--no-cache", "--quiet",
        ]
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True)
        done = time.perf_counter()
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{proc.stderr[-2000:]}")
        records = (Path(tmp) / "out" / "bench.aligned.jsonl").read_text(encoding="utf-8").splitlines()
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {"load_s": 0.0, "run_s": done - start, "tokens": len(records) * args.new_tokens,
            "sentences": len(records), "rss": rss}


def worker(args) -> None:
    texts = sentences(args.data, args.n)
    if args.worker in ("a", "b"):
        result = work_transformers(args, texts, one_by_one=args.worker == "a")
    elif args.worker == "c":
        result = work_ctranslate2(args, texts)
    else:
        result = work_cli(args, texts, "transformers" if args.worker == "d" else "ctranslate2")
    result.setdefault("sentences", len(texts))
    result.setdefault("rss", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    print(json.dumps(result))


# ---- the parent: builds/converts once, runs each system in a subprocess, prints the table ----

def machine(args) -> str:
    import ctranslate2
    import torch
    import transformers

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    gpu = ""
    if args.device.startswith("cuda") and torch.cuda.is_available():
        gpu = f", GPU {torch.cuda.get_device_name(0)}"
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (f"{cpu}, {cores} cores{gpu}{load}; python {platform.python_version()}, "
            f"torch {torch.__version__}, transformers {transformers.__version__}, "
            f"ctranslate2 {ctranslate2.__version__}")


def prepare(args) -> None:
    model = Path(args.model)
    if not (model / "config.json").exists():
        print(f"building the opus-mt-it-en-shaped model in {model} (once) ...", flush=True)
        sys.path.insert(0, str(ROOT / "scripts"))
        from build_tiny_model import build_opus_mt_shaped

        build_opus_mt_shaped(model)
    from mt.translate.backends.ctranslate2 import resolve_quantization
    from mt.translate.convert import convert

    print("CTranslate2 conversion (cached after the first run) ...", flush=True)
    convert(str(model), resolve_quantization(args.quantization, args.device))


def run_system(args, system: str, beams: int, n: int) -> dict:
    command = [sys.executable, __file__, "--worker", system, "--model", args.model, "--n", str(n),
               "--beams", str(beams), "--new-tokens", str(args.new_tokens), "--device", args.device,
               "--quantization", args.quantization, "--batch-size", str(args.batch_size),
               "--data", str(args.data)]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"system {system} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "opus-mt-shaped"),
                        help="model folder (built with opus-mt-it-en's shape if missing)")
    parser.add_argument("--n", type=int, default=64, help="sentences for the one-at-a-time row")
    parser.add_argument("--n-fast", type=int, default=256, help="sentences for the other rows")
    parser.add_argument("--new-tokens", type=int, default=48, help="forced output length (min = max)")
    parser.add_argument("--beams", type=int, nargs="+", default=[4, 1], help="beam sizes to run")
    parser.add_argument("--systems", default="abcde", help="which systems to run with beams > 1 (letters)")
    parser.add_argument("--greedy-systems", default="bce", help="which systems to run with beams = 1")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--quantization", default="auto",
                        help="CTranslate2 weights (auto: int8 on CPU, int8_float16 on GPU); "
                             "float16 also applies to transformers on a GPU")
    parser.add_argument("--batch-size", type=int, default=16, help="sentences per batch for row (b)")
    parser.add_argument("--worker", choices=sorted(SYSTEMS), help=argparse.SUPPRESS)
    add_data_option(parser)
    args = parser.parse_args()
    require_data(args.data, SENTENCES)
    args.model = str(Path(args.model).resolve())
    if args.worker:
        args.beams = args.beams[0]
        worker(args)
        return
    prepare(args)
    print(machine(args))
    print(f"model: {args.model} (opus-mt-it-en shape, random weights); {args.new_tokens} tokens forced per "
          f"sentence; rows a-c time the translation after loading, rows d-e the whole CLI run "
          f"(start-up, model load, segmentation, writing; repetition guard off, see CLI)\n")
    header = (f"{'system':<48} {'beams':>5} {'sent':>5} {'load s':>7} {'run s':>7} {'sent/s':>8} "
              f"{'tok/s':>8} {'peak RSS':>9}")
    print(header)
    print("-" * len(header))
    rates: dict[tuple[str, int], float] = {}
    for beams in args.beams:
        for system in args.systems if beams > 1 else args.greedy_systems:
            n = args.n if system == "a" else args.n_fast
            r = run_system(args, system, beams, n)
            rate = r["sentences"] / r["run_s"]
            rates[system, beams] = rate
            print(f"({system}) {SYSTEMS[system]:<44} {beams:>5} {r['sentences']:>5} {r['load_s']:>7.1f} "
                  f"{r['run_s']:>7.1f} {rate:>8.2f} {r['tokens'] / r['run_s']:>8.0f} "
                  f"{r['rss'] / 2**30:>7.2f} GB", flush=True)
    print()
    for beams in args.beams:
        for num, den in (("e", "a"), ("e", "b"), ("e", "c"), ("d", "b")):
            if (num, beams) in rates and (den, beams) in rates:
                print(f"beams {beams}: ({num}) / ({den}) = {rates[num, beams] / rates[den, beams]:.2f}x")


if __name__ == "__main__":
    main()
