"""The remembered step lookup gives, for every step of the specification, exactly pytest-bdd's own answer."""

import subprocess
import sys
import textwrap

from tests.helpers.child_runs import ROOT

COMPARE = textwrap.dedent(
    """
    import sys
    import pytest
    from support import step_lookup
    from support.guards import scenario_of


    class Compare:
        @pytest.hookimpl(trylast=True)
        def pytest_collection_modifyitems(self, session, items):
            steps = differing = 0
            for item in items:
                scenario = scenario_of(item)
                for step in scenario.steps if scenario else ():
                    steps += 1
                    remembered = step_lookup.step_fixturedefs(step, session._fixturemanager, item)
                    searched = list(step_lookup._UNCACHED(step, session._fixturemanager, item))
                    differing += remembered != searched
            print(f"steps {steps} differing {differing}")


    sys.exit(pytest.main(sys.argv[1:], plugins=[Compare()]))
    """
)


def test_the_remembered_lookup_matches_pytest_bdd_for_every_step_of_the_specification(spec_server):
    admin_url = spec_server.admin_url.render_as_string(hide_password=False)
    arguments = ["steps", "--collect-only", "-q", "-p", "no:randomly", "--db=url", f"--db-url={admin_url}"]
    run = subprocess.run(
        [sys.executable, "-c", COMPARE, *arguments], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    counts = next(line for line in run.stdout.splitlines() if line.startswith("steps "))
    assert counts.endswith(" differing 0"), counts
    assert int(counts.split()[1]) > 1000, counts
