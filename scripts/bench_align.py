"""Bead precision/recall/F1 of `mt corpus align` (no-MT and MT-assisted) next to its peers, one table.

Peers: pysbd segmentation + NLTK's Gale–Church `align_blocks` over sentence lengths. Data: an alignment
set built like shared/data/align-dev (DOC.it.txt, DOC.en.txt, gold.jsonl; see scripts/make_align_cases.py).
Usage: python scripts/bench_align.py [--data ../shared/data] [--set align-dev] [--model MODEL] [--docs N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from align_score import AlignCase, BeadScore, read_align_set, score_document
from public_data import add_data_option, require_data

from mt.corpus.align import align
from mt.document import read_article

Aligner = Callable[[AlignCase], list[tuple[str, str]]]


def ours(translator=None) -> Aligner:
    def run(case: AlignCase) -> list[tuple[str, str]]:
        beads = align(read_article(case.it_path), read_article(case.en_path), translator=translator)
        return [(b.source, b.target) for b in beads]
    return run


def gale_church_pysbd(case: AlignCase) -> list[tuple[str, str]]:
    """pysbd sentences of each paragraph, NLTK align_blocks over the whole document's sentence lengths."""
    import pysbd
    from nltk.translate.gale_church import align_blocks

    def sentences(path: Path, lang: str) -> list[str]:
        seg = pysbd.Segmenter(language=lang, clean=False)
        return [s.strip() for p in read_article(path).paragraphs for s in seg.segment(p.text) if s.strip()]

    it, en = sentences(case.it_path, "it"), sentences(case.en_path, "en")
    if not it or not en:
        return [(s, "") for s in it] + [("", t) for t in en]
    pairs = align_blocks([len(s) for s in it], [len(t) for t in en])
    # Pairs sharing a sentence form one bead; sentences in no pair are 1:0 or 0:1 beads.
    beads: list[tuple[list[int], list[int]]] = []
    for i, j in pairs:
        if beads and (i in beads[-1][0] or j in beads[-1][1]):
            last_it, last_en = beads[-1]
            last_it.extend([i] if i not in last_it else [])
            last_en.extend([j] if j not in last_en else [])
        else:
            beads.append(([i], [j]))
    seen_it = {i for b in beads for i in b[0]}
    seen_en = {j for b in beads for j in b[1]}
    beads += [([i], []) for i in range(len(it)) if i not in seen_it]
    beads += [([], [j]) for j in range(len(en)) if j not in seen_en]
    return [(" ".join(it[i] for i in b[0]), " ".join(en[j] for j in b[1])) for b in beads]


def evaluate(aligner: Aligner, cases: list[AlignCase]) -> tuple[BeadScore, float]:
    start = time.perf_counter()
    total = BeadScore(0, 0, 0)
    for case in cases:
        total += score_document(aligner(case), case.beads)
    return total, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_option(ap)
    ap.add_argument("--set", default="align-dev", help="the alignment set: a folder under --data")
    ap.add_argument("--model", help="model for the MT-assisted row (hub id or folder); skipped without")
    ap.add_argument("--docs", type=int, help="only the first N documents (the MT row is slow on CPU)")
    args = ap.parse_args()
    require_data(args.data, f"{args.set}/gold.jsonl")
    cases = read_align_set(args.data / args.set)[: args.docs]
    rows = [("mt corpus align --no-mt", ours())]
    notes = []
    if args.model:
        from mt.translate import Translator

        rows.append((f"mt corpus align --model {Path(args.model).name}", ours(Translator(model=args.model))))
    else:
        notes.append("MT-assisted row skipped: no --model given (no model weights on this machine?)")
    rows.append(("peer: pysbd + NLTK gale_church.align_blocks", gale_church_pysbd))
    gold = sum(len([b for b in c.beads if any(b)]) for c in cases)
    print(f"{args.data / args.set}: {len(cases)} documents, {gold} gold beads")
    print(f"| {'aligner':<48} | {'P':>5} | {'R':>5} | {'F1':>5} | {'beads':>5} | {'time s':>6} |")
    print(f"|{'-' * 50}|{'-' * 7}|{'-' * 7}|{'-' * 7}|{'-' * 7}|{'-' * 8}|")
    for name, aligner in rows:
        score, seconds = evaluate(aligner, cases)
        print(f"| {name:<48} | {score.precision:.3f} | {score.recall:.3f} | {score.f1:.3f} | "
              f"{score.predicted:>5} | {seconds:>6.1f} |")
    for note in notes:
        print(f"note: {note}")


if __name__ == "__main__":
    main()
