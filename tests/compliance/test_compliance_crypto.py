"""Envelope encryption, key rings, key files and blind indexes."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from kefu.compliance.blind_index import (
    email_index,
    normalise_email,
    normalise_phone,
    phone_index,
)
from kefu.compliance.crypto import (
    ENVELOPE_PREFIX,
    Keyring,
    key_id_of,
    keyring_from_environment,
    load_or_create_key_file,
    read_key_file,
    write_key_file,
)
from kefu.compliance.errors import DecryptionError, KeyringError
from kefu.core.errors import InvalidInput


def _key(byte: int) -> str:
    return base64.b64encode(bytes([byte]) * 32).decode()


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.generate("k1")


def test_round_trip_and_format(keyring: Keyring) -> None:
    sealed = keyring.encrypt("订单 #123：您好 🌸", context="messages.body")
    assert sealed.startswith(ENVELOPE_PREFIX + "k1$")
    assert "您好" not in sealed
    assert keyring.decrypt(sealed, context="messages.body") == "订单 #123：您好 🌸"
    assert key_id_of(sealed) == "k1" and key_id_of("plain text") is None


def test_every_value_gets_a_fresh_data_key_and_nonce(keyring: Keyring) -> None:
    a = keyring.encrypt("same", context="messages.body")
    b = keyring.encrypt("same", context="messages.body")
    assert a != b
    assert a.split("$")[3] != b.split("$")[3]


def test_ciphertext_is_bound_to_its_column(keyring: Keyring) -> None:
    sealed = keyring.encrypt("jan@example.pl", context="contacts.email")
    with pytest.raises(DecryptionError, match="wrong column"):
        keyring.decrypt(sealed, context="contacts.name")


def test_tampering_is_detected(keyring: Keyring) -> None:
    sealed = keyring.encrypt("hello", context="c")
    prefix, kid, wrapped, payload = sealed.rsplit("$", 3)
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    with pytest.raises(DecryptionError):
        keyring.decrypt(f"{prefix}${kid}${wrapped}${flipped}", context="c")
    other = Keyring(keys={"k1": os.urandom(32)}, active_id="k1", index_key=os.urandom(32))
    with pytest.raises(DecryptionError):
        other.decrypt(sealed, context="c")  # same key id, different key
    with pytest.raises(DecryptionError, match="not in the keyring"):
        keyring.decrypt(sealed.replace("$k1$", "$k9$"), context="c")
    with pytest.raises(DecryptionError, match="malformed"):
        keyring.decrypt(ENVELOPE_PREFIX + "k1$abc", context="c")


def test_rotation_keeps_old_values_readable(keyring: Keyring) -> None:
    old = keyring.encrypt("written before rotation", context="messages.body")
    rotated = keyring.rotated()
    assert rotated.active_id == "k2" and set(rotated.keys) == {"k1", "k2"}
    assert rotated.decrypt(old, context="messages.body") == "written before rotation"
    assert not rotated.is_current(old)
    new = rotated.encrypt("written after", context="messages.body")
    assert rotated.is_current(new) and key_id_of(new) == "k2"
    with pytest.raises(DecryptionError):
        keyring.decrypt(new, context="messages.body")  # the old ring cannot read new values
    assert rotated.index_key == keyring.index_key


def test_keyring_validation() -> None:
    with pytest.raises(KeyringError):
        Keyring(keys={}, active_id="k1", index_key=os.urandom(32))
    with pytest.raises(KeyringError):
        Keyring(keys={"k1": os.urandom(16)}, active_id="k1", index_key=os.urandom(32))
    with pytest.raises(KeyringError):
        Keyring(keys={"k1": os.urandom(32)}, active_id="k2", index_key=os.urandom(32))
    with pytest.raises(KeyringError):
        Keyring(keys={"bad id!": os.urandom(32)}, active_id="bad id!", index_key=os.urandom(32))
    same = os.urandom(32)
    with pytest.raises(KeyringError, match="differ"):
        Keyring(keys={"k1": same}, active_id="k1", index_key=same)


def test_repr_never_shows_keys(keyring: Keyring) -> None:
    text = repr(keyring)
    assert "k1" in text
    assert base64.b64encode(keyring.keys["k1"]).decode() not in text


def test_keys_from_the_environment() -> None:
    env = {"KEFU_ENCRYPTION_KEYS": f"k2:{_key(2)}, k1:{_key(1)}", "KEFU_BLIND_INDEX_KEY": _key(9)}
    ring = keyring_from_environment(env)
    assert ring is not None and ring.active_id == "k2" and set(ring.keys) == {"k1", "k2"}
    as_json = json.dumps({"active": "k1", "keys": {"k1": _key(1)}, "blind_index_key": _key(9)})
    ring2 = keyring_from_environment({"KEFU_ENCRYPTION_KEYS": as_json})
    assert ring2 is not None and ring2.active_id == "k1"
    assert keyring_from_environment({}) is None


@pytest.mark.parametrize(
    "env",
    [
        {"KEFU_ENCRYPTION_KEYS": f"k1:{_key(1)}"},  # no blind-index key
        {"KEFU_ENCRYPTION_KEYS": "k1:not-base64!!", "KEFU_BLIND_INDEX_KEY": _key(9)},
        {"KEFU_ENCRYPTION_KEYS": f"k1{_key(1)}", "KEFU_BLIND_INDEX_KEY": _key(9)},
        {
            "KEFU_ENCRYPTION_KEYS": "k1:" + base64.b64encode(b"short").decode(),
            "KEFU_BLIND_INDEX_KEY": _key(9),
        },
        {"KEFU_ENCRYPTION_KEYS": '{"keys": {"k1": "x"}', "KEFU_BLIND_INDEX_KEY": _key(9)},
        {"KEFU_ENCRYPTION_KEYS": f"k1:{_key(1)}", "KEFU_ENCRYPTION_KEY_FILE": "/tmp/x"},
    ],
)
def test_bad_key_configuration_is_refused(env: dict[str, str]) -> None:
    with pytest.raises(KeyringError):
        keyring_from_environment(env)


def test_key_file_is_created_owner_only_and_reloaded(tmp_path: Path) -> None:
    path = tmp_path / "var" / "keys.json"
    created = load_or_create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_key_file(path)
    assert again.keys == created.keys and again.index_key == created.index_key
    sealed = created.encrypt("x", context="c")
    assert (
        keyring_from_environment({"KEFU_ENCRYPTION_KEY_FILE": str(path)}).decrypt(  # type: ignore[union-attr]
            sealed, context="c"
        )
        == "x"
    )


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    write_key_file(path, Keyring.generate())
    path.chmod(0o644)
    with pytest.raises(KeyringError, match="chmod 600"):
        read_key_file(path)


def test_key_file_rotation_replaces_in_place(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    first = Keyring.generate()
    write_key_file(path, first)
    with pytest.raises(KeyringError, match="already exists"):
        write_key_file(path, first)
    write_key_file(path, first.rotated(), replace=True)
    assert read_key_file(path).active_id == "k2"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- blind indexes ----------------------------------------------------------------------------


def test_blind_index_is_stable_over_formats_and_rotation(keyring: Keyring) -> None:
    a = email_index(keyring, "Jan.Kowalski@Example.PL ")
    assert a == email_index(keyring, "jan.kowalski@example.pl")
    assert a == email_index(keyring.rotated(), "jan.kowalski@example.pl")
    assert len(a) == 32 and a != email_index(keyring, "jan.kowalsky@example.pl")
    p = phone_index(keyring, "600 123 456", default_region="PL")
    assert p == phone_index(keyring, "+48 600-123-456") == phone_index(keyring, "0048600123456")
    cn = phone_index(keyring, "138 1234 5678", default_region="CN")
    assert cn == phone_index(keyring, "+8613812345678")


def test_blind_index_depends_on_its_own_key_and_field(keyring: Keyring) -> None:
    other = Keyring(keys=dict(keyring.keys), active_id="k1", index_key=os.urandom(32))
    assert email_index(keyring, "a@b.pl") != email_index(other, "a@b.pl")
    assert email_index(keyring, "a@b.pl") != email_index(keyring, "a@b.pl", field="leads.email")


def test_normalisation_refuses_what_it_cannot_place() -> None:
    assert normalise_email("ＪＡＮ＠ｅｘａｍｐｌｅ．ｐｌ") == "jan@example.pl"
    assert normalise_phone("(22) 123 45 67", default_region="PL") == "+48221234567"
    with pytest.raises(InvalidInput):
        normalise_phone("600 123 456")  # which country?
    with pytest.raises(InvalidInput):
        normalise_email("not an address")
