# Tests: each test app gets its own database URL and instance folder from the fixtures.
TESTING = True
WTF_CSRF_ENABLED = True
SECRET_KEY = "testing-secret-key-that-is-long-enough-for-tests"
