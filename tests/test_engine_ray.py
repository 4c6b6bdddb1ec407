"""The Ray engine (mt.engines.ray) on a real local Ray instance with 2 CPUs and the tiny model: jobs in,
results out, failing and killed workers, sizing, and whole `mt translate --engine ray` runs."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from mt.cli import main  # noqa: E402
from mt.engines import FileJob, make_engine  # noqa: E402
from mt.engines.ray import RayEngine, load_translator  # noqa: E402
from mt.errors import ModelLoadError, UsageError  # noqa: E402
from mt.translate import Translator  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--max-new-tokens", "16"]
ARTICLES = {
    "cronaca/roma/incendio.it.txt": "Incendio a Roma\n\nUn incendio è scoppiato ieri sera in un palazzo "
                                    "del centro. I vigili del fuoco sono arrivati subito.\n\n"
                                    "Nessuno è rimasto ferito.\n",
    "cronaca/milano.txt": "Il sindaco di Milano ha presentato il nuovo piano per il traffico. "
                          "I lavori inizieranno a marzo.\n",
    "economia/borsa/oggi.txt": "La Borsa di Milano chiude in rialzo.\nIl governo ha approvato la legge.\n",
    "sport.txt": "\ufeffLa Roma ha vinto la partita.\r\n\r\nI tifosi hanno festeggiato a Roma.\r\n",
    "esteri.txt": "Il presidente ha incontrato i giornalisti. Il governo ha approvato la legge.\n",
}
LATIN1 = ("vecchio/citta.txt", "La città è bella. Il caffè è caldo.\n".encode("latin-1"))
JOBS = [FileJob("a.txt", ["La Camera ha votato contro.", "Oggi piove a Roma."]),
        FileJob("b/c.txt", ["Il governo ha deciso di aumentare le tasse."]),
        FileJob("d.txt", ["I tifosi hanno festeggiato.", "La Roma ha vinto la partita.", "Buongiorno."])]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One local Ray instance (2 CPUs) for the module; engines use it and leave it running.

    Its workers convert models into a fresh cache, so the first engine starts two actors converting
    the same model at once (the atomic publish in mt.translate.convert must make that safe)."""
    import mt

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # test-only translators travel
    ct2 = tmp_path_factory.mktemp("worker-cache")
    runtime_env = {"py_modules": [os.path.dirname(mt.__file__)], "env_vars": {"MT_CACHE_DIR": str(ct2)}}
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env=runtime_env)
    yield ct2
    ray.shutdown()


@pytest.fixture(scope="module")
def translator(tiny_model):
    return Translator(str(tiny_model), backend="ctranslate2", max_new_tokens=16)


def translate_all(engine, jobs):
    seen = []
    try:
        results = {r.rel: r for r in engine.run(iter(jobs), seen.append)}
    finally:
        engine.close()
    return results, sum(seen)


# ------------------------------------------------------------------------------------ the engine alone


def test_jobs_in_results_out_as_the_local_translator_gives_them(cluster, translator):
    engine = make_engine("ray", translator, workers=2)
    assert (engine.workers, engine.threads) == (2, 1)
    results, progressed = translate_all(engine, JOBS)
    assert set(results) == {job.rel for job in JOBS}
    for job in JOBS:
        assert results[job.rel].error is None
        assert results[job.rel].translations == translator.translate(job.sentences, use_cache=False)
    assert progressed == sum(len(job.sentences) for job in JOBS)
    # two actors converted the model at once: one published conversion, whole; an actor stopped at the
    # end of the run may leave its hidden temporary folder, which nothing ever loads
    published = [p for p in (cluster / "ct2").iterdir() if not p.name.startswith(".")]
    assert len(published) == 1 and (published[0] / "model.bin").is_file()


def test_jobs_are_taken_a_window_at_a_time(cluster, translator, monkeypatch):
    """The driver plans no further than one window ahead; every window gives what the translator gives."""
    import mt.engines.ray

    monkeypatch.setattr(mt.engines.ray, "WINDOW_SENTENCES", 1)  # 2 workers: windows of 2 sentences
    taken, pulled_before = [], {}

    def jobs():
        for job in JOBS:
            taken.append(job.rel)
            yield job

    engine = make_engine("ray", translator, workers=2)
    try:
        for result in engine.run(jobs(), lambda n: None):
            pulled_before[result.rel] = list(taken)
            assert result.translations == translator.translate(
                next(j for j in JOBS if j.rel == result.rel).sentences, use_cache=False)
    finally:
        engine.close()
    assert pulled_before == {"a.txt": ["a.txt"], "b/c.txt": ["a.txt", "b/c.txt", "d.txt"],
                             "d.txt": ["a.txt", "b/c.txt", "d.txt"]}


class _Refusing:
    """A worker translator that fails on one sentence, to stand for a file that breaks the model."""

    def __init__(self, inner):
        self.inner = inner

    def translate(self, sentences, use_cache=True):
        if "Buongiorno." in sentences:
            raise RuntimeError("the model fell over")
        return self.inner.translate(sentences, use_cache=use_cache)


class RefusingEngine(RayEngine):
    worker_translator = staticmethod(lambda options: _Refusing(load_translator(options)))


def test_a_failing_file_is_reported_and_the_others_finish(cluster, translator):
    results, _ = translate_all(RefusingEngine(translator, workers=2), JOBS)
    assert results["d.txt"].translations is None
    assert results["d.txt"].error == "translation failed on a Ray worker: RuntimeError: the model fell over"
    assert results["a.txt"].translations == translator.translate(JOBS[0].sentences, use_cache=False)
    assert results["b/c.txt"].error is None


def killing_engine(flag: Path):
    """An engine whose actor process dies (os._exit) the first time it meets "Buongiorno.": the flag
    file, made just before, says it already happened, so the retried file goes through."""

    class Killing:
        def __init__(self, inner):
            self.inner = inner

        def translate(self, sentences, use_cache=True):
            if "Buongiorno." in sentences and not flag.exists():
                flag.touch()
                os._exit(1)
            return self.inner.translate(sentences, use_cache=use_cache)

    class KillingEngine(RayEngine):
        worker_translator = staticmethod(lambda options: Killing(load_translator(options)))

    return KillingEngine


def test_an_actor_killed_mid_file_is_restarted_and_its_file_retried(cluster, translator, tmp_path):
    flag = tmp_path / "killed"
    results, _ = translate_all(killing_engine(flag)(translator, workers=2), JOBS)
    assert flag.exists()
    for job in JOBS:
        assert results[job.rel].translations == translator.translate(job.sentences, use_cache=False)


def test_the_retry_limit_goes_where_this_ray_takes_it():
    from mt.engines.ray import MAX_TASK_RETRIES, _retry_limit

    def named(fn, *, num_cpus=None, max_task_retries=None): ...
    def catch_all(fn, *, num_cpus=None, **ray_remote_args): ...
    def neither(fn, *, num_cpus=None): ...

    assert _retry_limit(named) == {"max_task_retries": MAX_TASK_RETRIES}
    assert _retry_limit(catch_all) == {"max_task_retries": MAX_TASK_RETRIES}
    assert _retry_limit(neither) == {}  # Ray Data's own default then: retried without limit
    assert _retry_limit(ray.data.Dataset.map_batches) == {"max_task_retries": MAX_TASK_RETRIES}


def test_workers_are_sized_to_the_cluster_and_never_beyond_it(cluster, translator):
    engine = RayEngine(translator)  # default: the cluster's CPUs, one thread each
    assert (engine.workers, engine.threads, engine.gpus) == (2, 1, 0.0)
    engine = RayEngine(translator, workers=1)  # workers alone: the CPUs shared out
    assert (engine.workers, engine.threads) == (1, 2)
    started = time.monotonic()
    with pytest.raises(UsageError, match=r"has room for 1 translator workers of 2 CPUs each, not 2"):
        RayEngine(translator, workers=2, threads=2)
    with pytest.raises(UsageError, match="has no GPUs"):
        RayEngine(translator, gpus_per_worker=0.5)
    assert time.monotonic() - started < 5


def test_a_model_that_cannot_load_on_the_workers_stops_the_run(cluster, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="cannot load model"):
        translate_all(RayEngine(Translator(str(broken)), workers=1), JOBS)


def test_without_ray_installed_the_engine_says_how_to_get_it(tiny_model, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what `import ray` meets when it is not installed
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Oggi piove.\n", encoding="utf-8")
    code = main(["translate", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                 "--model", str(tiny_model), "--engine", "ray", "--quiet"])
    assert code == 2
    assert capsys.readouterr().err == 'error: --engine ray needs Ray: pip install -e ".[ray]"\n'


# ------------------------------------------------------------------------------------ whole runs


def write_articles(root: Path) -> Path:
    for rel, text in ARTICLES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8", newline="")
    (root / LATIN1[0]).parent.mkdir(parents=True, exist_ok=True)
    (root / LATIN1[0]).write_bytes(LATIN1[1])
    return root


def outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name.endswith((".en.txt", ".aligned.jsonl"))}


def manifest(out: Path) -> dict:
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for entry in data["files"].values():
        entry.pop("seconds", None)
    return {key: value for key, value in data.items() if key in ("kind", "model", "settings", "files")}


@pytest.mark.parametrize("window", [None, 1], ids=["one-window", "a-window-per-file"])
def test_ray_run_writes_the_same_bytes_as_the_local_engine(cluster, tiny_model, tmp_path, capsys, monkeypatch,
                                                           window):
    """With windows too: a sentence two files share is translated in one window and found in the cache
    by the other."""
    import mt.engines.ray

    if window:
        monkeypatch.setattr(mt.engines.ray, "WINDOW_SENTENCES", window)
    src = write_articles(tmp_path / "in")
    args = ["translate", str(src), "--model", str(tiny_model), *FAST, "--quiet"]
    assert main([*args, "--out", str(tmp_path / "local")]) == 1
    assert main([*args, "--out", str(tmp_path / "ray"), "--engine", "ray", "--workers", "2"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "(raylet)" not in err
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")
    assert len(outputs(tmp_path / "ray")) == 2 * len(ARTICLES)
    assert manifest(tmp_path / "ray") == manifest(tmp_path / "local")
    assert manifest(tmp_path / "ray")["files"][LATIN1[0]]["status"] == "failed"


def ray_processes(tag: str) -> list[int]:
    """Processes of the Ray instance whose temporary folder is `tag` (they all carry it in their
    environment, workers included, whatever they renamed themselves to)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if f"RAY_TMPDIR={tag}".encode() in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:  # gone, or not ours
            continue
    return found


def test_ctrl_c_stops_the_private_instance_and_the_local_engine_finishes_the_same(tiny_model, tmp_path):
    src = write_articles(tmp_path / "in")
    for k in range(6):  # enough distinct sentences (the cache answers repeats) that the cut lands mid-run
        (src / f"lunghi/{k}.txt").parent.mkdir(exist_ok=True)
        (src / f"lunghi/{k}.txt").write_text(
            "".join(f"Il governo ha deciso la misura numero {k * 100 + j}. La Camera ha votato {j} volte.\n"
                    for j in range(40)), encoding="utf-8")
    args = ["translate", str(src), "--model", str(tiny_model), *FAST, "--quiet"]
    clean, cut = tmp_path / "clean", tmp_path / "cut"
    assert main([*args, "--out", str(clean)]) == 1
    tag = tempfile.mkdtemp(prefix="r", dir="/tmp")  # short: Ray's socket paths live under it
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"} | {"RAY_TMPDIR": tag}
    child = subprocess.Popen([sys.executable, "-m", "mt", *args, "--out", str(cut), "--engine", "ray",
                              "--workers", "2"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while not list(cut.rglob("*.en.txt")) and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    assert ray_processes(tag), "the private Ray instance should be running"
    child.send_signal(signal.SIGINT)
    sent = time.monotonic()
    code = child.wait(timeout=60)
    assert time.monotonic() - sent < 10
    err = child.stderr.read()
    assert code == 130 and err == "error: interrupted; completed outputs are kept, re-run to finish\n", err
    deadline = time.monotonic() + 10
    while ray_processes(tag) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ray_processes(tag) == []
    assert main([*args, "--out", str(cut)]) == 1  # the other engine finishes the folder
    assert outputs(cut) == outputs(clean)
    assert manifest(cut) == manifest(clean)


def test_an_unreachable_address_is_named_within_seconds(tiny_model, tmp_path):
    src = write_articles(tmp_path / "in")
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "mt", "translate", str(src), "--out", str(tmp_path / "out"),
                          "--model", str(tiny_model), "--quiet",
                          "--engine", "ray", "--ray-address", "127.0.0.1:9"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 30
    assert run.returncode == 2
    assert run.stderr.startswith("error: cannot reach the Ray cluster at 127.0.0.1:9: ")
    assert len(run.stderr.splitlines()) == 1, run.stderr
