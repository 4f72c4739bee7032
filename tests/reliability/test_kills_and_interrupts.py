"""SIGKILL, SIGTERM and SIGINT sent to real runs of the specification at random moments of each phase.

Each kill is followed by the checks that matter to whoever runs the suite next on the machine: no postgres
process (nor web server) of the killed run is left 2 s after it ended; the next run passes and leaves no run
directory, web-server log or pending entry behind; with the url provider, no database the killed run created
is left once the next run has swept, and the next run names what it swept. The url runs use a PostgreSQL of this
module's own (the embedded provider's server, named by URL): on the machine's shared service another run's start
could sweep the killed run's database first, and the next run would have nothing to name. The phase a signal
actually hit is read from the killed run's output (results printed before it ended), not assumed from the delay
chosen. The killed run writes a results file over the last one: afterwards that file is the last one untouched,
or a whole new one (never torn), marked partial, naming the signal, when the run was interrupted before its end.
"""

from __future__ import annotations

import json
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.helpers import child_runs, leftovers, service, workspaces
from tests.helpers.from_support import PRODUCT_DIR
from tests.helpers.kills import PHASES, PROPERTY, SIGNALS

pytestmark = pytest.mark.reliability

# the killed run: web servers first (uvicorn, then gunicorn, both kept to the end), then quick scenarios
KILLED_RUN = (
    "steps/test_request_boundary.py",
    "steps/test_cascades.py",
    "-k",
    "async_dependency or removed_at_teardown_the_read_after or test_cascades",
)
NEXT_RUN = ("steps/test_cascades.py", "-q")
PROVIDERS = {"embedded": ("--db=embedded",), "url": ("--db=url",)}  # the url: the module's own server's
LAST_RESULTS = "the last run's results\n"
INTERRUPTED_AS = {signal.SIGINT: "interrupted (Ctrl-C or SIGINT)", signal.SIGTERM: "interrupted (SIGTERM)"}
# every signal in every phase, and SIGKILL (none of the run's own clean-up runs) once more mid-scenario
CASES = [(death, phase) for death in SIGNALS for phase in PHASES] + [(signal.SIGKILL, "mid-scenario")]
CASE_IDS = [
    f"{death.name}-{phase.replace(' ', '-')}" + ("-again" if n >= 9 else "") for n, (death, phase) in enumerate(CASES)
]
ATTEMPTS = 5  # a signal that missed its phase (timing on a busy machine) is sent again in a new run, sooner
GRACE = 2.0  # seconds a killed run's processes may take to end
GRACEFUL_EXIT = 60.0  # seconds an interrupted run may take to tear down


def the_run(provider: str, url: str | None, *arguments: str) -> tuple[str, ...]:
    return (*arguments, *PROVIDERS[provider], *([f"--db-url={url}"] if url else []), "-p", "no:randomly")


@pytest.fixture(scope="module")
def data_root() -> Path:
    """A data root for this module's runs only: other runs on the machine cannot confuse its checks."""
    with workspaces.private_data_root() as root:
        yield root


@pytest.fixture(scope="module")
def url_server() -> Iterator[str]:
    """A PostgreSQL only this module's runs know, for the url rows: no other run on the machine sweeps there."""
    from support.database.embedded.provider import serve_embedded

    with serve_embedded() as server:
        yield server.admin_url.render_as_string(hide_password=False)


def product_dir(root: Path) -> Path:
    return root / PRODUCT_DIR


@pytest.mark.parametrize(("death", "phase"), CASES, ids=CASE_IDS)
# the url rows need not take turns: each worker's url_server is its own, and no other run sweeps there
@pytest.mark.parametrize("provider", list(PROVIDERS))
def test_a_killed_run_leaves_nothing_the_next_run_does_not_clear(
    provider, death, phase, data_root, record_property, request
):
    url = request.getfixturevalue("url_server") if provider == "url" else None
    env = {"SPEC_PG_DATA_ROOT": str(data_root)}
    for attempt in range(ATTEMPTS):
        kill = kill_once(provider, url, death, phase, env, data_root, patience=0.5**attempt, record=record_property)
        if kill is not None and kill["phase"] == phase:
            return
    pytest.fail(f"{death.name} never hit {phase} in {ATTEMPTS} runs (the machine is too busy to place it?)")


def wait_for_a_moment_in(run: child_runs.WatchedRun, phase: str, patience: float) -> None:
    """Until a random moment of ``phase``, placed by the run's own output; ``patience`` shortens the waits
    after a miss."""
    if phase == "server start":  # while Python starts and the server does, or while the suite is collected
        anchor = random.choice(["launch", "database: ", "collected "])
        if anchor == "launch":
            time.sleep(random.uniform(0.1, 2.0) * patience)
        else:
            run.wait_for_line(anchor)
            time.sleep(random.uniform(0.0, 0.3) * patience)
    elif phase == "mid-scenario":  # just after a result other than the last: inside one of the next scenarios
        run.wait_for_results(random.randint(1, run.selected() - 1))
        time.sleep(random.uniform(0.0, 0.2) * patience)
    else:  # after the last result: fixtures torn down, database dropped, servers stopped
        run.wait_for_results(run.selected())
        time.sleep(random.uniform(0.0, 0.5) * patience)


def kill_once(
    provider: str, url: str | None, death: signal.Signals, phase: str, env: dict, root: Path, patience: float, record
) -> dict | None:
    """One run killed in ``phase``, with every check; what it measured (None when the run ended first), also given
    to ``record`` (pytest's record_property) before the checks, so the summary counts a failed kill too."""
    results = root / "results" / "sqlalchemy-killed.json"
    results.parent.mkdir(exist_ok=True)
    results.write_text(LAST_RESULTS)
    run = child_runs.WatchedRun(*the_run(provider, url, *KILLED_RUN, "-v", f"--spec-results={results}"), env=env)
    try:
        wait_for_a_moment_in(run, phase, patience)
        started = run.processes()
        names = {process.pid: described(process) for process in started}
        if run.process.poll() is not None or not started:
            run.finish()
            return None  # ended before the signal: no kill to check
        run.process.send_signal(death)
        run.finish(GRACEFUL_EXIT)
        ended = time.monotonic()
    finally:
        run.stop()
    hit = child_runs.phase_of(len(run.result_times()), run.selected())

    still_running = child_runs.wait_until_gone(started[1:], GRACE)  # postgres, web servers, their workers
    ours = leftovers.our_postgres_processes(product_dir(root))  # also backends that began after the list was taken
    while ours and time.monotonic() < ended + GRACE:
        time.sleep(0.02)
        ours = leftovers.our_postgres_processes(product_dir(root))
    gone_after = time.monotonic() - ended
    left_by_kill = service.databases_marked_by(run.process.pid, url) if url else set()
    results_left = what_the_results_file_holds(results, death, hit, run)

    following = child_runs.run(*the_run(provider, url, *NEXT_RUN), env=env, timeout=300)
    left_after_next = service.databases_marked_by(run.process.pid, url) if url else set()
    left_behind = {
        "processes still running": [names[process.pid] for process in still_running],
        "postgres processes of ours": [process.pid for process in ours],
        "run directories": sorted(path.name for path in product_dir(root).glob("run-*")),
        "web server logs": sorted(path.name for path in product_dir(root).glob("app-logs/*")),
        "pending entries": sorted(path.name for path in product_dir(root).glob("pending-databases/*")),
        "databases of the killed run": sorted(left_after_next),
    }
    leaks = {kind: found for kind, found in left_behind.items() if found}
    kill = {
        "provider": provider,
        "signal": death.name,
        "intended": phase,
        "phase": hit,
        "gone_after": gone_after,
        "left_by_kill": len(left_by_kill),
        "leaks": len(leaks),
        "results": results_left,
    }
    record(PROPERTY, kill)
    where = f"{death.name} in {hit} ({provider})"
    assert following.returncode == 0, f"the run after {where} failed:\n{following.stdout[-3000:]}"
    assert not leaks, f"after {where} and the next run: {leaks}\nkilled run:\n{run.output[-2000:]}"
    if left_by_kill:  # the next run says what it swept: all of it (no other run knows this server)
        swept = next((line for line in following.stdout.splitlines() if "database swept: " in line), "")
        assert all(name in swept for name in left_by_kill), following.stdout[-2000:]
    return kill


def what_the_results_file_holds(results: Path, death: signal.Signals, hit: str, run: child_runs.WatchedRun) -> str:
    """ "kept" (the last results, untouched), "partial" or "complete"; fails on a torn file, a stray temporary file
    (only kill -9 may leave one, mid-write), a run that pytest ended as interrupted (exit 2) after some scenario
    ended whose results are not written marked partial naming the signal, or a run not interrupted so marked."""
    text = results.read_text()
    strays = [path.name for path in results.parent.iterdir() if path != results]
    assert death == signal.SIGKILL or not strays, strays
    interrupted = run.process.returncode == pytest.ExitCode.INTERRUPTED
    if text == LAST_RESULTS:
        assert not (interrupted and hit == "mid-scenario"), f"an interrupted run wrote no results\n{run.output}"
        return "kept"
    facts = json.loads(text)["run"]  # whole: never a torn file
    if interrupted:  # (and a -k selection: the partial reason names it next)
        assert not facts["complete"]
        assert facts["partial"].startswith(f"{INTERRUPTED_AS[death]}; "), f"{facts}\n{run.output[-3000:]}"
    else:
        assert "interrupted" not in (facts["partial"] or ""), facts
    return "complete" if facts["complete"] else "partial"


def described(process: psutil.Process) -> str:
    try:
        return f"{process.pid} {process.name()}"
    except psutil.Error:
        return f"{process.pid} (ended)"
