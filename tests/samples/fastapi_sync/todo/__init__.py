"""A to-do list behind a login token, in FastAPI, with a Session dependency."""
