"""The Ray engine: files translated by a pool of Ray Data actors, each holding the model, on a private
local Ray instance or on a cluster; the driver keeps writing everything (mt.runs).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import pickle
import re
import socket
import warnings
from collections.abc import Callable, Iterable, Iterator

from mt.engines import Engine, FileJob, FileResult, register_engine
from mt.errors import MtError, UsageError

log = logging.getLogger(__name__)

# Ray's own loggers, quiet unless debugging (its progress bars are switched off through DataContext)
RAY_LOGGERS = ("ray", "ray.data", "ray.train", "ray.tune", "ray.serve")
# a task whose actor keeps dying (a file that crashes the process, memory) stops the run after this many
# retries instead of looping forever; a single killed actor or lost node is retried transparently
MAX_TASK_RETRIES = 3
CONNECT_TIMEOUT_S = 10
# files travel in parcels of up to PARCEL_SENTENCES sentences, at least PARCELS_PER_WORKER per worker
PARCEL_SENTENCES = 256
PARCELS_PER_WORKER = 4
# sentences per worker the driver plans ahead (a Ray Data dataset, whose actors load the model once), a few
# MB of driver memory each. A window costs about 5 s (a new actor pool, a model load, the tail: measured with
# scripts/bench_scale.py --window): 20-40 minutes of work for a CPU worker, minutes for a GPU one
WINDOW_SENTENCES = 10_000
GPU_WINDOW_SENTENCES = 50_000


def load_translator(options: dict):
    """In an actor: the driver's Translator rebuilt from its options, model loaded now (once per actor)."""
    from mt.translate import Translator

    translator = Translator(**options)
    translator.backend  # noqa: B018 (loads the model, so a bad model fails at start, not per file)
    return translator


@register_engine("ray")
class RayEngine(Engine):
    """`workers` actors of `threads` CPUs (and `gpus_per_worker` GPUs) each; each FileJob is translated
    whole by one actor, so per-file batching, and therefore the outputs, match the local engine.

    `worker_translator(options)` builds what an actor translates with; benchmarks and tests replace it.
    """

    worker_translator: Callable[[dict], object] = staticmethod(load_translator)

    def __init__(self, translator, workers: int | None = None, threads: int | None = None,
                 gpus_per_worker: float | None = None, ray_address: str | None = None, debug: bool = False):
        super().__init__(translator)
        try:
            import ray
            import ray.data  # noqa: F401 (Ray Data is its own extra of ray)
        except ModuleNotFoundError:
            raise UsageError('--engine ray needs Ray: pip install -e ".[ray]"') from None
        for what, value in (("workers", workers), ("threads", threads)):
            if value is not None and value < 1:
                raise UsageError(f"{what} must be at least 1, got {value}")
        if gpus_per_worker is not None and gpus_per_worker <= 0:
            raise UsageError(f"GPUs per worker must be above 0, got {gpus_per_worker}")
        self.debug = debug or log.isEnabledFor(logging.DEBUG)
        self.private = False
        self._quiet_ray()
        self.address = ray_address or os.environ.get("RAY_ADDRESS") or None
        self._connect(ray)
        try:
            self.workers, self.threads, self.gpus = self._size(ray, workers, threads, gpus_per_worker)
        except BaseException:
            self.close()
            raise
        log.debug("ray engine: %d workers x %d threads, %s GPUs each", self.workers, self.threads, self.gpus)

    # ------------------------------------------------------------------------------------ the cluster

    def _quiet_ray(self) -> None:
        level = logging.DEBUG if self.debug else logging.CRITICAL
        for name in RAY_LOGGERS:
            logging.getLogger(name).setLevel(level)
        if not self.debug:  # Ray's C++ core logs to stderr; it reads this when ray.init starts it
            os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")

    def _connect(self, ray) -> None:
        """Join `self.address`, or start a private local instance (shut down in close()); a Ray already
        initialised in this process (by a caller or a test) is used as it is and left running."""
        if ray.is_initialized():
            return
        import mt

        options = dict(include_dashboard=False, log_to_driver=self.debug,
                       logging_level=logging.DEBUG if self.debug else logging.ERROR)
        if self.address is None:  # its workers run this interpreter, environment and folder: mt is there
            try:
                with _quiet_stderr(not self.debug):
                    ray.init(address="local", num_cpus=_local_cpus(), **options)
            except BaseException:  # Ctrl-C during start-up: leave no half-started instance behind
                ray.shutdown()
                raise
            self.private = True
            return
        _check_reachable(self.address)
        # cluster nodes need only Python, Ray and the dependencies: the mt code travels with the job
        options["runtime_env"] = {"py_modules": [os.path.dirname(mt.__file__)]}
        try:
            with _quiet_stderr(not self.debug):
                ray.init(address=self.address, **options)
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise UsageError(f"cannot join the Ray cluster at {self.address}: {_one_line(e)}") from None

    def _size(self, ray, workers: int | None, threads: int | None, gpus_per_worker: float | None
              ) -> tuple[int, int, float]:
        """Workers, CPUs per worker and GPUs per worker, checked against what the cluster's nodes hold:
        actors that cannot be placed would wait forever, so asking for too many fails here."""
        nodes = [n["Resources"] for n in ray.nodes() if n.get("Alive")]
        cpus = sum(n.get("CPU", 0) for n in nodes)
        gpus = sum(n.get("GPU", 0) for n in nodes)
        device = getattr(self.translator, "device", "cpu")
        use_gpu = gpus_per_worker is not None or device.startswith("cuda") or (device == "auto" and gpus > 0)
        per_gpu = (gpus_per_worker or 1.0) if use_gpu else 0.0
        if use_gpu and gpus == 0:
            raise UsageError(f"the Ray cluster{self._where()} has no GPUs; use the CPU device or GPU nodes")
        if threads is None:
            threads = max(1, int(cpus // workers)) if workers and not use_gpu else 1
        if workers is None:
            workers = int(gpus / per_gpu + 1e-9) if use_gpu else int(cpus // threads)
        room = sum(min(int(n.get("CPU", 0) // threads),
                       int(n.get("GPU", 0) / per_gpu + 1e-9) if per_gpu else 1 << 30) for n in nodes)
        if workers > room or workers < 1:
            each = f"{threads} CPU{'s' if threads > 1 else ''}" + (f" and {per_gpu:g} GPU" if per_gpu else "")
            raise UsageError(f"the Ray cluster{self._where()} ({cpus:g} CPUs, {gpus:g} GPUs) has room for "
                             f"{room} translator workers of {each} each, not {max(workers, 1)}; "
                             f"ask for fewer workers or threads")
        return workers, threads, per_gpu

    def _where(self) -> str:
        return f" at {self.address}" if self.address and not self.private else ""

    # ------------------------------------------------------------------------------------ translating

    def run(self, jobs: Iterable[FileJob], progress: Callable[[int], None]) -> Iterator[FileResult]:
        """Jobs are taken a window at a time (WINDOW_SENTENCES per worker, more on GPUs): the driver
        holds one window, never the whole folder, and each window is planned after the one before has
        been written, so its cache lookups see those results."""
        jobs = iter(jobs)
        per_worker = GPU_WINDOW_SENTENCES if self.gpus else WINDOW_SENTENCES
        while window := _take(jobs, self.workers * per_worker):
            yield from self._run_window(window, progress)

    def _run_window(self, jobs: list[FileJob], progress: Callable[[int], None]) -> Iterator[FileResult]:
        import ray
        import ray.data

        import mt.errors

        # Ray Data needs a dataset's inputs up front. Each parcel (a Ray task) is one file, or several
        # small ones: a task costs the driver milliseconds, and results come back a parcel at a time.
        sizes = {job.rel: len(job.sentences) for job in jobs}
        parcels = _parcels(jobs, sum(sizes.values()) // (self.workers * PARCELS_PER_WORKER))
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = self.debug
        context.print_on_execution_start = self.debug
        context.verbose_progress = self.debug
        options = {**self.translator.options, "threads": self.threads, "cache": None}
        dataset = ray.data.from_items(parcels, override_num_blocks=len(parcels))
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="`ray_remote_args` is deprecated")
            results = dataset.map_batches(
                _actor_class(options, type(self).worker_translator),
                batch_size=1,
                # no actor without a parcel to take: each one loads the model
                compute=ray.data.ActorPoolStrategy(size=min(self.workers, len(parcels))),
                num_cpus=self.threads,
                num_gpus=self.gpus or None,
                **_retry_limit(type(dataset).map_batches),
            )
        rows = results.iter_rows()
        try:
            for row in rows:
                if row["fatal"] is not None:
                    raise getattr(mt.errors, row["fatal"], UsageError)(row["error"])
                progress(sizes[row["rel"]])
                if row["error"] is not None:
                    yield FileResult(row["rel"], None, row["error"])
                else:
                    yield FileResult(row["rel"], pickle.loads(row["translations"]))
        except ray.exceptions.RayError as e:
            raise _run_error(e) from None
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()

    def close(self) -> None:
        if self.private:
            import ray

            self.private = False
            ray.shutdown()


def _actor_class(options: dict, make: Callable[[dict], object]):
    """The actor Ray Data keeps `workers` of: built here, around the options, so that nothing it needs
    travels as a constructor argument in the object store (Ray warns about those on restart)."""

    class TranslatorActor:
        def __init__(self):
            self.broken: Exception | None = None
            try:
                self.translator = make(options)
            except Exception as e:  # a model that cannot load stops the run (as locally), reported in
                self.broken = e     # rows: an actor that died in its constructor would be retried in vain

        def __call__(self, batch: dict) -> dict:
            rels, translations, errors, fatal = [], [], [], []
            for rel, sentences in zip(_flat(batch["rel"]), _flat(batch["sentences"])):
                rels.append(str(rel))
                translations.append(b"")
                if self.broken is not None:
                    mine = isinstance(self.broken, MtError)
                    errors.append(str(self.broken) if mine else
                                  f"the Ray workers cannot start: {_one_line(self.broken)}")
                    fatal.append(type(self.broken).__name__ if mine else "UsageError")
                    continue
                fatal.append(None)
                try:
                    done = self.translator.translate([str(s) for s in sentences], use_cache=False)
                    translations[-1] = pickle.dumps(done)
                    errors.append(None)
                except Exception as e:  # this file fails; the actor and the other files go on
                    errors.append(f"translation failed on a Ray worker: {_one_line(e)}")
            return {"rel": rels, "translations": translations, "error": errors, "fatal": fatal}

    return TranslatorActor


def _retry_limit(map_batches) -> dict:
    """`max_task_retries=MAX_TASK_RETRIES` in whatever form this Ray takes it: a named parameter, else
    the catch-all remote arguments (deprecated in Ray 2.60, to be removed in 2.64), else nothing, which
    leaves Ray Data's own default (retry without limit) rather than fail."""
    parameters = inspect.signature(map_batches).parameters
    if "max_task_retries" in parameters or any(
            p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return {"max_task_retries": MAX_TASK_RETRIES}
    log.debug("this Ray takes no max_task_retries: tasks of dying actors are retried without limit")
    return {}


def _take(jobs: Iterator[FileJob], sentences: int) -> list[FileJob]:
    """The next jobs, until they hold `sentences` sentences (at least one job while any are left)."""
    taken, size = [], 0
    for job in jobs:
        taken.append(job)
        size += len(job.sentences)
        if size >= sentences:
            break
    return taken


def _parcels(jobs: list[FileJob], sentences: int) -> list[dict]:
    """Consecutive files grouped until each group has `sentences` (at most PARCEL_SENTENCES); with few
    sentences per worker every file goes alone, so the workers share the end of the run evenly."""
    target = max(1, min(PARCEL_SENTENCES, sentences))
    parcels, current, size = [], {"rel": [], "sentences": []}, 0
    for job in jobs:
        current["rel"].append(job.rel)
        current["sentences"].append(job.sentences)
        size += len(job.sentences)
        if size >= target:
            parcels.append(current)
            current, size = {"rel": [], "sentences": []}, 0
    if current["rel"]:
        parcels.append(current)
    return parcels


def _flat(column) -> list:
    """The files of a batch of parcels (one parcel per batch, but any batch size reads the same)."""
    return [item for parcel in column for item in parcel]


def _run_error(e: Exception) -> MtError:
    """One line for a failure Ray reports (the worker's own mt error as it is)."""
    cause = e
    while cause is not None:
        if isinstance(cause, MtError):
            return type(cause)(str(cause).splitlines()[0])
        cause = cause.__cause__
    return UsageError(f"the Ray workers failed ({_one_line(e)}); completed files are kept; "
                      f"check the workers' memory and logs, then run again")


def _check_reachable(address: str) -> None:
    """A `host:port` (or `ray://host:port`) address must answer within seconds: ray.init itself can
    wait minutes for a cluster that is not there."""
    if address in ("auto", "local"):
        return
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"Ray address {address!r} is not host:port, ray://host:port or auto")
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as e:
        reason = "timed out" if isinstance(e, TimeoutError) else (e.strerror or str(e))
        raise UsageError(f"cannot reach the Ray cluster at {address}: {reason}") from None


@contextlib.contextmanager
def _quiet_stderr(quiet: bool):
    """Standard error closed at the file-descriptor level: the C++ core announces its log level there
    as it starts, whatever the level (failures still arrive as exceptions)."""
    if not quiet:
        yield
        return
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _local_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _one_line(e: BaseException) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(e)).strip().splitlines()  # Ray colours its messages
    return f"{type(e).__name__}: {text[0]}" if text else type(e).__name__
