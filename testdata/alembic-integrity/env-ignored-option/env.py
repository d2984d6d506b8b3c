from alembic import context
import sqlalchemy as sa

config = context.config


def run_migrations_online() -> None:
    engine = sa.create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=None,
            version_table_column_type=sa.String(64),
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
