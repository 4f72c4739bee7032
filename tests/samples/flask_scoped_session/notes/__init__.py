"""Notes behind a login token, in Flask, with the classic scoped_session."""
