# Production: secrets and URLs come from the environment (AMTSWEG_* / DATABASE_URL / REDIS_URL).
DEBUG = False
SESSION_COOKIE_SECURE = True
HSTS_SECONDS = 31536000
PREFERRED_URL_SCHEME = "https"
LOG_FORMAT = "json"
