"""``EncryptedText``: a SQLAlchemy column type that encrypts on write and decrypts on read.

The type never holds a key. It asks a :class:`KeyringProvider` at the moment of each read and
write, and the application binds the provider at start-up (the app factory, a CLI command)::

    from kefu.compliance.columns import EncryptedText, default_keyring
    body: Mapped[str] = mapped_column(EncryptedText("messages.body"))   # models, import time
    default_keyring.bind(keyring_from_environment())                    # app factory, run time

``bind(None)`` is an explicit "encryption off": values are written in clear, and reading an
encrypted value then fails loudly rather than returning ciphertext. Using the column before the
provider is bound at all raises :class:`~kefu.compliance.errors.KeyringError`.

Values written before encryption was switched on are returned as they are (the re-encryption
job seals them); ``bind(keyring, allow_plaintext_reads=False)`` refuses them once that is done.
Encrypted columns cannot be compared in SQL (every value has a fresh nonce): search through a
blind index (:mod:`kefu.compliance.blind_index`) instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Text, TypeDecorator
from sqlalchemy.engine import Dialect

from kefu.compliance.crypto import Keyring, is_envelope
from kefu.compliance.errors import DecryptionError, KeyringError


class KeyringProvider:
    """The run-time home of the keyring that ``EncryptedText`` columns use."""

    def __init__(self, name: str = "default") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._configured = False
        self._keyring: Keyring | None = None
        self._allow_plaintext_reads = True

    def bind(self, keyring: Keyring | None, *, allow_plaintext_reads: bool = True) -> None:
        with self._lock:
            self._keyring = keyring
            self._allow_plaintext_reads = allow_plaintext_reads
            self._configured = True

    def reset(self) -> None:
        """Back to unconfigured (tests, shutdown)."""
        with self._lock:
            self._keyring = None
            self._allow_plaintext_reads = True
            self._configured = False

    @property
    def configured(self) -> bool:
        return self._configured

    @property
    def allow_plaintext_reads(self) -> bool:
        return self._allow_plaintext_reads

    def current(self) -> Keyring | None:
        if not self._configured:
            raise KeyringError(
                f"keyring provider {self.name!r} is not configured: bind a keyring "
                "(or None to store in clear) at start-up"
            )
        return self._keyring

    @contextmanager
    def bound(self, keyring: Keyring | None, **options: Any) -> Iterator[None]:
        """Bind for the duration of a block, then restore the previous state."""
        with self._lock:
            previous = (self._configured, self._keyring, self._allow_plaintext_reads)
        self.bind(keyring, **options)
        try:
            yield
        finally:
            with self._lock:
                self._configured, self._keyring, self._allow_plaintext_reads = previous


default_keyring = KeyringProvider()


class EncryptedText(TypeDecorator[str]):
    """Text sealed with the provider's keyring; ``context`` names the column (AEAD binding)."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str, *, provider: KeyringProvider | None = None) -> None:
        super().__init__()
        if not context:
            raise ValueError("EncryptedText needs a context, e.g. 'messages.body'")
        self.context = context
        self.provider = provider if provider is not None else default_keyring

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        keyring = self.provider.current()
        if keyring is None:
            return value
        return keyring.encrypt(value, context=self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        keyring = self.provider.current()
        if is_envelope(value):
            if keyring is None:
                raise DecryptionError(
                    f"{self.context} holds an encrypted value but encryption is switched off"
                )
            return keyring.decrypt(value, context=self.context)
        if keyring is not None and not self.provider.allow_plaintext_reads:
            raise DecryptionError(f"{self.context} holds an unencrypted value")
        return value

    def copy(self, **kw: Any) -> EncryptedText:
        return EncryptedText(self.context, provider=self.provider)
