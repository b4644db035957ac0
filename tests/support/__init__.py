"""Real services for the test suite: PostgreSQL, Redis with RQ workers, SMTP and an OIDC provider.

The pytest fixtures live in :mod:`support.services`; the classes they return live in the other
modules of this package and can be used on their own (for example from benchmarks).
"""
