"""Secrets shown once (API tokens, invitation links, password-reset links).

A secret is `<kind>_<prefix>_<key>`: a random lookup prefix (48 bits, not secret) and 256 random
bits of key. Only the SHA-256 digest of the whole secret is stored (a fast hash suits a 256-bit
random key); a stored row is found by its prefix and the digest compared in constant time, so a
guessed or altered secret is simply not found.
"""

import hashlib
import hmac
import re
import secrets

_FORMAT = r"{kind}_([0-9a-f]{{12}})_[A-Za-z0-9_-]{{43}}"


def new_secret(kind: str) -> tuple[str, str]:
    """(secret, prefix) for a new secret of this kind."""
    prefix = secrets.token_hex(6)
    return f"{kind}_{prefix}_{secrets.token_urlsafe(32)}", prefix


def prefix_of(kind: str, secret: object) -> str | None:
    """The lookup prefix of a well-formed secret of this kind, else None."""
    if not isinstance(secret, str):
        return None
    match = re.fullmatch(_FORMAT.format(kind=kind), secret)
    return match.group(1) if match else None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def matches(stored_digest: str, secret: str) -> bool:
    return hmac.compare_digest(stored_digest, digest(secret))
