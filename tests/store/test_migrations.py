"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import kefu.agents.models
import kefu.bot.models
import kefu.bus.outbox
import kefu.channels.models
import kefu.contacts.models
import kefu.conversations.models
import kefu.routing.models
import kefu.workspaces.models  # noqa: F401  (registers the tables)
from kefu.store.db import Base, make_engine
from kefu.store.migrate import current_heads, is_current


def test_migrated_schema_matches_the_models(factory: Any, settings: Any) -> None:
    engine = make_engine(settings.database_url)
    try:
        assert is_current(engine)
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
    finally:
        engine.dispose()
    assert diff == []
    assert len(current_heads()) == 1
