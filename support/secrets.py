"""Passwords the run knows of, and their masking: no terminal line, report or results file shows one.

A password is registered as soon as it is known (from --db-url / SPEC_DB_URL, or a container's generated one);
``mask`` replaces every registered password in a text with ``***``.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url

MASK = "***"
_known: set[str] = set()


def add(secret: str | None) -> None:
    if secret and len(secret) >= 3:  # a one- or two-character "password" would mask ordinary text
        _known.add(str(secret))


def add_from_url(url_text: str | None) -> None:
    """The password of a URL (user:password@ or ?password=), if it parses."""
    if not url_text:
        return
    try:
        url = make_url(str(url_text).strip())
    except Exception:  # a malformed URL is refused later, in one line that never shows it
        return
    add(url.password)
    add(url.query.get("password"))


def mask(text: str) -> str:
    for secret in sorted(_known, key=len, reverse=True):  # a longer password may contain a shorter one
        text = text.replace(secret, MASK)
    return text


def masked(document: object) -> object:
    """A JSON-like document with every string masked."""
    if isinstance(document, dict):
        return {key: masked(value) for key, value in document.items()}
    if isinstance(document, list):
        return [masked(value) for value in document]
    return mask(document) if isinstance(document, str) else document


def any_in(text: str) -> bool:
    return any(secret in text for secret in _known)
