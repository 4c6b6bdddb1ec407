"""Comparing systems: sacrebleu's paired bootstrap resampling and paired approximate randomisation.

The first system is the baseline, as in sacrebleu's paired tests; the seed and sample counts are part
of the result so the p-values can be reproduced.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass

from mt.evaluate.metrics import METRICS, TESTED_METRICS

log = logging.getLogger(__name__)

DEFAULT_SEED = 12345
DEFAULT_BOOTSTRAP = 1000
DEFAULT_TRIALS = 10000


@dataclass(frozen=True)
class TestSettings:
    seed: int = DEFAULT_SEED
    bootstrap_resamples: int = DEFAULT_BOOTSTRAP
    ar_trials: int = DEFAULT_TRIALS

    def to_dict(self) -> dict:
        return {"seed": self.seed, "bootstrap_resamples": self.bootstrap_resamples,
                "ar_trials": self.ar_trials, "metrics": list(TESTED_METRICS)}


@contextlib.contextmanager
def _sacrebleu_seed(seed: int):
    """sacrebleu's paired tests read their seed from SACREBLEU_SEED; set it for this call only."""
    old = os.environ.get("SACREBLEU_SEED")
    os.environ["SACREBLEU_SEED"] = str(seed)
    try:
        yield
    finally:
        if old is None:
            del os.environ["SACREBLEU_SEED"]
        else:
            os.environ["SACREBLEU_SEED"] = old


def _run(test_type: str, systems, references, n_samples: int, seed: int):
    from sacrebleu.significance import PairedTest

    metrics = {name: METRICS[name]() for name in TESTED_METRICS}
    with _sacrebleu_seed(seed):
        test = PairedTest(systems, metrics, references, test_type=test_type, n_samples=n_samples)
        signatures, results = test()
    # sacrebleu names the columns after the metric objects ("BLEU", "chrF2"); map back to our keys
    columns = [c for c in results if c != "System"]
    return dict(zip(TESTED_METRICS, columns)), signatures, results


def compare(
    systems: list[tuple[str, list[str]]],
    references: list[list[str]],
    settings: TestSettings = TestSettings(),
) -> tuple[list[dict], dict]:
    """One entry per system: score, p-values against the baseline (bootstrap and AR) and the
    bootstrap 95% confidence interval; plus the signatures of the two tests."""
    if len(systems) < 2:
        return [], {}
    log.info("paired bootstrap resampling (%d resamples)", settings.bootstrap_resamples)
    keys, bs_sigs, bs = _run("bs", systems, references, settings.bootstrap_resamples, settings.seed)
    log.info("paired approximate randomisation (%d trials)", settings.ar_trials)
    _, ar_sigs, ar = _run("ar", systems, references, settings.ar_trials, settings.seed)
    entries = []
    for i, (name, _) in enumerate(systems):
        entry: dict = {"system": name, "baseline": i == 0}
        for key, column in keys.items():
            boot, rand = bs[column][i], ar[column][i]
            entry[key] = {
                "score": round(boot.score, 4),
                "p_bootstrap": None if i == 0 else round(boot.p_value, 4),
                "p_ar": None if i == 0 else round(rand.p_value, 4),
                "mean": round(float(boot.mean), 4),
                "ci": [round(float(boot.mean - boot.ci), 4), round(float(boot.mean + boot.ci), 4)],
            }
        entries.append(entry)
    signatures = {key: {"bootstrap": bs_sigs[c].format(), "ar": ar_sigs[c].format()}
                  for key, c in keys.items()}
    return entries, signatures
