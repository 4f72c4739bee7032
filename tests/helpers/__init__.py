"""Test support, not tests: child runs of the suite, what they leave behind, the machine's PostgreSQL service,
servers and stand-ins, and the sample projects in tests/samples/."""
