"""Hand-written SQLite migrations, applied in order when the server starts.

Each migration is a function ``_migrate_<name>(cursor, conn)`` registered in
``MIGRATIONS`` below. The runner records every name it has applied in
``schema_migrations`` and skips it on the next start, so a registered name
must never change.
"""

import logging

log = logging.getLogger(__name__)


def _migrate_initial(cursor, conn):
    cursor.execute(
        """
        CREATE TABLE IF NOT EXISTS projects (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        )
        """
    )
    cursor.execute(
        """
        CREATE TABLE IF NOT EXISTS tasks (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id),
            title TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open',
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        )
        """
    )
    cursor.execute("CREATE INDEX IF NOT EXISTS idx_tasks_project ON tasks(project_id)")
    conn.commit()


def _migrate_task_priority(cursor, conn):
    cursor.execute("ALTER TABLE tasks ADD COLUMN priority INTEGER NOT NULL DEFAULT 0")
    conn.commit()


def _migrate_backfill_priority(cursor, conn):
    # Urgent tasks were tagged in the title before the column existed.
    cursor.execute("UPDATE tasks SET priority = 2 WHERE title LIKE '[urgent]%'")
    conn.commit()


def _migrate_task_events(cursor, conn):
    cursor.execute(
        """
        CREATE TABLE IF NOT EXISTS task_events (
            id INTEGER PRIMARY KEY,
            task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            payload TEXT,
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        )
        """
    )
    cursor.execute("CREATE INDEX IF NOT EXISTS idx_task_events_task ON task_events(task_id)")
    conn.commit()


MIGRATIONS = [
    ("initial", _migrate_initial),
    ("task_priority", _migrate_task_priority),
    ("backfill_priority", _migrate_backfill_priority),
    ("task_events", _migrate_task_events),
]


def _applied(cursor):
    cursor.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)")
    cursor.execute("SELECT name FROM schema_migrations")
    return {row[0] for row in cursor.fetchall()}


def run_migrations(conn):
    """Applies every migration that this database has not seen yet."""
    cursor = conn.cursor()
    applied = _applied(cursor)
    for name, migrate in MIGRATIONS:
        if name in applied:
            continue
        log.info("applying SQLite migration %s", name)
        migrate(cursor, conn)
        cursor.execute("INSERT INTO schema_migrations (name) VALUES (?)", (name,))
        conn.commit()
