"""Errors of the compliance package, each a precise ``KefuError`` with a stable code."""

from __future__ import annotations

from kefu.core.errors import InvalidInput, KefuError


class RuleSetError(KefuError):
    """A rule, platform or message file is malformed; raised at load time, never mid-check."""

    code = "compliance_rules_invalid"
    status = 500


class UnsupportedLocale(InvalidInput):
    code = "unsupported_locale"


class UnknownChannel(InvalidInput):
    code = "unknown_channel"


class KeyringError(KefuError):
    """Encryption keys are missing, malformed or insecurely stored."""

    code = "keyring_invalid"
    status = 500


class DecryptionError(KefuError):
    """A stored value cannot be decrypted: unknown key id, wrong column, or tampered bytes."""

    code = "decryption_failed"
    status = 500
