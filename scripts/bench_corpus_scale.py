"""Scale benchmark for the corpus commands: build, export to every format, import, from >= 1M records.

Writes synthetic `*.aligned.jsonl` files across many documents in a temp folder, then runs each step in
its own process and prints a table of rows, wall time and peak memory (ru_maxrss) per step.
Usage: python scripts/bench_corpus_scale.py [--records 1000000] [--docs 20000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# One step, run in a fresh interpreter so its peak RSS is its own; prints {"rows", "seconds", "rss_mb"}.
STEP = r"""
import json, resource, sys, time
step, args = sys.argv[1], sys.argv[2:]
t = time.perf_counter()
if step == "build":
    from mt.corpus.build import build_corpus
    rows = build_corpus(args[0], args[1], dedup=True).kept
elif step == "export":
    from mt.corpus.formats import export_corpus
    rows = export_corpus(args[0], args[1], format=args[2]).rows
elif step == "import":
    from mt.corpus.formats import import_corpus
    rows = import_corpus(args[0], args[1], format=args[2]).rows
elif step == "load_dataset streaming":
    import datasets
    ds = datasets.load_dataset(args[0], streaming=True)
    rows = sum(1 for split in ds.values() for _ in split)
elif step == "load_dataset json (peer)":
    import datasets
    ds = datasets.load_dataset("json", data_files=args[0] + "/**/*.aligned.jsonl", cache_dir=args[1])
    rows = sum(len(split) for split in ds.values())
seconds = time.perf_counter() - t
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": rows, "seconds": seconds, "rss_mb": rss_mb}))
"""

WORDS_IT = ("il governo la legge oggi domani città sindaco voto consiglio regionale nuovo piano "
            "milioni euro lavoro scuola ospedale treno strada porto mercato prezzi giovani famiglie "
            "presidente ministro accordo riforma sanità ricerca").split()
WORDS_EN = ("the government law today tomorrow city mayor vote council regional new plan million "
            "euro work school hospital train road port market prices young families president "
            "minister agreement reform health research").split()


def make_input(root: Path, records: int, docs: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    root.mkdir(parents=True)
    (root / "manifest.json").write_text(json.dumps({"model": "synthetic", "settings": {}, "files": {}}))
    per_doc = records // docs
    for d in range(docs):
        lines = []
        for s in range(per_doc if d < docs - 1 else records - per_doc * (docs - 1)):
            n = rng.randint(6, 30)
            it = " ".join(rng.choice(WORDS_IT) for _ in range(n)).capitalize() + f" {d}.{s}."
            en = " ".join(rng.choice(WORDS_EN) for _ in range(n)).capitalize() + f" {d}.{s}."
            lines.append(json.dumps({"paragraph": s // 4, "sentence": s, "source": it, "target": en,
                                     "parts": 1, "degenerate": False, "score": -rng.random()},
                                    ensure_ascii=False))
        folder = root / f"{d % 100:02d}"
        folder.mkdir(exist_ok=True)
        (folder / f"doc{d:06d}.aligned.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_step(name: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", STEP, name, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def size_mb(*paths: Path) -> float:
    files = [f for p in paths for f in (p.rglob("*") if p.is_dir() else [p]) if f.is_file()]
    return sum(f.stat().st_size for f in files) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    ap.add_argument("--no-peers", action="store_true", help="skip the load_dataset rows")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    try:
        src, ds = work / "aligned", work / "dataset"
        t = time.perf_counter()
        make_input(src, args.records, args.docs)
        print(f"input: {args.records} records in {args.docs} documents, {size_mb(src):.0f} MB of "
              f"aligned.jsonl, written in {time.perf_counter() - t:.1f} s", flush=True)
        results = [("build", run_step("build", str(src), str(ds)), size_mb(ds))]
        print(f"  build done in {results[-1][1]['seconds']:.1f} s", flush=True)
        for fmt, out in (("parquet", "c.parquet"), ("jsonl", "c.jsonl"), ("tmx", "c.tmx"), ("moses", "c")):
            r = run_step("export", str(ds), str(work / out), fmt)
            files = [work / "c.it", work / "c.en"] if fmt == "moses" else [work / out]
            results.append((f"export {fmt}", r, size_mb(*files)))
            print(f"  export {fmt} done in {r['seconds']:.1f} s", flush=True)
        for fmt, out in (("tmx", "c.tmx"), ("moses", "c")):
            r = run_step("import", str(work / out), str(work / f"imported-{fmt}"), fmt)
            results.append((f"import {fmt}", r, size_mb(work / f"imported-{fmt}")))
            print(f"  import {fmt} done in {r['seconds']:.1f} s", flush=True)
        if not args.no_peers:
            results.append(("load_dataset streaming", run_step("load_dataset streaming", str(ds)), 0.0))
            r = run_step("load_dataset json (peer)", str(src), str(work / "hf-cache"))
            results.append(("load_dataset json (peer)", r, size_mb(work / "hf-cache")))
        print()
        print("| step | rows | seconds | rows/s | peak RSS MB | output MB |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, r, mb in results:
            print(f"| {name} | {r['rows']} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} | "
                  f"{r['rss_mb']:.0f} | {mb:.0f} |")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
