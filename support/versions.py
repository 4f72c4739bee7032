"""Version tags: which SQLAlchemy versions a scenario describes.

Syntax: ``@sqlalchemy:<specifier>``, where the specifier is a PEP 440 version specifier set,
for example ``@sqlalchemy:<2.0``, ``@sqlalchemy:>=2.0`` or ``@sqlalchemy:>=2.0,<2.1``.
A scenario whose specifier excludes the running SQLAlchemy is reported as not applicable.
"""

from __future__ import annotations

import sqlalchemy
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

TAG_PREFIX = "sqlalchemy:"
SUPPORTED = SpecifierSet(">=1.4,<2.2")
NOT_APPLICABLE = "not applicable"  # the skip reason's prefix the report recognises


def running_version() -> Version:
    return Version(sqlalchemy.__version__)


def parse_tag(tag: str) -> SpecifierSet:
    """The specifier of a version tag; raises ValueError naming the expected syntax."""
    text = tag.removeprefix(TAG_PREFIX)
    try:
        specifier = SpecifierSet(text)
    except InvalidSpecifier:
        specifier = None
    if not text or specifier is None or not list(specifier):
        raise ValueError(
            f"version tag @{tag} is not valid: write @sqlalchemy:<specifier>, e.g. @sqlalchemy:>=2.0 "
            "or @sqlalchemy:>=1.4,<2.0"
        )
    return specifier


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
