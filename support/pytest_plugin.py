"""The harness as a pytest plugin: per-scenario fixtures, guards and version tags; the run's database through
``support.database_plugin``, which it loads."""

from __future__ import annotations

import pytest

from support import databases, versions

# Refused here, in one line, before the imports below fail on an SQLAlchemy they were not written for
# (pytest prints a UsageError raised while loading a plugin as "ERROR: <message>").
if versions.unsupported_reason():
    raise pytest.UsageError(versions.unsupported_reason())

import gc
import signal
import threading

from sqlalchemy.exc import DBAPIError

from support import guards, secrets, step_lookup
from support.database.harness import SpecDatabase, harness_engine
from support.database.preflight import creation_problem
from support.drivers import sync_url
from support.evidence import SERVER, SETUP_PROBLEM, RunFacts, scenario_evidence
from support.observer import Observer
from support.outcome import Outcome
from support.sessions import ScenarioSessions
from support.sql_log import SqlLog
from support.sqlite_engines import SqliteSettings
from support.warnings_log import WarningsLog

# the run's server and own database (options, hooks, session fixtures); the terminal's --spec-reporter
pytest_plugins = ["support.database_plugin", "support.report.terminal"]

SESSION_FIXTURE_PROBLEM = pytest.StashKey[tuple[str, str]]()  # the first session-scoped fixture that failed, and why
SIGTERM_HANDLED = pytest.StashKey[bool]()
guards.read_feature_files_without_byte_order_mark()
guards.keep_the_whole_path_of_nested_feature_files()
HARNESS_MARKERS = (
    "sqlalchemy: (set by version tags) the SQLAlchemy versions a scenario describes",
    "database: (set by database tags) the database a scenario describes",
    "spec_problem: (set by the harness) why a scenario cannot run",
    "spec_undeclared_tag: (set by the harness) a tag of the scenario that no marker declares",
)
_configs: list[pytest.Config] = []  # the configuration being collected (pytester nests them)


@pytest.hookimpl(trylast=True)  # after the terminal reporter exists
def pytest_configure(config: pytest.Config) -> None:
    for marker in HARNESS_MARKERS:
        config.addinivalue_line("markers", marker)
    _configs.append(config)
    step_lookup.install()
    if (
        getattr(config, "workerinput", None) is None  # xdist workers are stopped by their controller
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # nobody else handles it
    ):
        signal.signal(signal.SIGTERM, _interrupt_on_sigterm)
        config.stash[SIGTERM_HANDLED] = True
    if config.pluginmanager.get_plugin("terminalreporter") is not None:
        _mask_passwords_in(config.get_terminal_writer())


def _interrupt_on_sigterm(signum: int, frame) -> None:
    """SIGTERM ends the run as Ctrl-C does: fixtures torn down, own database dropped, server stopped."""
    raise KeyboardInterrupt("SIGTERM")


def _mask_passwords_in(writer) -> None:
    """Everything the terminal shows (warnings, captured output, summaries) passes the password mask."""
    write = writer.write

    def masked_write(message: str, **markup: bool) -> None:
        write(secrets.mask(message), **markup)

    writer.write = masked_write


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built (modules, step definitions, items) lives as long as the run: the garbage collector stops
    walking it again at each full collection (a third of the time a run spent collecting garbage)."""
    gc.collect()
    gc.freeze()


def pytest_unconfigure(config: pytest.Config) -> None:
    if config in _configs:
        _configs.remove(config)
    if config.stash.get(SIGTERM_HANDLED, False) and signal.getsignal(signal.SIGTERM) is _interrupt_on_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return RunFacts.of(config).lines()


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    terminalreporter.write_line("; ".join(RunFacts.of(config).lines()))


# --- tags and guards ---------------------------------------------------------------------------


def pytest_bdd_apply_tag(tag: str, function):
    if databases.is_database_tag(tag):
        try:
            name = databases.parse_tag(tag)
        except ValueError as invalid:
            name = None  # the scenario fails at setup with this one line, led by the tag's file:line
            pytest.mark.spec_problem(str(invalid), tag)(function)
        pytest.mark.database(name, tag)(function)
        return True
    if not versions.is_version_tag(tag):
        if _configs and tag not in guards.declared_markers(_configs[-1]):
            pytest.mark.spec_undeclared_tag(tag)(function)  # the scenario fails at setup, naming the fix
            return True
        return None  # area and other tags become ordinary (declared) markers
    try:
        specifier = str(versions.parse_tag(tag))
    except ValueError as invalid:
        specifier = None  # the scenario fails at setup with this one line, led by the tag's file:line
        pytest.mark.spec_problem(str(invalid), tag)(function)
    pytest.mark.sqlalchemy(specifier, tag)(function)
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        scenario = guards.scenario_of(item)
        if scenario is None:
            continue
        tag_problem = item.get_closest_marker("spec_problem")
        problem = (
            (tag_problem and f"{guards.tag_location(scenario, tag_problem.args[1])}: {tag_problem.args[0]}")
            or guards.undeclared_tag_problem(
                scenario, [marker.args[0] for marker in item.iter_markers("spec_undeclared_tag")], config
            )
            or guards.version_range_problem(scenario, item)
            or guards.database_problem(scenario, item)
            or guards.duplicate_name_problem(item)
            or guards.shape_problem(scenario)
            or guards.examples_column_problem(scenario, item)
            or guards.step_definition_problem(scenario, item)
        )
        if problem:
            item.stash[SETUP_PROBLEM] = problem
            continue
        if item.get_closest_marker("wip"):
            item.add_marker(pytest.mark.skip(reason="work in progress (@wip)"))
        for marker in item.iter_markers("sqlalchemy"):
            specifier = versions.parse_tag(versions.TAG_PREFIX + marker.args[0])
            if not versions.applies(specifier):
                item.add_marker(pytest.mark.skip(reason=versions.not_applicable_reason(specifier)))
        running = config.stash[SERVER].dialect if SERVER in config.stash else None
        tags = [marker.args[1] for marker in item.iter_markers(databases.MARKER) if marker.args[0]]
        if running and tags and running not in databases.described_by(tags):
            not_naming = next(tag for tag in tags if running not in databases.parse_tag(tag))
            item.add_marker(pytest.mark.skip(reason=databases.not_applicable_reason(not_naming, running)))
    items.extend(guards.empty_feature_items(config, items) + guards.unbound_feature_items(config, items))


def pytest_exception_interact(node, call, report) -> None:
    """A feature file that cannot be parsed fails its module's collection with one line, not a traceback."""
    if isinstance(report, pytest.CollectReport) and call.excinfo is not None:
        problem = guards.feature_file_problem(call.excinfo.value, node.config.rootpath)
        if problem:
            report.longrepr = problem


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """A failure whose text shows a password (an error quoting the URL) is reported with the password masked."""
    report = yield
    if report.longrepr is not None and not isinstance(report.longrepr, tuple) and secrets.any_in(str(report.longrepr)):
        report.longrepr = MaskedRepr(report.longrepr)
    report.sections = [(title, secrets.mask(content)) for title, content in report.sections]
    report.user_properties = [
        (name, secrets.mask(value) if isinstance(value, str) else value) for name, value in report.user_properties
    ]
    return report


class MaskedRepr:
    """A failure's representation, as text with the passwords masked (keeps the crash line for the summary)."""

    def __init__(self, longrepr) -> None:
        self.text = secrets.mask(str(longrepr))
        crash = getattr(longrepr, "reprcrash", None)
        if crash is not None:
            self.reprcrash = type(crash)(crash.path, crash.lineno, secrets.mask(crash.message))

    def toterminal(self, tw) -> None:
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self) -> str:
        return self.text


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    problem = item.stash.get(SETUP_PROBLEM, None)
    if problem:
        pytest.fail(problem, pytrace=False)
    failed = item.config.stash.get(SESSION_FIXTURE_PROBLEM, None)
    if failed and (guards.scenario_of(item) is not None or failed[0] in getattr(item, "fixturenames", ())):
        pytest.skip(f"not run: the session fixture {failed[0]} failed (the error above)")


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """A session-scoped fixture that fails (the suite's database, its observer) fails the test that first asked for
    it, in one line; every later scenario (steps ask for fixtures as they run) is reported as not run."""
    try:
        return (yield)
    except Exception as error:
        if fixturedef.scope != "session" or isinstance(error, pytest.fail.Exception | pytest.skip.Exception):
            raise
        server = request.config.stash.get(SERVER, None)
        if isinstance(error, DBAPIError) and server is not None:
            problem = creation_problem(error, server)
        else:
            problem = " ".join(f"{type(error).__name__}: {error}".split())
        request.config.stash[SESSION_FIXTURE_PROBLEM] = (fixturedef.argname, problem)
    pytest.fail(f"the session fixture {fixturedef.argname} failed: {problem}", pytrace=False)  # outside: no context


def pytest_bdd_before_step(request, feature, scenario, step, step_func) -> None:
    scenario_evidence(request.node).start_step(step.type, step_lookup.step_definition(step_func))


def pytest_bdd_after_step(request, feature, scenario, step, step_func, step_func_args) -> None:
    scenario_evidence(request.node).end_step()


def pytest_bdd_step_error(request, feature, scenario, step, step_func, step_func_args, exception) -> None:
    scenario_evidence(request.node).end_step(exception)


def pytest_bdd_step_func_lookup_error(request, feature, scenario, step, exception) -> None:
    scenario_evidence(request.node).undefined_step(step.type, exception)


def pytest_bdd_after_scenario(request, feature, scenario) -> None:
    evidence = scenario_evidence(request.node)
    if evidence.outcome is not None and not evidence.step_failed:
        evidence.outcome.verify_claimed()


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def database(spec_database: SpecDatabase) -> SpecDatabase:
    """The suite's database, emptied before the scenario (not after, so a failure's rows stay inspectable)."""
    spec_database.reset()
    return spec_database


@pytest.fixture(scope="session")
def observer_connection(spec_database: SpecDatabase):
    engine = harness_engine(spec_database.url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


@pytest.fixture
def observer(database: SpecDatabase, observer_connection) -> Observer:
    return Observer(observer_connection)


@pytest.fixture
def sql_log(request: pytest.FixtureRequest) -> SqlLog:
    """What the scenario sent, by step (the log exists from the first step on)."""
    return scenario_evidence(request.node).sql_log


@pytest.fixture
def warnings_log(request: pytest.FixtureRequest) -> WarningsLog:
    """Every warning the scenario's steps issued so far, by step."""
    return scenario_evidence(request.node).warnings_log


@pytest.fixture
def outcome(request: pytest.FixtureRequest) -> Outcome:
    recorded = scenario_evidence(request.node).outcome = Outcome()
    return recorded


@pytest.fixture
def sqlite_settings() -> SqliteSettings:
    """How the scenario's engines connect on SQLite: foreign keys on, pysqlite's own transaction handling (a test
    module overrides it; a Given changes it before the engines are made)."""
    return SqliteSettings()


@pytest.fixture
def sessions(database: SpecDatabase, sql_log: SqlLog, sync_driver: str, sqlite_settings: SqliteSettings):
    opened = ScenarioSessions(sync_url(database.url, sync_driver), sql_log, sqlite_settings)
    yield opened
    sql_log.enter_step("teardown")
    opened.close()
