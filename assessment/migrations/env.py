"""Alembic environment: always run from code (assessment.migrate), on a connection it is handed."""

from alembic import context

from assessment.db.tables import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
