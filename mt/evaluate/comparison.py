"""Comparing systems: sacrebleu's paired bootstrap resampling and paired approximate randomisation.

The first system is the baseline, as in sacrebleu's paired tests; the seed and sample counts are part
of the result so the p-values can be reproduced. The defaults here are the command line's defaults.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass

from mt.evaluate.metrics import METRIC, TESTED_METRICS

log = logging.getLogger(__name__)

DEFAULT_SEED = 12345
DEFAULT_BOOTSTRAP = 1000
DEFAULT_TRIALS = 10000
# how many worst lines, and lines where a system differs most from the baseline, a report lists
DEFAULT_WORST = 20
# a difference is marked significant below this p-value
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class TestSettings:
    """How the paired tests run: the seed and how many resamples (bootstrap) and trials (AR)."""

    seed: int = DEFAULT_SEED
    bootstrap_resamples: int = DEFAULT_BOOTSTRAP
    ar_trials: int = DEFAULT_TRIALS

    def to_dict(self) -> dict:
        return {"seed": self.seed, "bootstrap_resamples": self.bootstrap_resamples,
                "ar_trials": self.ar_trials, "metrics": list(TESTED_METRICS)}

    def __str__(self) -> str:
        return (f"seed {self.seed}, {self.bootstrap_resamples} bootstrap resamples, "
                f"{self.ar_trials} AR trials")


@dataclass(frozen=True)
class PairedResult:
    """One system's score on one metric with its p-values against the baseline (None for the
    baseline itself) and the bootstrap 95% confidence interval."""

    score: float
    p_bootstrap: float | None
    p_ar: float | None
    mean: float
    ci: tuple[float, float]

    @property
    def significant(self) -> bool:
        """Different from the baseline with p < 0.05 in both tests."""
        return (self.p_bootstrap is not None and self.p_ar is not None
                and max(self.p_bootstrap, self.p_ar) < SIGNIFICANCE)

    def to_dict(self) -> dict:
        return {"score": self.score, "p_bootstrap": self.p_bootstrap, "p_ar": self.p_ar,
                "mean": self.mean, "ci": list(self.ci)}


@dataclass(frozen=True)
class SystemComparison:
    """A system's paired-test results, one per tested metric key."""

    system: str
    baseline: bool
    results: dict[str, PairedResult]

    def to_dict(self) -> dict:
        return {"system": self.system, "baseline": self.baseline,
                **{key: r.to_dict() for key, r in self.results.items()}}


@dataclass(frozen=True)
class Comparison:
    """The paired tests of every system against the first, with the settings and sacrebleu's signatures."""

    settings: TestSettings
    systems: list[SystemComparison]
    signatures: dict[str, dict[str, str]]

    def settings_dict(self) -> dict:
        return {**self.settings.to_dict(), "signatures": self.signatures}


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
    """sacrebleu's PairedTest: (signatures, {metric key: one result per system})."""
    from sacrebleu.significance import PairedTest

    metrics = {key: METRIC[key].factory() for key in TESTED_METRICS}
    with _sacrebleu_seed(seed):
        test = PairedTest(systems, metrics, references, test_type=test_type, n_samples=n_samples)
        signatures, results = test()
    # sacrebleu names the columns after the metric objects ("BLEU", "chrF2"), in the order given
    columns = [c for c in results if c != "System"]
    return ({key: signatures[c] for key, c in zip(TESTED_METRICS, columns)},
            {key: results[c] for key, c in zip(TESTED_METRICS, columns)})


def _r(x: float) -> float:
    return round(float(x), 4)


def compare(
    systems: list[tuple[str, list[str]]],
    references: list[list[str]],
    settings: TestSettings = TestSettings(),
) -> Comparison | None:
    """Both paired tests of every system against the first; None with fewer than two systems."""
    if len(systems) < 2:
        return None
    log.info("paired bootstrap resampling (%d resamples)", settings.bootstrap_resamples)
    bs_sigs, bs = _run("bs", systems, references, settings.bootstrap_resamples, settings.seed)
    log.info("paired approximate randomisation (%d trials)", settings.ar_trials)
    ar_sigs, ar = _run("ar", systems, references, settings.ar_trials, settings.seed)
    entries = []
    for i, (name, _) in enumerate(systems):
        results = {}
        for key in TESTED_METRICS:
            boot, rand = bs[key][i], ar[key][i]
            results[key] = PairedResult(
                score=_r(boot.score),
                p_bootstrap=None if i == 0 else _r(boot.p_value),
                p_ar=None if i == 0 else _r(rand.p_value),
                mean=_r(boot.mean),
                ci=(_r(boot.mean - boot.ci), _r(boot.mean + boot.ci)),
            )
        entries.append(SystemComparison(name, i == 0, results))
    signatures = {key: {"bootstrap": bs_sigs[key].format(), "ar": ar_sigs[key].format()}
                  for key in TESTED_METRICS}
    return Comparison(settings, entries, signatures)


def compare_documents(
    systems: list[tuple[str, list[str]]],
    references: list[list[str]],
    start: int,
    end: int,
    settings: TestSettings = TestSettings(),
) -> list[dict[str, float]]:
    """Paired bootstrap p-values of each system after the baseline on lines [start, end) (a document),
    one {metric key: p} per system. Only the bootstrap: approximate randomisation's thousands of trials
    per document would cost more than the whole evaluation. A system whose lines are the baseline's
    gets p = 1 without a test (sacrebleu's bootstrap gives its smallest p to two identical systems)."""
    part = [(name, lines[start:end]) for name, lines in systems]
    differ = [i for i in range(1, len(part)) if part[i][1] != part[0][1]]
    p_values = [dict.fromkeys(TESTED_METRICS, 1.0) for _ in part[1:]]
    if differ:
        _, bs = _run("bs", [part[0], *(part[i] for i in differ)], [r[start:end] for r in references],
                     settings.bootstrap_resamples, settings.seed)
        for column, i in enumerate(differ, 1):
            p_values[i - 1] = {key: _r(bs[key][column].p_value) for key in TESTED_METRICS}
    return p_values
