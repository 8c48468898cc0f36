"""Alembic environment: migrations are SQL files applied on the owner's direct connection."""

from alembic import context
from sqlalchemy import create_engine, pool

from turns.db.engines import sqlalchemy_url

config = context.config
engine = create_engine(sqlalchemy_url(config.attributes["url"]), poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
