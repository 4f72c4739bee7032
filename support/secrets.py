"""Passwords the run knows of, and their masking: no terminal line, report or results file shows one.

A password is registered as soon as it is known (from --db-url / SPEC_DB_URL, a container's generated one, or, for
a report rendered in another process, the URLs a results file quotes); ``mask`` replaces every registered password
in a text with ``***``.
"""

from __future__ import annotations

import contextlib
import json
import re

from sqlalchemy.engine import make_url

MASK = "***"
PASSWORD_IN_URL = re.compile(r"://[^:/@\s]*:(?P<password>[^@\s]*)@")
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


def add_from_urls_in(document: object) -> None:
    """The passwords of the URLs written out (``scheme://user:password@host``) in a JSON-like document's strings.

    Searched in the document's JSON text, one pass in C rather than a walk of a million strings. JSON's escapes
    hold no @ and no space, so each URL of a string lies inside a match in that text (one that may run on past an
    escaped line break); each match is decoded and searched again, as the string itself would be."""
    for candidate in PASSWORD_IN_URL.finditer(json.dumps(document)):
        with contextlib.suppress(ValueError):
            for url in PASSWORD_IN_URL.finditer(json.loads(f'"{candidate[0]}"')):
                add(url["password"])


def mask(text: str) -> str:
    for secret in sorted(_known, key=len, reverse=True):  # a longer password may contain a shorter one
        text = text.replace(secret, MASK)
    return text


def masked(document: object) -> object:
    """A JSON-like document with every string masked (the document itself when no password is known)."""
    if not _known:
        return document
    if isinstance(document, dict):
        return {key: masked(value) for key, value in document.items()}
    if isinstance(document, list):
        return [masked(value) for value in document]
    return mask(document) if isinstance(document, str) else document


def any_in(text: str) -> bool:
    return any(secret in text for secret in _known)
