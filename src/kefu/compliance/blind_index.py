"""Keyed blind indexes: equality search on encrypted phone numbers and e-mail addresses.

A blind index is HMAC-SHA256 over a normalised value, under a key derived (HKDF-SHA256) from the
keyring's blind-index key for one field. It goes in its own indexed column next to the encrypted
value: searching ``WHERE email_bidx = :bidx`` finds the contact without decrypting anything, and
someone with the database alone cannot test guesses without the key. Because the index key is
not an encryption key, rotating encryption keys leaves every index valid.

Values are normalised first, so that the same address or number written differently indexes
alike: e-mail by NFKC and case folding; phone numbers to E.164 (``+48600123456``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kefu.compliance.crypto import Keyring
from kefu.compliance.pii import valid_cn_mobile, valid_pl_phone
from kefu.core.errors import InvalidInput

INDEX_BYTES = 16  # 128 bits, hex-encoded: 32 characters
Region = Literal["PL", "CN"]
_FIELD = re.compile(r"^[a-z0-9_.]{1,64}$")


@lru_cache(maxsize=64)
def _field_key(index_key: bytes, field: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"kefu blind index v1/" + field.encode("ascii"),
    ).derive(index_key)


def blind_index(keyring: Keyring, field: str, normalised: str) -> str:
    """The index of an already normalised value for ``field`` (``"contacts.email"``)."""
    if not _FIELD.match(field):
        raise InvalidInput(f"invalid blind-index field name {field!r}")
    digest = hmac.new(
        _field_key(keyring.index_key, field), normalised.encode("utf-8"), hashlib.sha256
    )
    return digest.hexdigest()[: INDEX_BYTES * 2]


def normalise_email(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).strip().casefold()
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in text):
        raise InvalidInput(f"not an e-mail address: {value!r}")
    return f"{local}@{domain.rstrip('.')}"


def normalise_phone(value: str, *, default_region: Region | None = None) -> str:
    """E.164 form: ``"600 123 456"`` with region PL → ``"+48600123456"``."""
    text = unicodedata.normalize("NFKC", value).strip()
    digits = re.sub(r"[^\d]", "", text)
    if text.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    elif default_region == "PL" and valid_pl_phone(digits):
        international = "48" + digits
    elif default_region == "CN" and valid_cn_mobile(digits):
        international = "86" + digits
    else:
        raise InvalidInput(
            f"cannot tell the country of phone number {value!r}; write it with +country code"
        )
    if not 8 <= len(international) <= 15 or international.startswith("0"):
        raise InvalidInput(f"not a phone number: {value!r}")
    return "+" + international


def email_index(keyring: Keyring, value: str, *, field: str = "contacts.email") -> str:
    return blind_index(keyring, field, normalise_email(value))


def phone_index(
    keyring: Keyring,
    value: str,
    *,
    default_region: Region | None = None,
    field: str = "contacts.phone",
) -> str:
    return blind_index(keyring, field, normalise_phone(value, default_region=default_region))
