"""Secrets kept at rest, sealed with a key derived from `SECRET_KEY`.

A value is sealed with Fernet (AES-128-CBC and HMAC-SHA256, from `cryptography`) under a key
derived from `SECRET_KEY` by HKDF-SHA256, one key per purpose (a two-factor secret, an
invite link waiting to be emailed), so a key of one purpose opens nothing of another.
Sealed values start with `PREFIX`; a value without it is read as it is, the plaintext of a
row from before sealing (`migrations/versions/0029_sealed_secrets.py` seals those). A new
`SECRET_KEY` opens none of the old values: `Unreadable`.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PREFIX = "sealed:v1:"


class Unreadable(Exception):
    """A sealed value that this `SECRET_KEY` does not open (another key sealed it)."""


def box(purpose: str, secret_key: str | None = None) -> Fernet:
    """The Fernet of a purpose, keyed from `secret_key` (default: the app's SECRET_KEY)."""
    material = secret_key if secret_key is not None else current_app.config["SECRET_KEY"]
    key = HKDF(
        algorithm=SHA256(), length=32, salt=None, info=f"whatsapp-invites/{purpose}".encode()
    ).derive(str(material).encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str, purpose: str, secret_key: str | None = None) -> str:
    """The value sealed for `purpose`, as text to store."""
    return PREFIX + box(purpose, secret_key).encrypt(value.encode()).decode("ascii")


def is_sealed(stored: str) -> bool:
    """Whether a stored value is sealed (else it is plaintext from before)."""
    return stored.startswith(PREFIX)


def unseal(stored: str, purpose: str, secret_key: str | None = None) -> str:
    """The value of a stored one: opened when sealed, as it is when plaintext.

    Raises:
        Unreadable: sealed under another key (SECRET_KEY changed) or damaged.
    """
    if not is_sealed(stored):
        return stored
    try:
        return box(purpose, secret_key).decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise Unreadable(f"a sealed {purpose} that this SECRET_KEY does not open") from None
