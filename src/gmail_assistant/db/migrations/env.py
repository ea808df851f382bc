"""Alembic environment: migrations run on a connection handed in by `gmail_assistant.db.migrate`."""

from __future__ import annotations

from alembic import context

from gmail_assistant.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - we never run alembic without a connection
    raise RuntimeError("run migrations through gmail_assistant.db.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
