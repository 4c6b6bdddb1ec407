"""Corpus statistics: rows per split and origin, length distributions per side, length-ratio histogram.

Computed column-wise over Arrow batches, so a corpus of millions of rows is read once, in pieces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mt.corpus.dataset import DatasetFolder

SUMMARY = ("min", "median", "mean", "p95", "max")


@dataclass
class CorpusStats:
    path: str
    rows: dict[str, dict[str, int]]  # split -> origin -> rows
    lengths: dict[str, dict[str, float]]  # "it chars", "en words", … -> min/median/mean/p95/max
    ratios: Any = field(default=None, repr=False)  # numpy array: it chars / en chars per row

    def to_dict(self) -> dict:
        return {"path": self.path, "rows": self.rows, "lengths": self.lengths}

    def format(self) -> str:
        origins = sorted({o for by_origin in self.rows.values() for o in by_origin})
        head = ["split", *origins, "total"]
        table = [head]
        for split, by_origin in self.rows.items():
            table.append([split, *(str(by_origin.get(o, 0)) for o in origins),
                          str(sum(by_origin.values()))])
        table.append(["total", *(str(sum(r.get(o, 0) for r in self.rows.values())) for o in origins),
                      str(sum(sum(r.values()) for r in self.rows.values()))])
        lines = [f"{self.path}", "", *_align(table), ""]
        table = [["length", *SUMMARY]]
        for name, summary in self.lengths.items():
            table.append([name, *(f"{summary[k]:.1f}" if k == "mean" else f"{summary[k]:g}"
                                  for k in SUMMARY)])
        lines += _align(table)
        return "\n".join(lines) + "\n"


def _align(table: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
            for row in table]


def corpus_stats(dataset_dir: str | Path) -> CorpusStats:
    import numpy as np
    import pyarrow.compute as pc

    folder = DatasetFolder(dataset_dir)
    rows: dict[str, dict[str, int]] = {}
    parts: dict[str, list] = {f"{side} {unit}": [] for side in ("it", "en") for unit in ("chars", "words")}
    for split in folder.splits:
        counts = rows.setdefault(split, {})
        for batch in folder.iter_batches(split, columns=["it", "en", "origin"]):
            for item in pc.value_counts(batch.column("origin")).to_pylist():
                counts[item["values"]] = counts.get(item["values"], 0) + item["counts"]
            for side in ("it", "en"):
                text = batch.column(side)
                parts[f"{side} chars"].append(pc.utf8_length(text).to_numpy(zero_copy_only=False))
                words = pc.list_value_length(pc.utf8_split_whitespace(text))
                parts[f"{side} words"].append(words.to_numpy(zero_copy_only=False))
    lengths = {}
    for name, chunks in parts.items():
        values = np.concatenate(chunks) if chunks else np.zeros(0)
        lengths[name] = (
            {"min": int(values.min()), "median": float(np.median(values)), "mean": float(values.mean()),
             "p95": float(np.percentile(values, 95)), "max": int(values.max())}
            if len(values) else dict.fromkeys(SUMMARY, 0)
        )
    it_chars = np.concatenate(parts["it chars"]) if parts["it chars"] else np.zeros(0)
    en_chars = np.concatenate(parts["en chars"]) if parts["en chars"] else np.zeros(0)
    both = (it_chars > 0) & (en_chars > 0)  # a ratio with an empty side means nothing
    ratios = it_chars[both] / en_chars[both]
    return CorpusStats(str(folder.path), rows, lengths, ratios)


def plot_ratios(stats: CorpusStats, png: str | Path) -> Path:
    """A histogram of it/en character-length ratios (log scale), saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    png = Path(png)
    png.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4))
    ratios = np.asarray(stats.ratios if stats.ratios is not None else [], dtype=float)
    if len(ratios):
        bins = np.logspace(np.log10(max(ratios.min(), 1e-2)), np.log10(max(ratios.max(), 1.01)), 50)
        ax.hist(ratios, bins=bins, color="#4a7ab5")
        ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("Italian / English length in characters (log scale)")
    ax.set_ylabel("pairs")
    ax.set_title(f"Length ratios, {len(ratios)} pairs: {Path(stats.path).name}")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return png
