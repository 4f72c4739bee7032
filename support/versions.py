"""Version tags: which SQLAlchemy versions a scenario describes.

Syntax: ``@sqlalchemy:<specifier>``, where the specifier is a PEP 440 version specifier set,
for example ``@sqlalchemy:<2.0``, ``@sqlalchemy:>=2.0`` or ``@sqlalchemy:>=2.0,<2.1``.
A scenario whose specifier excludes the running SQLAlchemy is reported as not applicable.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

TAG_PREFIX = "sqlalchemy:"
LINES = ("1.4", "2.0", "2.1")  # the supported lines, as noxfile.SQLALCHEMY_LINES runs them (a test keeps them equal)
SUPPORTED = SpecifierSet(">=1.4,<2.2")
_PATCHES = range(1, 1000)  # the releases a line is made of, for "does a tag select the line"
NOT_APPLICABLE = "not applicable"  # the skip reason's prefix the report recognises


def running_version() -> Version:
    return Version(sqlalchemy.__version__)


def is_version_tag(tag: str) -> bool:
    """A tag meant as a version tag, well formed or not (``@sqlalchemy>=2.0`` lacks its colon, but is one)."""
    return tag.lower().startswith("sqlalchemy")


def parse_tag(tag: str) -> SpecifierSet:
    """The specifier of a version tag; raises ValueError naming the expected syntax."""
    text = tag.removeprefix(TAG_PREFIX) if tag.startswith(TAG_PREFIX) else ""
    try:
        specifier = SpecifierSet(text)
    except InvalidSpecifier:
        specifier = None
    if not text or specifier is None or not list(specifier):
        colon = "" if tag.startswith(TAG_PREFIX) else " (a colon after sqlalchemy)"
        raise ValueError(
            f"version tag @{tag} is not valid: write @sqlalchemy:<specifier>{colon}, e.g. @sqlalchemy:>=2.0 "
            "or @sqlalchemy:>=1.4,<2.0"
        )
    return specifier


def selected_lines(specifier: SpecifierSet) -> list[str]:
    """The supported lines with a release the specifier contains (``==2.0`` contains no 2.0.x release but 2.0.0)."""
    return list(_selected_lines(str(specifier)))


@cache  # a few distinct tags, asked about for every scenario: each answer costs thousands of comparisons
def _selected_lines(specifier: str) -> tuple[str, ...]:
    contains = SpecifierSet(specifier).contains
    return tuple(line for line in LINES if any(contains(Version(f"{line}.{patch}")) for patch in _PATCHES))


def no_line_reason(tags: list[str]) -> str | None:
    """Why version tags that together select none of the supported lines are refused; None when they select one."""
    specifier = SpecifierSet(",".join(str(parse_tag(tag)) for tag in tags))
    if not tags or selected_lines(specifier):
        return None
    named = " and ".join(f"@{tag}" for tag in tags)
    together = " together" if len(tags) > 1 else ""
    return (
        f"version tag{'s' if len(tags) > 1 else ''} {named}{together} select{'' if len(tags) > 1 else 's'} none of "
        f"the supported lines ({', '.join(LINES)}), so the scenario would run nowhere: write a range that contains "
        "one of them, e.g. @sqlalchemy:>=2.0,<2.1 for 2.0"
    )


def applies(specifier: SpecifierSet, version: Version | None = None) -> bool:
    version = version or running_version()
    # pre-releases and local builds of a line belong to that line
    return specifier.contains(Version(version.base_version), prereleases=True)


def not_applicable_reason(specifier: SpecifierSet, version: Version | None = None) -> str:
    version = version or running_version()
    return f"{NOT_APPLICABLE}: describes SQLAlchemy {specifier}, this run has {version}"


def unsupported_reason(version: Version | None = None) -> str | None:
    version = version or running_version()
    if applies(SUPPORTED, version):
        return None
    return (
        f"SQLAlchemy {version} is not supported: this specification covers {SUPPORTED}; "
        "install one of those lines (see README, 'Extending for a new ORM version')"
    )
