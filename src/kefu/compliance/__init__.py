"""Compliance: the gate every outgoing text passes, personal data, and encryption at rest.

- :class:`ComplianceGate` — ``check(text, language=, channel=, workspace_rules=) -> Verdict``,
  ``explain(finding, locale)``, ``redact(text, findings)``; rule sets per language and per
  platform are data (``rules/*.yaml``).
- :mod:`~kefu.compliance.pii` — validated detection of personal data, redaction, and a logging
  filter that redacts records.
- :mod:`~kefu.compliance.platforms` — reply windows (``reply_window``, ``can_reply``).
- :mod:`~kefu.compliance.crypto`, :mod:`~kefu.compliance.columns`,
  :mod:`~kefu.compliance.blind_index`, :mod:`~kefu.compliance.reencrypt` — AES-GCM envelope
  encryption with a key ring, the ``EncryptedText`` column type, blind indexes and key rotation.

Nothing is built at import time: a gate compiles its rules when constructed, and the keyring is
bound by the application at start-up. See docs/compliance.md.
"""

from kefu.compliance.blind_index import email_index, normalise_email, normalise_phone, phone_index
from kefu.compliance.catalog import LOCALES, resolve_locale
from kefu.compliance.columns import EncryptedText, KeyringProvider, default_keyring
from kefu.compliance.crypto import (
    Keyring,
    keyring_from_environment,
    load_or_create_key_file,
    read_key_file,
    write_key_file,
)
from kefu.compliance.errors import (
    DecryptionError,
    KeyringError,
    RuleSetError,
    UnknownChannel,
    UnsupportedLocale,
)
from kefu.compliance.gate import (
    ComplianceGate,
    CustomTerm,
    Finding,
    Verdict,
    WorkspaceRules,
    redact,
)
from kefu.compliance.pii import (
    PersonalData,
    RedactingFilter,
    find_personal_data,
    redact_personal_data,
)
from kefu.compliance.platforms import ReplyCheck, ReplyWindow, can_reply, reply_window
from kefu.compliance.reencrypt import ReencryptProgress, ReencryptResult, reencrypt_columns

__all__ = [
    "LOCALES",
    "ComplianceGate",
    "CustomTerm",
    "DecryptionError",
    "EncryptedText",
    "Finding",
    "Keyring",
    "KeyringError",
    "KeyringProvider",
    "PersonalData",
    "RedactingFilter",
    "ReencryptProgress",
    "ReencryptResult",
    "ReplyCheck",
    "ReplyWindow",
    "RuleSetError",
    "UnknownChannel",
    "UnsupportedLocale",
    "Verdict",
    "WorkspaceRules",
    "can_reply",
    "default_keyring",
    "email_index",
    "find_personal_data",
    "keyring_from_environment",
    "load_or_create_key_file",
    "normalise_email",
    "normalise_phone",
    "phone_index",
    "read_key_file",
    "redact",
    "redact_personal_data",
    "reencrypt_columns",
    "reply_window",
    "resolve_locale",
    "write_key_file",
]
