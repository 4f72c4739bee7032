"""Bookmarks behind a login token, in async FastAPI; the dependency hands out an async_sessionmaker."""
