"""Signed checkpoints of the ledger: (tree size, root hash, time), signed with Ed25519.

A checkpoint is a small JSON document an auditor keeps outside the system. Later, a consistency
proof shows that the log of that day extends it unchanged. The signed bytes are a short text any
Ed25519 implementation can check (see docs/audit.md):

    reciproca-checkpoint/1
    <tree size>
    <root hash, hex>
    <time, ISO 8601 UTC>

The private key lives in a file outside the database (RECIPROCA_SIGNING_KEY_FILE); only its
public half is ever stored or served.
"""

import base64
import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from domain.errors import InvalidValue

FORMAT = "reciproca-checkpoint/1"
KEY_SETTING = "RECIPROCA_SIGNING_KEY_FILE"


def message(size: int, root: str, time: str) -> bytes:
    return f"{FORMAT}\n{size}\n{root}\n{time}\n".encode("ascii")


# Keys ------------------------------------------------------------------------------------------

def create_key_file(path: Path) -> Ed25519PrivateKey:
    """A new private key in a PEM file readable by its owner only; never overwrites one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidValue(f"{path} already exists; a signing key is never overwritten",
                           "path") from None
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    return key


def load_key_file(path: str | Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except OSError as error:
        raise InvalidValue(f"cannot read the signing key {path}: {error.strerror}",
                           KEY_SETTING) from None
    except (ValueError, TypeError):
        raise InvalidValue(f"{path} is not an unencrypted PEM private key", KEY_SETTING) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidValue(f"{path} is not an Ed25519 key", KEY_SETTING)
    return key


def configured_key(environ=os.environ) -> Ed25519PrivateKey | None:
    """The key RECIPROCA_SIGNING_KEY_FILE names, or None when it is not set."""
    path = environ.get(KEY_SETTING)
    return load_key_file(path) if path else None


def public_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: bytes) -> str:
    """A short name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public).hexdigest()[:16]


def public_key_document(key: Ed25519PrivateKey) -> dict:
    public = public_bytes(key)
    pem = (key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo))
    return {"algorithm": "Ed25519", "key_id": key_id(public),
            "public_key": base64.b64encode(public).decode(), "pem": pem.decode()}


# Checkpoints -----------------------------------------------------------------------------------

def sign(key: Ed25519PrivateKey, size: int, root: bytes, time: datetime | None = None) -> dict:
    """The checkpoint document for a ledger of `size` leaves with root `root`."""
    when = (time or datetime.now(timezone.utc)).astimezone(timezone.utc)
    stamp = when.isoformat(timespec="seconds").replace("+00:00", "Z")
    signature = key.sign(message(size, root.hex(), stamp))
    public = public_bytes(key)
    return {"format": FORMAT, "size": size, "root": root.hex(), "time": stamp,
            "key_id": key_id(public), "public_key": base64.b64encode(public).decode(),
            "signature": base64.b64encode(signature).decode()}


def check(document: dict, public: bytes) -> str | None:
    """Why the document is not a checkpoint signed by `public` (None when it is)."""
    try:
        size, root, time = document["size"], document["root"], document["time"]
        signature = base64.b64decode(document["signature"], validate=True)
        if document.get("format") != FORMAT or not isinstance(size, int) or size < 0:
            return "not a reciproca checkpoint"
        if len(bytes.fromhex(root)) != 32:
            return "its root is not a SHA-256 hash"
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message(size, root, time))
    except InvalidSignature:
        return "its signature does not match (signed by another key, or changed since)"
    except (KeyError, TypeError, ValueError):
        return "not a reciproca checkpoint (a field is missing or malformed)"
    return None
