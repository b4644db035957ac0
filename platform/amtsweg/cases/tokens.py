"""Secret tokens for citizen links (status page, draft resumption): random, stored only hashed."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# 32 random bytes: 256 bits, well above the 128 bits a guessable link must not fall below.
TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest kept in the database instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def matches(token: str, stored_hash: str) -> bool:
    """Constant-time check of a token against a stored hash."""
    return hmac.compare_digest(hash_token(token), stored_hash)
