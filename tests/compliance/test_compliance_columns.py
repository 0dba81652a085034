"""``EncryptedText`` in a real SQLite file: the file never holds a message body in clear text when
encryption is on; old values stay readable after rotation; the re-encryption job moves them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from kefu.compliance.columns import EncryptedText, KeyringProvider
from kefu.compliance.crypto import Keyring, is_envelope, key_id_of
from kefu.compliance.errors import DecryptionError, KeyringError
from kefu.compliance.reencrypt import ReencryptProgress, reencrypt_columns

SECRET = "The parcel locker code is ZEBRA-7731-QUOKKA, 收件人手机号码请保密"
provider = KeyringProvider("tests")


class Base(DeclarativeBase):
    pass


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[str] = mapped_column(EncryptedText("messages.body", provider=provider))
    note: Mapped[str | None] = mapped_column(
        EncryptedText("messages.note", provider=provider), nullable=True
    )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[Engine, Path]]:
    path = tmp_path / "kefu.db"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    yield engine, path
    engine.dispose()
    provider.reset()


def _raw_bytes(engine: Engine, path: Path) -> bytes:
    engine.dispose()  # close connections so everything is in the file
    data = path.read_bytes()
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        if extra.exists():
            data += extra.read_bytes()
    return data


@pytest.mark.parametrize("encrypted", [True, False])
def test_database_file_never_holds_the_body_in_clear(
    db: tuple[Engine, Path], encrypted: bool
) -> None:
    engine, path = db
    provider.bind(Keyring.generate() if encrypted else None)
    with Session(engine) as session:
        session.add(Message(id=1, body=SECRET, note="note " + SECRET))
        session.commit()
    with Session(engine) as session:
        assert session.get(Message, 1).body == SECRET  # type: ignore[union-attr]
    raw = _raw_bytes(engine, path)
    needles = [SECRET.encode(), b"ZEBRA-7731-QUOKKA", "收件人手机号码".encode()]
    if encrypted:
        assert not any(n in raw for n in needles)
        assert b"$kefu1$" in raw
    else:
        # The control: with encryption off the same test sees the clear text, so it can fail.
        assert all(n in raw for n in needles)


def test_rows_hold_envelopes_bound_to_their_column(db: tuple[Engine, Path]) -> None:
    engine, _ = db
    provider.bind(Keyring.generate())
    with Session(engine) as session:
        session.add(Message(id=1, body=SECRET, note=None))
        session.commit()
    with engine.begin() as conn:
        stored = conn.execute(text("SELECT body, note FROM messages")).one()
        assert is_envelope(stored.body) and stored.note is None
        # Copy the ciphertext into another encrypted column: it must not decrypt there.
        conn.execute(text("UPDATE messages SET note = body"))
    with Session(engine) as session, pytest.raises(DecryptionError, match="wrong column"):
        session.execute(select(Message.note)).scalar_one()


def test_old_values_stay_readable_after_rotation_and_the_job_moves_them(
    db: tuple[Engine, Path],
) -> None:
    engine, _ = db
    ring = Keyring.generate("k1")
    provider.bind(ring)
    with Session(engine) as session:
        session.add_all(Message(id=i, body=f"body {i}", note=f"note {i}") for i in range(1, 12))
        session.commit()
    rotated = ring.rotated()
    provider.bind(rotated)  # no downtime: nothing rewritten yet
    with Session(engine) as session:
        session.add(Message(id=12, body="body 12", note=None))
        session.commit()
        assert [m.body for m in session.scalars(select(Message).order_by(Message.id))] == [
            f"body {i}" for i in range(1, 13)
        ]
    seen: list[ReencryptProgress] = []
    result = reencrypt_columns(
        engine,
        Message.__table__,  # type: ignore[arg-type]
        {"body": "messages.body", "note": "messages.note"},
        rotated,
        batch_size=5,
        progress=seen.append,
    )
    assert result.rewritten == 22 and result.by_old_key == {"k1": 22}
    assert result.already_current == 1 and result.scanned_rows == 12
    assert [p.scanned_rows for p in seen] == [5, 10, 12]
    assert all(p.total_rows == 12 for p in seen)
    with engine.connect() as conn:
        kids = {key_id_of(v) for v in conn.execute(text("SELECT body FROM messages")).scalars()}
    assert kids == {"k2"}
    # The old key can now be dropped from the ring.
    only_new = type(rotated)(
        keys={"k2": rotated.keys["k2"]}, active_id="k2", index_key=rotated.index_key
    )
    provider.bind(only_new)
    with Session(engine) as session:
        assert session.get(Message, 3).note == "note 3"  # type: ignore[union-attr]
    again = reencrypt_columns(engine, Message.__table__, {"body": "messages.body"}, only_new)  # type: ignore[arg-type]
    assert again.rewritten == 0 and again.already_current == 12


def test_plaintext_written_before_encryption_is_sealed_by_the_job(db: tuple[Engine, Path]) -> None:
    engine, path = db
    provider.bind(None)
    with Session(engine) as session:
        session.add(Message(id=1, body=SECRET))
        session.commit()
    ring = Keyring.generate()
    provider.bind(ring)
    with Session(engine) as session:
        assert session.get(Message, 1).body == SECRET  # type: ignore[union-attr]
    result = reencrypt_columns(engine, Message.__table__, {"body": "messages.body"}, ring)  # type: ignore[arg-type]
    assert result.sealed_plaintext == 1 and result.rewritten == 1
    provider.bind(ring, allow_plaintext_reads=False)
    with Session(engine) as session:
        assert session.get(Message, 1).body == SECRET  # type: ignore[union-attr]
    with engine.begin() as conn:
        conn.execute(text("VACUUM"))
    assert b"ZEBRA-7731-QUOKKA" not in _raw_bytes(engine, path)


def test_strict_mode_refuses_unencrypted_values(db: tuple[Engine, Path]) -> None:
    engine, _ = db
    provider.bind(None)
    with Session(engine) as session:
        session.add(Message(id=1, body="legacy"))
        session.commit()
    provider.bind(Keyring.generate(), allow_plaintext_reads=False)
    with Session(engine) as session, pytest.raises(DecryptionError, match="unencrypted"):
        session.get(Message, 1)


def test_switching_encryption_off_does_not_leak_ciphertext(db: tuple[Engine, Path]) -> None:
    engine, _ = db
    provider.bind(Keyring.generate())
    with Session(engine) as session:
        session.add(Message(id=1, body="secret"))
        session.commit()
    provider.bind(None)
    with Session(engine) as session, pytest.raises(DecryptionError, match="switched off"):
        session.get(Message, 1)


def test_an_unconfigured_provider_refuses_to_guess(db: tuple[Engine, Path]) -> None:
    engine, _ = db
    provider.reset()
    # SQLAlchemy wraps errors raised while binding parameters; the cause is kept in .orig.
    with Session(engine) as session:
        session.add(Message(id=1, body="x"))
        with pytest.raises(StatementError) as caught:
            session.commit()
    assert isinstance(caught.value.orig, KeyringError)
    assert "not configured" in str(caught.value.orig)


def test_bound_restores_the_previous_state() -> None:
    local = KeyringProvider("local")
    ring = Keyring.generate()
    with local.bound(ring):
        assert local.current() is ring
    with pytest.raises(KeyringError):
        local.current()


def test_job_works_on_core_tables_with_string_keys(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    md = MetaData()
    contacts = Table(
        "contacts",
        md,
        Column("id", String(32), primary_key=True),
        Column("email", String(400)),
    )
    md.create_all(engine)
    old = Keyring.generate()
    with engine.begin() as conn:
        for i in range(7):
            conn.execute(
                contacts.insert().values(
                    id=f"c{i:02d}", email=old.encrypt(f"u{i}@example.pl", context="contacts.email")
                )
            )
    new = old.rotated()
    result = reencrypt_columns(engine, contacts, {"email": "contacts.email"}, new, batch_size=3)
    assert result.rewritten == 7
    with engine.connect() as conn:
        values = conn.execute(select(contacts.c.email).order_by(contacts.c.id)).scalars().all()
    assert [new.decrypt(v, context="contacts.email") for v in values] == [
        f"u{i}@example.pl" for i in range(7)
    ]
    with pytest.raises(ValueError, match="no columns"):
        reencrypt_columns(engine, contacts, {"phone": "contacts.phone"}, new)
    engine.dispose()
