"""Encryption at rest: AES-256-GCM envelope encryption under a ring of key-encryption keys.

Each value gets a fresh 256-bit data key; the data key is sealed by the ring's *active*
key-encryption key (KEK), and the value by the data key. The result is one compact string::

    $kefu1$<key id>$<base64url: nonce ‖ wrapped data key>$<base64url: nonce ‖ ciphertext>

Reading uses the key id stored with the value, so adding a new active key (rotation) needs no
downtime: old values stay readable while :mod:`kefu.compliance.reencrypt` moves them over.

The associated data of the value binds it to a *context* (``"messages.body"``) and to its key
id: a ciphertext copied into another column, or given another key id, fails to decrypt.

Keys come from the environment (``KEFU_ENCRYPTION_KEYS``, ``KEFU_BLIND_INDEX_KEY``) or from a key
file that only its owner may read (``KEFU_ENCRYPTION_KEY_FILE``, or one generated under the data
directory by ``kefu demo``). The blind-index key is separate from the KEKs and survives rotation.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kefu.compliance.errors import DecryptionError, KeyringError

ENVELOPE_PREFIX = "$kefu1$"
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
ENV_KEYS = "KEFU_ENCRYPTION_KEYS"
ENV_INDEX_KEY = "KEFU_BLIND_INDEX_KEY"
ENV_KEY_FILE = "KEFU_ENCRYPTION_KEY_FILE"
KEY_FILE_VERSION = 1


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(padded.encode("ascii"))


def decode_key(text: str, *, what: str) -> bytes:
    """A 256-bit key written in standard or URL-safe base64."""
    cleaned = text.strip()
    try:
        raw = base64.b64decode(
            cleaned.replace("-", "+").replace("_", "/") + "=" * (-len(cleaned) % 4),
            validate=True,
        )
    except (binascii.Error, ValueError):
        raise KeyringError(f"{what} is not valid base64") from None
    if len(raw) != KEY_BYTES:
        raise KeyringError(f"{what} must be {KEY_BYTES} bytes (got {len(raw)})")
    return raw


def encode_key(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def is_envelope(value: str) -> bool:
    return value.startswith(ENVELOPE_PREFIX)


def key_id_of(value: str) -> str | None:
    """The key id an envelope was sealed with, or None for a value that is not one."""
    if not is_envelope(value):
        return None
    parts = value[len(ENVELOPE_PREFIX) :].split("$")
    return parts[0] if len(parts) == 3 else None


@dataclass(frozen=True, repr=False)
class Keyring:
    """Key-encryption keys by id, the active one, and the blind-index key."""

    keys: Mapping[str, bytes]
    active_id: str
    index_key: bytes
    _aead: dict[str, AESGCM] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyringError("a keyring needs at least one key")
        for kid, key in self.keys.items():
            if not KEY_ID.match(kid):
                raise KeyringError(f"invalid key id {kid!r}: use 1-32 of A-Z a-z 0-9 _ -")
            if len(key) != KEY_BYTES:
                raise KeyringError(f"key {kid!r} must be {KEY_BYTES} bytes")
            self._aead[kid] = AESGCM(key)
        if self.active_id not in self.keys:
            raise KeyringError(f"active key {self.active_id!r} is not in the keyring")
        if len(self.index_key) != KEY_BYTES:
            raise KeyringError(f"the blind-index key must be {KEY_BYTES} bytes")
        if any(secrets.compare_digest(self.index_key, k) for k in self.keys.values()):
            raise KeyringError("the blind-index key must differ from every encryption key")

    def __repr__(self) -> str:
        return f"Keyring(key_ids={sorted(self.keys)}, active_id={self.active_id!r})"

    # --- sealing ----------------------------------------------------------------------------

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Seal ``plaintext`` for the column (or field) named ``context`` under the active key."""
        kid = self.active_id
        data_key = AESGCM.generate_key(bit_length=256)
        wrap_nonce = os.urandom(NONCE_BYTES)
        wrapped = self._aead[kid].encrypt(wrap_nonce, data_key, _wrap_aad(kid))
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(data_key).encrypt(nonce, plaintext.encode("utf-8"), _data_aad(kid, context))
        wrapped_text = _b64encode(wrap_nonce + wrapped)
        return f"{ENVELOPE_PREFIX}{kid}${wrapped_text}${_b64encode(nonce + sealed)}"

    def decrypt(self, value: str, *, context: str) -> str:
        """Open an envelope sealed for ``context`` under any key of the ring."""
        if not is_envelope(value):
            raise DecryptionError("not an encrypted value")
        parts = value[len(ENVELOPE_PREFIX) :].split("$")
        if len(parts) != 3:
            raise DecryptionError("malformed encrypted value")
        kid, wrapped_b64, sealed_b64 = parts
        aead = self._aead.get(kid)
        if aead is None:
            raise DecryptionError(f"value was sealed with key {kid!r}, which is not in the keyring")
        try:
            wrapped = _b64decode(wrapped_b64)
            sealed = _b64decode(sealed_b64)
        except (binascii.Error, ValueError):
            raise DecryptionError("malformed encrypted value") from None
        if len(wrapped) != NONCE_BYTES + KEY_BYTES + 16 or len(sealed) < NONCE_BYTES + 16:
            raise DecryptionError("malformed encrypted value")
        try:
            data_key = aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_aad(kid))
            plaintext = AESGCM(data_key).decrypt(
                sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _data_aad(kid, context)
            )
        except InvalidTag:
            raise DecryptionError(
                f"cannot decrypt a value for {context!r}: wrong column, or tampered with"
            ) from None
        return plaintext.decode("utf-8")

    def is_current(self, value: str) -> bool:
        """Whether an envelope is sealed under the active key (nothing to re-encrypt)."""
        return key_id_of(value) == self.active_id

    # --- rotation and serialisation -------------------------------------------------------

    def rotated(self, new_id: str | None = None) -> Keyring:
        """A ring with one more, freshly generated key, which becomes the active one."""
        kid = new_id or _next_key_id(self.keys)
        if kid in self.keys:
            raise KeyringError(f"key id {kid!r} already exists")
        keys = {**self.keys, kid: AESGCM.generate_key(bit_length=256)}
        return Keyring(keys=keys, active_id=kid, index_key=self.index_key)

    def to_json(self) -> str:
        """The key-file form (secret: store it with mode 0600)."""
        return json.dumps(
            {
                "version": KEY_FILE_VERSION,
                "active": self.active_id,
                "keys": {kid: encode_key(k) for kid, k in self.keys.items()},
                "blind_index_key": encode_key(self.index_key),
            },
            indent=2,
        )

    @classmethod
    def generate(cls, key_id: str = "k1") -> Keyring:
        return cls(
            keys={key_id: AESGCM.generate_key(bit_length=256)},
            active_id=key_id,
            index_key=secrets.token_bytes(KEY_BYTES),
        )

    @classmethod
    def from_json(cls, text: str, *, index_key: str | None = None, source: str = "keys") -> Keyring:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise KeyringError(f"{source}: not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
            raise KeyringError(f'{source}: expected {{"active": …, "keys": {{id: base64}}}}')
        keys = {
            str(kid): decode_key(str(value), what=f"{source}: key {kid!r}")
            for kid, value in data["keys"].items()
        }
        active = data.get("active")
        if not isinstance(active, str):
            raise KeyringError(f"{source}: 'active' must name one of the keys")
        index = data.get("blind_index_key", index_key)
        if not isinstance(index, str):
            raise KeyringError(
                f"{source}: no blind-index key (set 'blind_index_key' or {ENV_INDEX_KEY})"
            )
        return cls(
            keys=keys,
            active_id=active,
            index_key=decode_key(index, what=f"{source}: blind-index key"),
        )

    @classmethod
    def from_list(cls, text: str, *, index_key: str | None, source: str = ENV_KEYS) -> Keyring:
        """``"k2:<base64>,k1:<base64>"``: the first entry is the active key."""
        keys: dict[str, bytes] = {}
        for item in (p.strip() for p in text.split(",")):
            if not item:
                continue
            kid, sep, value = item.partition(":")
            if not sep:
                raise KeyringError(f"{source}: entries must look like id:base64")
            if kid in keys:
                raise KeyringError(f"{source}: key id {kid!r} appears twice")
            keys[kid.strip()] = decode_key(value, what=f"{source}: key {kid!r}")
        if not keys:
            raise KeyringError(f"{source} is empty")
        if index_key is None:
            raise KeyringError(f"{ENV_INDEX_KEY} must be set alongside {source}")
        return cls(
            keys=keys,
            active_id=next(iter(keys)),
            index_key=decode_key(index_key, what=ENV_INDEX_KEY),
        )


def _wrap_aad(kid: str) -> bytes:
    return b"kefu1/data-key/" + kid.encode("ascii")


def _data_aad(kid: str, context: str) -> bytes:
    return b"kefu1/value/" + kid.encode("ascii") + b"/" + context.encode("utf-8")


def _next_key_id(existing: Mapping[str, bytes]) -> str:
    numbers = [int(k[1:]) for k in existing if re.fullmatch(r"k\d+", k)]
    return f"k{max(numbers, default=0) + 1}"


# --- where keys come from ---------------------------------------------------------------------


def read_key_file(path: Path) -> Keyring:
    """Load a key file, refusing one that group or others can read."""
    try:
        info = path.stat()
    except OSError as exc:
        raise KeyringError(f"cannot read key file {path}: {exc.strerror}") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyringError(
            f"key file {path} is accessible to group or others "
            f"(mode {stat.S_IMODE(info.st_mode):o}); run: chmod 600 {path}"
        )
    return Keyring.from_json(path.read_text(encoding="utf-8"), source=str(path))


def write_key_file(path: Path, keyring: Keyring, *, replace: bool = False) -> None:
    """Write ``keyring`` to ``path`` with mode 0600 (never readable by others, even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = path.with_name(path.name + ".tmp") if replace else path
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(target, flags, 0o600)
    except FileExistsError:
        raise KeyringError(f"{target} already exists; not overwriting keys") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(keyring.to_json())
        handle.write("\n")
    if replace:
        os.replace(target, path)


def load_or_create_key_file(path: Path) -> Keyring:
    """The keyring in ``path``, generating a new one there (mode 0600) on first use."""
    if path.exists():
        return read_key_file(path)
    keyring = Keyring.generate()
    write_key_file(path, keyring)
    return keyring


def keyring_from_environment(environ: Mapping[str, str] | None = None) -> Keyring | None:
    """The keyring configured in the environment, or None when encryption is not configured.

    ``KEFU_ENCRYPTION_KEYS``: ``"k2:<base64>,k1:<base64>"`` (first is active) or the key-file
    JSON; ``KEFU_BLIND_INDEX_KEY``: base64 (unless the JSON carries it);
    ``KEFU_ENCRYPTION_KEY_FILE``: a key file with mode 0600. Setting both is an error.
    """
    env: Mapping[str, Any] = os.environ if environ is None else environ
    keys = env.get(ENV_KEYS)
    key_file = env.get(ENV_KEY_FILE)
    index_key = env.get(ENV_INDEX_KEY)
    if keys and key_file:
        raise KeyringError(f"set either {ENV_KEYS} or {ENV_KEY_FILE}, not both")
    if key_file:
        return read_key_file(Path(key_file))
    if not keys:
        return None
    if keys.lstrip().startswith("{"):
        return Keyring.from_json(keys, index_key=index_key, source=ENV_KEYS)
    return Keyring.from_list(keys, index_key=index_key)
