"""The public API as the README shows it: `from mt import segment, evaluate, …` (lazy, no collisions)."""

import subprocess
import sys


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_names_stay_functions_after_their_subpackages_are_imported():
    code = """
import mt
from mt import segment, evaluate
import mt.segment.core, mt.evaluate.metrics  # importing the subpackages must not hide the functions
first = [s.text for s in segment("Il dott. Rossi è arrivato. Che giornata!", lang="it")]
second = [s.text for s in segment("Uno. Due.", lang="it")]
third = [s.text for s in mt.segment("Tre. Quattro.", lang="it")]
assert first == ["Il dott. Rossi è arrivato.", "Che giornata!"], first
assert second == ["Uno.", "Due."] and third == ["Tre.", "Quattro."]
assert callable(evaluate) and callable(mt.evaluate) and mt.evaluate is evaluate
from mt.segment import Sentence  # the subpackage itself is still importable
print("ok")
"""
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_readme_api_example_runs_as_written(tiny_model):
    code = f"""
from mt import segment, Translator, read_article

sentences = segment("Il dott. Rossi è arrivato alle 10.30. «Che giornata!» disse.", lang="it")
translator = Translator(model={str(tiny_model)!r}, beams=4, max_new_tokens=8)
texts = [t.text for t in translator.translate([s.text for s in sentences])]
assert len(texts) == len(sentences) == 2, (texts, sentences)
assert all(isinstance(t, str) and t for t in texts)
print("ok")
"""
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")


def test_importing_mt_is_light():
    done = run_python("import sys, mt; from mt import segment; segment('Uno.', lang='it'); "
                      "print(sorted(m for m in ('torch', 'transformers', 'ctranslate2', 'datasets') "
                      "if m in sys.modules))")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
