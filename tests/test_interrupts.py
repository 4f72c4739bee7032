"""SIGTERM ends a run as Ctrl-C does, by a handler installed in the controller only when nobody else handles
SIGTERM (the kills themselves: tests/reliability/test_kills_and_interrupts.py)."""

PROBE = """
import signal

def test_probe():
    handler = signal.getsignal(signal.SIGTERM)
    print("SIGTERM handled by", getattr(handler, "__name__", None) or signal.Handlers(handler).name)
"""


def test_an_unhandled_sigterm_becomes_an_interrupt(pytester):
    pytester.makeconftest('pytest_plugins = ["support.pytest_plugin"]')
    pytester.makepyfile(test_probe=PROBE)
    result = pytester.runpytest_subprocess("-s", "-p", "no:randomly", "--db=embedded")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*SIGTERM handled by _interrupt_on_sigterm*"])


def test_a_sigterm_handler_someone_else_installed_is_left_alone(pytester):
    pytester.makeconftest(
        'import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\npytest_plugins = ["support.pytest_plugin"]\n'
    )
    pytester.makepyfile(test_probe=PROBE)
    result = pytester.runpytest_subprocess("-s", "-p", "no:randomly", "--db=embedded")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*SIGTERM handled by SIG_IGN*"])
