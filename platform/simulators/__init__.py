"""Local stand-ins for the external services amtsweg talks to, for development and the test suite.

Never part of a production deployment: each simulator refuses to start with AMTSWEG_ENV=production,
and the app refuses to trust one there.
"""
