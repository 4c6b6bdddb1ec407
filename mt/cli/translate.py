"""`mt translate INPUT --out OUTDIR`: translate an article or a folder of articles into English.

A thin layer over `mt.runs.translate_path` (folders) and `mt.runs.translate_stream` (`--out -`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from mt.engines import ENGINE_CHOICES
from mt.errors import MtError, UsageError
from mt.output_folder import CACHE_NAME
from mt.translate import BACKEND_CHOICES, QUANTIZATIONS, default_batch_tokens
from mt.translate.model import DEFAULT_MODEL

log = logging.getLogger(__name__)

EPILOG = f"""\
output layout:
  for INPUT/REL/NAME.txt (or NAME.it.txt) it writes OUTDIR/REL/NAME.en.txt (one English line per
  source line, blank lines kept), OUTDIR/REL/NAME.aligned.jsonl (one record per sentence) and
  OUTDIR/manifest.json (model, settings, and each file's status). Files named *.en.txt and anything
  under OUTDIR are never taken as inputs. An empty input gives empty outputs.

re-runs:
  files already done with the same bytes and settings (model, backend, quantization, beams,
  min/max new tokens, fixes) are skipped, so an interrupted run is finished by running it again;
  failed files are retried. --retry-failed retries only the failed files. --force writes every
  file's outputs again; sentences come from the cache when it has them (the cache is keyed by
  model and settings, so its answers are what the model gives), and --force --no-cache sends every
  sentence to the model again. Sentence translations are cached in OUTDIR/.mt-cache.sqlite (--cache
  PATH to share one). Hidden files and folders (names starting with .) are not inputs.

one run per output folder:
  a run holds OUTDIR/.mt.lock; a second run on the same OUTDIR stops with exit 2 (or waits with
  --wait SECONDS). Ctrl-C stops a run within seconds; what is complete is kept, re-run to finish.

engines:
  --engine local (default) translates in this process; --engine ray spreads files over Ray actors
  (pip install -e ".[ray]" in the checkout), on a private local Ray instance or on the cluster of
  --ray-address / $RAY_ADDRESS. Outputs are the same with either engine; a folder begun with one
  can be finished with the other.

exit codes: 0 all done, 1 some inputs failed (the rest are done), 2 usage or set-up error.

offline use:
  the default model is {DEFAULT_MODEL} (env MT_MODEL overrides it). Download it once where
  there is network, e.g. by running `mt translate` there, or copy a saved model folder and pass
  --model path/to/folder. With the model in the Hugging Face cache, set HF_HUB_OFFLINE=1 to never
  touch the network.
"""


def add_parser(sub) -> None:
    p = sub.add_parser(
        "translate",
        help="translate an article or a folder of articles into English",
        description="Translate Italian articles (one paragraph per line, UTF-8) into English with MarianMT.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", help="a .txt file, a folder searched recursively for *.txt, or - for stdin")
    p.add_argument("--out", required=True, metavar="OUTDIR",
                   help="output folder; - writes the English lines of a single input to stdout")
    p.add_argument("--model", help=f"hub id or local model folder (default: $MT_MODEL or {DEFAULT_MODEL})")
    p.add_argument("--backend", default="auto", choices=BACKEND_CHOICES,
                   help="inference engine (auto: ctranslate2 when it can run the model, else transformers)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (auto: cuda when there is a GPU)")
    p.add_argument("--quantization", default="auto", choices=QUANTIZATIONS, help="weight precision")
    p.add_argument("--threads", type=int, help="CPU threads for the model")
    p.add_argument("--beams", type=int, help="beam size (default: the model's own)")
    p.add_argument("--max-new-tokens", type=int, help="longest output per sentence, in tokens")
    p.add_argument("--min-new-tokens", type=int, help="shortest output per sentence (for benchmarks)")
    p.add_argument("--max-input-tokens", type=int,
                   help="split longer sentences at clauses (default: the model's input limit)")
    p.add_argument("--batch-tokens", type=int,
                   help="padded source tokens per batch (default: the backend's measured one, "
                   + ", ".join(f"{n} for {name}" for name, n in default_batch_tokens().items()) + ")")
    cache = p.add_mutually_exclusive_group()
    cache.add_argument("--cache", metavar="PATH", help="SQLite translation cache to use or share")
    cache.add_argument("--no-cache", action="store_true", help="do not cache sentence translations")
    p.add_argument("--fixes", metavar="RULES", help="fix rules (YAML) applied before and after translation")
    again = p.add_mutually_exclusive_group()
    again.add_argument("--force", action="store_true", help="translate again files already done")
    again.add_argument("--retry-failed", action="store_true", help="only retry the files that failed")
    p.add_argument("--wait", type=float, metavar="SECONDS",
                   help="if another run holds OUTDIR, wait up to this long for it (default: stop at once)")
    p.add_argument("--engine", default="local", choices=ENGINE_CHOICES,
                   help="where translation happens: this process, or Ray actors (default: local)")
    p.add_argument("--workers", type=int, help="--engine ray: translator actors (default: fill the cluster)")
    p.add_argument("--gpus-per-worker", type=float, metavar="G",
                   help="--engine ray: GPUs per actor with --device cuda (may be fractional; default 1)")
    p.add_argument("--ray-address", metavar="ADDR",
                   help="--engine ray: the cluster to join (default: $RAY_ADDRESS, else a private local one)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=run)


def run(args) -> int:
    from mt import runs
    from mt.translate import Translator

    to_stdout = args.out == "-"
    if not to_stdout and args.out.endswith(".txt"):
        raise UsageError(f"--out {args.out} names a file, but the output is a folder: give a folder, or "
                         f"--out - to write a single article's English to standard output")
    if args.input == "-" and not to_stdout:
        raise UsageError("standard input is translated to standard output only; use --out -")
    if to_stdout and args.input != "-" and Path(args.input).is_dir():
        raise UsageError(f"{args.input} is a folder; --out - takes a single file")
    fixes = None
    if args.fixes:
        from mt.fixes import load_rules

        fixes = load_rules(args.fixes)
    if args.no_cache:
        cache = None
    elif args.cache:
        cache = args.cache
    else:
        cache = None if to_stdout else Path(args.out) / CACHE_NAME
    try:
        translator = Translator(
            args.model, backend=args.backend, device=args.device, quantization=args.quantization,
            beams=args.beams, max_new_tokens=args.max_new_tokens, min_new_tokens=args.min_new_tokens,
            batch_tokens=args.batch_tokens, threads=args.threads, cache=cache,
            max_input_tokens=args.max_input_tokens,
        )
    except MtError as e:
        raise with_flag(e) from None
    try:
        if to_stdout:
            runs.translate_stream(args.input, sys.stdout, translator, fixes)
            return 0
        report = runs.translate_path(
            args.input, args.out, translator, fixes=fixes, force=args.force, retry_failed=args.retry_failed,
            progress=not args.quiet, wait=args.wait, engine=args.engine, workers=args.workers,
            gpus_per_worker=args.gpus_per_worker, ray_address=args.ray_address)
    except MtError as e:
        raise with_flag(e) from None
    finally:
        translator.close()
    for line in report.failures():
        print(line, file=sys.stderr)
    if not args.quiet:
        print(report.summary(), file=sys.stderr)
    return report.exit_code


def with_flag(error: MtError) -> MtError:
    """The library's error about a Translator option (its `option`), naming the flag that sets it."""
    option = getattr(error, "option", None)
    if option is None:
        return error
    flagged = type(error)(f"{error} (see --{option.replace('_', '-')})")
    flagged.option = option
    return flagged
