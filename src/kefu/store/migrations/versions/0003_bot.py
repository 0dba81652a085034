"""Bot: versioned knowledge, dialogue state per conversation, unanswered questions, CSAT;
structured message content (quick replies, cards, pressed buttons) and the recognised intent.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _when() -> sa.Column[sa.DateTime]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)  # type: ignore[arg-type]


def upgrade() -> None:
    op.create_table(
        "bot_profiles",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_bot_profiles_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_bot_profiles")),
    )
    op.create_table(
        "bot_knowledge_versions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        _when(),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_bot_knowledge_versions_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_knowledge_versions")),
        sa.UniqueConstraint(
            "workspace_id", "version", name=op.f("uq_bot_knowledge_versions_workspace_id_version")
        ),
    )
    op.create_table(
        "bot_conversation_states",
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_bot_conversation_states_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_bot_conversation_states")),
    )
    op.create_table(
        "bot_unanswered",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        _when(),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_bot_unanswered_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_unanswered")),
        sa.UniqueConstraint("message_id", name=op.f("uq_bot_unanswered_message_id")),
    )
    op.create_index(
        "ix_bot_unanswered_ws_created", "bot_unanswered", ["workspace_id", "created_at"]
    )
    op.create_table(
        "csat_ratings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        _when(),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_csat_ratings_workspace_id_workspaces"),
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_csat_ratings_conversation_id_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_csat_ratings")),
    )
    op.create_index(op.f("ix_csat_ratings_conversation_id"), "csat_ratings", ["conversation_id"])
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("content", sa.JSON(), nullable=True))
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("intent", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("intent")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("content")
    op.drop_index(op.f("ix_csat_ratings_conversation_id"), table_name="csat_ratings")
    op.drop_table("csat_ratings")
    op.drop_index("ix_bot_unanswered_ws_created", table_name="bot_unanswered")
    op.drop_table("bot_unanswered")
    op.drop_table("bot_conversation_states")
    op.drop_table("bot_knowledge_versions")
    op.drop_table("bot_profiles")
