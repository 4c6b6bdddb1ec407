"""Build sentence-alignment test cases from a parallel text, the way shared/data/align-dev was built.

Held-out checks for `mt corpus align`: e.g. newstest2009 cut into pseudo-documents of 4–30 lines.
Usage: python scripts/make_align_cases.py IT.txt EN.txt OUT_DIR [--docs docs.tsv] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

TERMINATORS = ".!?…"
CLOSING_QUOTES = "\"'”’»"


def _ends_sentence(line: str) -> bool:
    return line.rstrip(CLOSING_QUOTES).endswith(tuple(TERMINATORS))


def _merge(first: str, second: str, sep: str) -> str:
    body = first[:-1] if first.endswith(tuple(TERMINATORS)) else first
    return f"{body}{sep} {second}"


def build_case(doc: str, it: list[str], en: list[str], rng: random.Random) -> tuple[list, list, dict]:
    """Italian paragraphs, English paragraphs and the gold record of one document."""
    paragraphs, current, size = [[0]], [], rng.randint(1, 4)
    for k in range(1, len(it)):
        current.append(k)
        if not _ends_sentence(en[k]) or len(current) >= size:
            paragraphs.append(current)
            current, size = [], rng.randint(1, 4)
    if current:
        paragraphs.append(current)
    dropped = rng.randrange(1, len(paragraphs)) if len(paragraphs) >= 3 and rng.random() < 0.2 else None
    it_paras, en_paras, beads = [], [], []
    for p, lines in enumerate(paragraphs):
        if p == dropped:
            en_paras.append([en[k] for k in lines])
            beads.extend(("0:1", "", en[k]) for k in lines)
            continue
        it_paras.append([it[k] for k in lines])
        out, k = [], 0
        while k < len(lines):
            a = lines[k]
            if k + 1 < len(lines) and rng.random() < 0.10:
                b = lines[k + 1]
                merged = _merge(en[a], en[b], rng.choice(";,"))
                out.append(merged)
                beads.append(("2:1", f"{it[a]} {it[b]}", merged))
                k += 2
            elif rng.random() < 0.08:
                beads.append(("1:0", it[a], ""))
                k += 1
            else:
                out.append(en[a])
                beads.append(("1:1", it[a], en[a]))
                k += 1
        if out:
            en_paras.append(out)
    record = {"doc": doc, "it_paragraphs": len(it_paras), "en_paragraphs": len(en_paras),
              "dropped_it_paragraph": dropped is not None,
              "kinds": dict(Counter(kind for kind, _, _ in beads)), "beads": [[s, t] for _, s, t in beads]}
    return it_paras, en_paras, record


def _documents(it: list[str], en: list[str], docs: Path | None, rng: random.Random):
    if docs:
        start = 0
        for line in docs.read_text(encoding="utf-8").splitlines():
            doc, n = line.split("\t")
            yield doc, it[start:start + int(n)], en[start:start + int(n)]
            start += int(n)
        return
    start = 0
    while start < len(it):
        n = rng.randint(4, 30)
        yield f"doc{start + 1:05d}", it[start:start + n], en[start:start + n]
        start += n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("it", type=Path)
    ap.add_argument("en", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--docs", type=Path, help="docid<TAB>lines per document (default: random 4-30 lines)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--one-sentence", action="store_true",
                    help="keep only line pairs that mt.segment leaves whole on both sides, as in NTREX")
    args = ap.parse_args()
    for path in (args.it, args.en, *([args.docs] if args.docs else [])):
        if not path.is_file():
            raise SystemExit(f"error: {path} does not exist; give the parallel text as two files, "
                             "line i of one aligned with line i of the other")
    it = args.it.read_text(encoding="utf-8").splitlines()
    en = args.en.read_text(encoding="utf-8").splitlines()
    if len(it) != len(en):
        raise SystemExit(f"error: {args.it} has {len(it)} lines, {args.en} has {len(en)}")
    if args.one_sentence:
        from mt.segment import segment

        pairs = [(i, e) for i, e in zip(it, en) if len(segment(i, "it")) == len(segment(e, "en")) == 1]
        it, en = [i for i, _ in pairs], [e for _, e in pairs]
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "gold.jsonl", "w", encoding="utf-8") as gold:
        for doc, it_lines, en_lines in _documents(it, en, args.docs, rng):
            it_paras, en_paras, record = build_case(doc, it_lines, en_lines, rng)
            for lang, paras in (("it", it_paras), ("en", en_paras)):
                text = "".join(" ".join(p) + "\n" for p in paras)
                (args.out / f"{doc}.{lang}.txt").write_text(text, encoding="utf-8")
            gold.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
