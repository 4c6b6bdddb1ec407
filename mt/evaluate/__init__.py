"""Evaluating translations with sacrebleu: scores, system comparison, fix-rule effects and reports.

`evaluate()` scores hypothesis files or folders against references; see `mt evaluate --help`.
"""

from mt.evaluate.comparison import TestSettings
from mt.evaluate.evaluation import evaluate
from mt.evaluate.results import Evaluation
from mt.evaluate.testset import TestSet, load_testset

__all__ = ["Evaluation", "TestSet", "TestSettings", "evaluate", "load_testset"]
