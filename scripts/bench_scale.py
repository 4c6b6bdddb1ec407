"""Scale-out: `mt translate` with the local engine against `--engine ray` (1x2 and 2x1 actors), the
driver's own ceiling with a no-op translator, and a labelled projection to more nodes. Not part of CI.

Uses bench_translate's opus-mt-it-en-shaped random-weight model (built once into models/opus-mt-shaped)
with forced output lengths and the repetition guard off, over the NTREX dev documents in ../shared/data.
Each row runs in its own subprocess; its peak RSS is that of the whole process tree (driver, Ray's own
processes and its actors), sampled.
Usage: python scripts/bench_scale.py [--docs 62] [--new-tokens 48] [--beams 4] [--copies 4] [--window N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NTREX = ROOT.parent / "shared" / "data" / "ntrex128-dev"
# (label, engine, workers, threads); the local engine's threads are the model's CPU threads
ROWS = [("local engine, 2 threads", "local", None, 2),
        ("ray, 1 worker x 2 threads", "ray", 1, 2),
        ("ray, 2 workers x 1 thread", "ray", 2, 1)]
NODE_COUNTS = (1, 4, 16, 64)


# ---- a row: runs in its own process and prints one JSON line ----


def guard_off() -> None:
    """Random weights make every output a repetition loop that the guard would translate again; a real
    model rarely loops, so every process of every row runs with the guard off (as bench_translate)."""
    from mt.translate.guard import Guard

    Guard.looks_degenerate = lambda self, *args: False


def instrumented_engines(ready_dir: Path, noop: bool) -> None:
    """Replace the `ray` engine in this benchmark process only (the CLI never reaches these): actors
    note when their model is loaded, for start-up time; with `noop` they echo instead of translating,
    so what is measured is the driver (planning, dispatch through Ray, writing outputs and manifest)."""
    from mt.engines import register_engine
    from mt.engines.ray import RayEngine, load_translator
    from mt.translate import Translation

    class Echo:
        def translate(self, sentences, use_cache=True):
            return [Translation(s) for s in sentences]

    def make(options):
        guard_off()
        translator = Echo() if noop else load_translator(options)
        (ready_dir / f"{os.getpid()}-{time.time_ns()}").write_text(str(time.time()))
        return translator

    class BenchRayEngine(RayEngine):
        worker_translator = staticmethod(make)

        def __init__(self, *args, **kwargs):
            (ready_dir / "engine-start").write_text(str(time.time()))
            super().__init__(*args, **kwargs)

        def run(self, jobs, progress):
            started = time.perf_counter()
            jobs = list(jobs)  # the driver's planning (reading, segmenting, cache look-ups), timed apart
            (ready_dir / "planning").write_text(str(time.perf_counter() - started))
            yield from super().run(jobs, progress)

    register_engine("ray")(BenchRayEngine)


def row(args) -> None:
    from mt.cli import main

    guard_off()
    ready_dir = Path(args.ready_dir)
    instrumented_engines(ready_dir, args.noop)
    argv = ["translate", args.input, "--out", args.out, "--model", args.model, "--backend", "ctranslate2",
            "--beams", str(args.beams), "--max-new-tokens", str(args.new_tokens),
            "--min-new-tokens", str(args.new_tokens), "--no-cache", "--quiet", "--threads", str(args.threads)]
    if args.engine == "ray":
        argv += ["--engine", "ray", "--workers", str(args.workers)]
    if args.window:
        import mt.engines.ray

        mt.engines.ray.WINDOW_SENTENCES = args.window
    started = time.time()
    code = main(argv)
    out = Path(args.out)
    files = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    last_output = max(p.stat().st_mtime for p in out.rglob("*.en.txt"))
    result = {"code": code, "seconds": last_output - started,
              "files": sum(e["status"] == "done" for e in files.values()),
              "sentences": sum(e["sentences"] for e in files.values())}
    if args.engine == "ray":
        # the first window's actors (later windows start pools of their own)
        loads = sorted(float(p.read_text()) for p in ready_dir.iterdir() if p.name[0].isdigit())
        ready = loads[:args.workers][-1]
        result["startup"] = ready - float((ready_dir / "engine-start").read_text())
        result["after_startup"] = last_output - ready
        result["planning"] = float((ready_dir / "planning").read_text())
        # before the engine: imports, finding and hashing inputs, counting sentences for the progress bar
        result["selection"] = float((ready_dir / "engine-start").read_text()) - started
    print(json.dumps(result))


# ---- the parent ----


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants (Ray's processes and actors included)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        total = 0
        for proc in [parent, *parent.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total
    except psutil.Error:
        return 0


def run_row(args, input_dir: Path, engine: str, workers: int | None, threads: int, noop: bool = False,
            window: int | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "ready"
        ready.mkdir()
        command = [sys.executable, __file__, "--row", "--input", str(input_dir),
                   "--out", str(Path(tmp) / "out"), "--model", args.model, "--engine", engine,
                   "--workers", str(workers or 1), "--threads", str(threads), "--beams", str(args.beams),
                   "--new-tokens", str(args.new_tokens), "--ready-dir", str(ready)]
        if noop:
            command.append("--noop")
        if window:
            command += ["--window", str(window)]
        env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}  # always a private instance
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        peak = 0
        stop = threading.Event()

        def sample():
            nonlocal peak
            while not stop.wait(0.2):
                peak = max(peak, tree_rss(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, err = proc.communicate()
        stop.set()
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"row {engine} {workers}x{threads} failed:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["rss"] = peak
    return result


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
    convert(str(model), resolve_quantization("auto", "cpu"))


def documents(target: Path, docs: int, copies: int) -> Path:
    """The first `docs` NTREX dev documents (in docs.tsv order), `copies` times in separate folders."""
    names = [line.split("\t")[0] for line in (NTREX / "docs.tsv").read_text(encoding="utf-8").splitlines()]
    for copy in range(copies):
        folder = target / f"copy{copy}"
        folder.mkdir(parents=True)
        for name in names[:docs]:
            shutil.copyfile(NTREX / f"{name}.it.txt", folder / f"{name}.it.txt")
    return target


def machine() -> str:
    import ctranslate2
    import ray

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.1f}; "
            f"python {platform.python_version()}, ray {ray.__version__}, "
            f"ctranslate2 {ctranslate2.__version__}")


def print_row(label: str, r: dict, base: float) -> None:
    rate = r["sentences"] / r["seconds"]
    startup = f"{r['startup']:.1f}" if "startup" in r else "-"
    print(f"{label:<34} {r['files']:>5} {r['sentences']:>5} {r['seconds']:>7.1f} "
          f"{r['files'] / r['seconds']:>8.2f} {rate:>7.2f} {rate / base:>7.2f}x {startup:>10} "
          f"{r['rss'] / 2**30:>7.2f} GB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "opus-mt-shaped"),
                        help="model folder (built with opus-mt-it-en's shape if missing)")
    parser.add_argument("--docs", type=int, default=62, help="NTREX dev documents to translate (all: 62)")
    parser.add_argument("--new-tokens", type=int, default=48, help="forced output length (min = max)")
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--copies", type=int, default=4,
                        help="copies of all 62 documents for the no-op row (4: 3,952 sentences)")
    parser.add_argument("--row", action="store_true", help=argparse.SUPPRESS)
    for hidden in ("--input", "--out", "--engine", "--ready-dir"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--noop", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--window", type=int,
                        help="add a row: ray 2x1 with windows of N sentences per worker (the engine's is "
                             "10,000), to measure what each window costs")
    args = parser.parse_args()
    args.model = str(Path(args.model).resolve())
    if args.row:
        row(args)
        return
    prepare(args)
    print(machine())
    print(f"model: opus-mt-it-en shape, random weights, CTranslate2 int8, beams {args.beams}, "
          f"{args.new_tokens} tokens forced per sentence, repetition guard off; whole CLI runs (start-up, "
          f"model load, segmentation, writing)\n")
    header = (f"{'run':<34} {'files':>5} {'sent':>5} {'wall s':>7} {'files/s':>8} {'sent/s':>7} "
              f"{'vs local':>8} {'start-up s':>10} {'peak RSS':>9}")
    print(header)
    print("-" * len(header))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        docs = documents(Path(tmp) / "docs", args.docs, 1)
        for label, engine, workers, threads in ROWS:
            results[label] = run_row(args, docs, engine, workers, threads)
            base = results[ROWS[0][0]]["sentences"] / results[ROWS[0][0]]["seconds"]
            print_row(label, results[label], base)
        if args.window:
            label = f"ray, 2 x 1, windows of {2 * args.window}"
            print_row(label, run_row(args, docs, "ray", 2, 1, window=args.window), base)
        many = documents(Path(tmp) / "many", 62, args.copies)
        noop = run_row(args, many, "ray", 2, 1, noop=True)
    # the driver's work; Ray's start-up is paid once per run, not per sentence
    busy = noop["selection"] + noop["planning"] + noop["after_startup"]
    ceiling = noop["sentences"] / busy
    print(f"\ncoordinator ceiling (ray, 2 workers, no-op translator): {noop['files']} files, "
          f"{noop['sentences']} sentences: start of the CLI to the engine (imports, finding, hashing, "
          f"counting) {noop['selection']:.1f} s + planning {noop['planning']:.1f} s + dispatch, results "
          f"and writing {noop['after_startup']:.1f} s after the actors were up = {ceiling:.0f} sentences/s, "
          f"{noop['files'] / busy:.0f} files/s; without the fixed start ("
          f"{noop['sentences'] / (noop['planning'] + noop['after_startup']):.0f} sentences/s); "
          f"Ray start-up {noop['startup']:.1f} s not counted; peak RSS {noop['rss'] / 2**30:.2f} GB")

    best = max((results[label] for label, engine, _, _ in ROWS if engine == "ray"),
               key=lambda r: r["sentences"] / r["seconds"])
    two = results[ROWS[2][0]]
    per_worker = two["sentences"] / two["after_startup"] / 2  # steady state, start-up excluded
    print(f"\nbest ray row / local engine: {best['sentences'] / best['seconds'] / base:.2f}x "
          f"(target >= 0.85x); start-up {best['startup']:.1f} s (target <= 10 s)")
    print(f"\nPROJECTION (not measured): nodes like this one, each running 2 workers x 1 thread at "
          f"{per_worker:.2f} sentences/s per worker (steady state of the 2x1 row), capped by the driver "
          f"ceiling above; assumes files spread evenly, the model on every node, and no network limit.")
    print(f"{'nodes':>5} {'workers':>7} {'sent/s':>8} {'sent/hour':>10} {'limited by':>10}")
    for nodes in NODE_COUNTS:
        rate = nodes * 2 * per_worker
        print(f"{nodes:>5} {nodes * 2:>7} {min(rate, ceiling):>8.0f} {min(rate, ceiling) * 3600:>10.0f} "
              f"{'driver' if rate > ceiling else 'workers':>10}")


if __name__ == "__main__":
    main()
