# Development (make run): SQLite in instance/, jobs inline, the development login is available.
DEBUG = True
TEMPLATES_AUTO_RELOAD = True
