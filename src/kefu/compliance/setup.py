"""Binding encryption at rest from the settings, at start-up (app factory, CLI, tests)."""

from __future__ import annotations

import logging

from kefu.compliance.columns import default_keyring
from kefu.compliance.crypto import Keyring, keyring_from_environment, load_or_create_key_file
from kefu.core.settings import Settings

log = logging.getLogger(__name__)
KEY_FILE = "keys.json"


def keyring_for(settings: Settings) -> Keyring | None:
    """The configured keyring: from the environment, else the data dir's key file (created
    0600 on first use); None when encryption at rest is switched off."""
    if not settings.encrypt_at_rest:
        return None
    keyring = keyring_from_environment()
    if keyring is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        keyring = load_or_create_key_file(settings.data_dir / KEY_FILE)
    return keyring


def bind_encryption(settings: Settings) -> Keyring | None:
    """Bind the keyring that every ``EncryptedText`` column uses in this process."""
    keyring = keyring_for(settings)
    if keyring is None:
        log.warning(
            "encryption at rest is off: message bodies and contact fields are stored in clear"
        )
    default_keyring.bind(keyring)
    return keyring
