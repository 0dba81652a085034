"""Key rotation without downtime: add, activate, re-encrypt; old values stay readable."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from kefu.cli.main import app
from kefu.compliance.crypto import key_id_of
from kefu.conversations.service import Inbound, Limits, ingest, messages_after

runner = CliRunner()


@pytest.fixture
def env(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("KEFU_SECRET_KEY", secrets.token_urlsafe(48))
    monkeypatch.setenv("KEFU_DATA_DIR", str(settings.data_dir))


def _raw_key_ids(url: str) -> set[str | None]:
    engine = create_engine(url)
    with engine.connect() as conn:
        ids = {key_id_of(row[0]) for row in conn.execute(text("SELECT text FROM messages"))}
    engine.dispose()
    return ids


def test_rotation_keeps_old_values_readable_and_reencrypt_moves_them(
    factory: Any, seed: Any, settings: Any, env: None
) -> None:
    from kefu.compliance.columns import default_keyring
    from kefu.compliance.setup import bind_encryption

    def say(n: int) -> None:
        ingest(
            factory,
            inbox_id=seed.inbox_id,
            inbound=Inbound(
                external_sender_id="v", text=f"wiadomość {n}", channel_message_id=f"m{n}"
            ),
            limits=Limits(),
        )

    say(1)
    assert _raw_key_ids(settings.database_url) == {"k1"}
    added = runner.invoke(app, ["keys", "add"])
    assert added.exit_code == 0, added.output
    new_id = added.stdout.strip().splitlines()[-1]
    assert new_id != "k1"
    r = runner.invoke(app, ["keys", "activate", new_id])
    assert r.exit_code == 0, r.output
    bind_encryption(settings)  # what a restarted process does
    say(2)
    assert _raw_key_ids(settings.database_url) == {"k1", new_id}
    with factory() as s:
        conv_id = s.execute(text("SELECT id FROM conversations")).scalar_one()
        texts = [m.text for m in messages_after(s, conversation_id=conv_id, include_private=True)]
    assert texts == ["wiadomość 1", "wiadomość 2"]  # both keys read

    r = runner.invoke(app, ["keys", "reencrypt", "--batch-size", "1"])
    assert r.exit_code == 0, r.output
    assert _raw_key_ids(settings.database_url) == {new_id}
    with factory() as s:
        texts = [m.text for m in messages_after(s, conversation_id=conv_id, include_private=True)]
    assert texts == ["wiadomość 1", "wiadomość 2"]
    assert default_keyring.current() is not None

    r = runner.invoke(app, ["keys", "activate", "nope"])
    assert r.exit_code == 2 and "no key 'nope'" in r.output
