"""The README's Upgrading section is generated from the version tags, so it cannot drift from them."""

from support.report import upgrading


def test_the_upgrading_section_matches_the_version_tags():
    readme = upgrading.README.read_text()
    assert upgrading.section() in readme, (
        "features/README.md's Upgrading section is out of date: run python -m support.report.upgrading --write"
    )


def test_every_version_boundary_has_both_sides():
    for version, sides in upgrading.boundaries().items():
        assert sides["until"], f"nothing is tagged as ending before {version}"
        assert sides["since"], f"nothing is tagged as starting at {version}"
