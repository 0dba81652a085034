"""``kefu keys``: rotate the encryption-at-rest keys without downtime, and re-seal old values.

Zero-downtime rotation, for a deployment of several processes:

1. ``kefu keys add``: a new key joins the key file, inactive; restart the processes one by one
   (each can now read values sealed under it, none writes with it yet);
2. ``kefu keys activate KID``: new values are sealed under it; restart the processes again;
3. ``kefu keys reencrypt``: re-seal every stored value under the active key (batches, progress);
   old keys may then be removed from the file.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import typer

from kefu.cli.common import err, fail, load_settings

app = typer.Typer(help="Encryption-at-rest keys: add, activate, re-encrypt.", no_args_is_help=True)

# Every sealed column: (table, {column: encryption context}).
SEALED_COLUMNS = {
    "messages": {"text": "messages.text"},
    "contacts": {"name": "contacts.name", "email": "contacts.email", "phone": "contacts.phone"},
    "outbox": {"payload": "outbox.payload"},
    "deliveries": {"body": "deliveries.body"},
    "bot_unanswered": {"text": "bot_unanswered.text"},
}


def _key_file() -> Path:
    from kefu.compliance.crypto import ENV_KEY_FILE, ENV_KEYS
    from kefu.compliance.setup import KEY_FILE

    if os.environ.get(ENV_KEYS):
        fail(f"keys come from {ENV_KEYS}: rotate them where that variable is managed")
    settings = load_settings()
    path = Path(os.environ.get(ENV_KEY_FILE) or settings.data_dir / KEY_FILE)
    if not path.exists():
        fail(f"no key file at {path}")
    return path


@app.command("add")
def add_key() -> None:
    """Add a new, inactive key to the key file (step 1 of a rotation)."""
    from kefu.compliance.crypto import read_key_file, write_key_file

    path = _key_file()
    ring = read_key_file(path)
    bigger = ring.rotated()
    new_id = bigger.active_id
    write_key_file(path, replace(bigger, active_id=ring.active_id, _aead={}), replace=True)
    err.print(f"added key {new_id} (inactive; active is still {ring.active_id})")
    typer.echo(new_id)


@app.command("activate")
def activate_key(key_id: str) -> None:
    """Seal new values under KEY_ID from now on (step 2)."""
    from kefu.compliance.crypto import read_key_file, write_key_file

    path = _key_file()
    ring = read_key_file(path)
    if key_id not in ring.keys:
        fail(f"no key {key_id!r} in {path}; known: {', '.join(sorted(ring.keys))}")
    write_key_file(path, replace(ring, active_id=key_id, _aead={}), replace=True)
    err.print(f"active key is now {key_id}")


@app.command("reencrypt")
def reencrypt(batch_size: int = typer.Option(500, min=1, max=100_000)) -> None:
    """Re-seal every stored value under the active key (step 3); safe to run while serving."""
    from rich.progress import Progress, TaskID
    from sqlalchemy import MetaData

    from kefu.compliance.reencrypt import ReencryptProgress, reencrypt_columns
    from kefu.compliance.setup import keyring_for
    from kefu.store.db import make_engine

    settings = load_settings()
    keyring = keyring_for(settings)
    if keyring is None:
        fail("encryption at rest is off (KEFU_ENCRYPT_AT_REST=false): nothing to re-encrypt")
    engine = make_engine(settings.database_url)
    metadata = MetaData()
    metadata.reflect(engine, only=list(SEALED_COLUMNS))
    try:
        with Progress(console=err) as progress:
            for table_name, columns in SEALED_COLUMNS.items():
                task = progress.add_task(table_name, total=None)

                def report(p: ReencryptProgress, task: TaskID = task) -> None:
                    progress.update(task, completed=p.scanned_rows, total=p.total_rows)

                result = reencrypt_columns(
                    engine,
                    metadata.tables[table_name],
                    columns,
                    keyring,
                    batch_size=batch_size,
                    progress=report,
                )
                progress.update(task, completed=result.scanned_rows, total=result.scanned_rows)
    finally:
        engine.dispose()
    err.print(f"every sealed value is now under key {keyring.active_id}")
