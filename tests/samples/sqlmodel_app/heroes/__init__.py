"""Heroes behind a login token, in FastAPI with SQLModel."""
