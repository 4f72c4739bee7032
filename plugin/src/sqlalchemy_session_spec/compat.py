"""Names that differ between SQLAlchemy 1.4 and 2.x."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

try:
    from sqlalchemy.ext.asyncio import async_scoped_session, async_sessionmaker
except ImportError:  # SQLAlchemy 1.4: a sessionmaker of AsyncSession; async_scoped_session exists since 1.4.19
    async_sessionmaker = sessionmaker
    from sqlalchemy.ext.asyncio import async_scoped_session

__all__ = ["async_scoped_session", "async_sessionmaker"]
