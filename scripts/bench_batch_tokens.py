"""Measure the `--batch-tokens` default for each backend: sentences/s and peak RSS per token budget.

Runs `Translator` on newstest2009 sentences with forced output lengths, one subprocess per (backend,
budget), on the opus-mt-shaped model that scripts/bench_translate.py builds.

    python scripts/bench_batch_tokens.py [--data ../shared/data] [--n 64] [--budgets 512 1024 2048 4096]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from public_data import add_data_option, require_data

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = "newstest2009/it.txt"  # under --data

WORKER = """
import json, resource, sys, time
from mt.translate import Translator
args = json.loads(sys.argv[1])
sentences = open(args["file"], encoding="utf-8").read().splitlines()[: args["n"]]
t = Translator(model=args["model"], backend=args["backend"], beams=args["beams"], batch_tokens=args["budget"],
               max_new_tokens=args["tokens"], min_new_tokens=args["tokens"])
t.translate(sentences[:2])  # load the model outside the timing
start = time.perf_counter()
t.translate(sentences[2:])
print(json.dumps({"seconds": time.perf_counter() - start, "n": len(sentences) - 2,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run(args, backend: str, budget: int) -> tuple[float, float]:
    payload = json.dumps({"file": str(args.data / SENTENCES), "n": args.n + 2, "model": args.model,
                          "backend": backend, "beams": args.beams, "budget": budget,
                          "tokens": args.new_tokens})
    out = subprocess.run([sys.executable, "-c", WORKER, payload], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["n"] / result["seconds"], result["rss_kb"] / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "opus-mt-shaped"))
    parser.add_argument("--n", type=int, default=64)
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--new-tokens", type=int, default=48)
    parser.add_argument("--budgets", type=int, nargs="+", default=[512, 1024, 2048, 4096])
    parser.add_argument("--backends", nargs="+", default=["ctranslate2", "transformers"])
    add_data_option(parser)
    args = parser.parse_args()
    require_data(args.data, SENTENCES)
    print(f"{args.n} newstest2009 sentences, beams {args.beams}, {args.new_tokens} tokens forced\n")
    print(f"{'backend':<14}{'batch tokens':>13}{'sent/s':>9}{'peak RSS':>12}")
    for backend in args.backends:
        for budget in args.budgets:
            start = time.perf_counter()
            rate, rss = run(args, backend, budget)
            took = time.perf_counter() - start
            print(f"{backend:<14}{budget:>13}{rate:>9.2f}{rss:>9.2f} GB   ({took:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
