"""The re-encryption job: move every encrypted value of some columns to the active key.

Generic over any table and columns: it reads the raw stored strings (bypassing
``EncryptedText``), opens each with whatever key sealed it, seals it again under the active key
and writes it back only if the row still holds the value it read (so a concurrent write by the
running application is never overwritten). It walks the primary key in batches, one short
transaction each, and reports progress after every batch. Values still in clear (written before
encryption was switched on) are sealed too, unless ``encrypt_plaintext=False``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    Table,
    Text,
    and_,
    bindparam,
    func,
    select,
    true,
    tuple_,
    type_coerce,
    update,
)

from kefu.compliance.crypto import Keyring, is_envelope, key_id_of


@dataclass(frozen=True, slots=True)
class ReencryptProgress:
    table: str
    scanned_rows: int
    total_rows: int
    rewritten: int


@dataclass(frozen=True, slots=True)
class ReencryptResult:
    scanned_rows: int
    rewritten: int  # values re-sealed under the active key
    sealed_plaintext: int  # of those, values that were in clear
    already_current: int
    changed_meanwhile: int  # rows updated by someone else between read and write; left alone
    by_old_key: Mapping[str, int]  # values found per old key id


def reencrypt_columns(
    engine: Engine,
    table: Table,
    columns: Mapping[str, str],
    keyring: Keyring,
    *,
    batch_size: int = 500,
    encrypt_plaintext: bool = True,
    progress: Callable[[ReencryptProgress], None] | None = None,
) -> ReencryptResult:
    """Re-seal ``columns`` (column name → encryption context) of ``table`` under the active key."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    pk = list(table.primary_key.columns)
    if not pk:
        raise ValueError(f"table {table.name} has no primary key")
    unknown = [c for c in columns if c not in table.c]
    if unknown:
        raise ValueError(f"table {table.name} has no columns {unknown}")
    raw = {name: type_coerce(table.c[name], Text()) for name in columns}
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(table)).scalar_one()

    scanned = rewritten = sealed_plaintext = current = changed = 0
    old_keys: dict[str, int] = {}
    last: tuple[Any, ...] | None = None
    while True:
        after: ColumnElement[bool] = true()
        if last is not None:
            after = pk[0] > last[0] if len(pk) == 1 else tuple_(*pk) > tuple_(*last)
        with engine.begin() as conn:
            rows = conn.execute(
                select(*pk, *(raw[n].label(f"raw_{n}") for n in columns))
                .where(after)
                .order_by(*pk)
                .limit(batch_size)
            ).all()
            for row in rows:
                key = tuple(row[: len(pk)])
                for i, (name, context) in enumerate(columns.items()):
                    value = row[len(pk) + i]
                    if value is None:
                        continue
                    if is_envelope(value):
                        kid = key_id_of(value)
                        if kid == keyring.active_id:
                            current += 1
                            continue
                        old_keys[str(kid)] = old_keys.get(str(kid), 0) + 1
                        plaintext = keyring.decrypt(value, context=context)
                    elif encrypt_plaintext:
                        plaintext = value
                        sealed_plaintext += 1
                    else:
                        continue
                    result = conn.execute(
                        update(table)
                        .where(and_(*(c == v for c, v in zip(pk, key, strict=True))))
                        .where(raw[name] == bindparam("old_value", value, type_=Text()))
                        .values(
                            {
                                table.c[name]: bindparam(
                                    "new_value",
                                    keyring.encrypt(plaintext, context=context),
                                    type_=Text(),
                                )
                            }
                        )
                    )
                    if result.rowcount == 1:
                        rewritten += 1
                    else:
                        changed += 1
                        if not is_envelope(value):
                            sealed_plaintext -= 1
        scanned += len(rows)
        if progress is not None:
            progress(
                ReencryptProgress(
                    table=table.name, scanned_rows=scanned, total_rows=total, rewritten=rewritten
                )
            )
        if len(rows) < batch_size:
            break
        last = tuple(rows[-1][: len(pk)])
    return ReencryptResult(
        scanned_rows=scanned,
        rewritten=rewritten,
        sealed_plaintext=sealed_plaintext,
        already_current=current,
        changed_meanwhile=changed,
        by_old_key=old_keys,
    )
