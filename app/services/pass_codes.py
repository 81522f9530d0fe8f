"""The codes of guests' passes: short, unambiguous to read aloud and to type, and unique.

A code is 8 characters of an alphabet without look-alikes (no 0/O, 1/I/L), about 40 bits:
enough that a guessed code at a staffed door finds no one, short enough to type. It is
shown as two groups ("K7QM-2XDP") and read back whatever the case, spaces or dashes.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
# What a typed or scanned code may look like before it is normalized.
SEPARATORS = re.compile(r"[\s\-_.]+")


def new_code() -> str:
    """A fresh random code (its uniqueness is the database's to enforce)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    """The code as a person reads it: two groups of four."""
    return f"{code[:4]}-{code[4:]}"


def normalize(text: str) -> str | None:
    """The code a person typed or a camera read ("k7qm 2xdp", "K7QM-2XDP"), or None when it
    cannot be one."""
    code = SEPARATORS.sub("", text.strip()).upper()
    if len(code) != LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code
