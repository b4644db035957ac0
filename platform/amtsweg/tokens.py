"""Secret tokens for links (status pages, drafts, calendar feeds): random, stored only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# 32 random bytes: 256 bits, well above the 128 bits a guessable link must not fall below.
TOKEN_BYTES = 32


def new_token() -> str:
    """A new URL-safe random token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest kept in the database instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def matches(token: str, stored_hash: str) -> bool:
    """Constant-time check of a token against a stored hash."""
    return hmac.compare_digest(hash_token(token), stored_hash)
