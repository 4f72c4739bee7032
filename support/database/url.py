"""An existing server, given by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from .server import ProviderUnavailable, ServerHandle


@contextmanager
def serve_url(url_text: str) -> Iterator[ServerHandle]:
    url = make_url(url_text).set(drivername="postgresql+psycopg2")
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one().split()[0]
    except Exception as error:
        raise ProviderUnavailable(f"cannot use {url.render_as_string(hide_password=True)}: {error}") from None
    finally:
        engine.dispose()
    yield ServerHandle("url", url, version, url.render_as_string(hide_password=True))
