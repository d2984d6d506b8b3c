"""SQLAlchemy metadata for the same schema, used by the PostgreSQL backend."""

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    func,
)

metadata = MetaData()

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("created_at", Text, nullable=False, server_default=func.current_timestamp()),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="open"),
    Column("priority", Integer, nullable=False, server_default="0"),
    Column("created_at", Text, nullable=False, server_default=func.current_timestamp()),
    Index("idx_tasks_project", "project_id"),
)

task_events = Table(
    "task_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("task_id", Integer, ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("payload", Text),
    Column("created_at", Text, nullable=False, server_default=func.current_timestamp()),
    Index("idx_task_events_task", "task_id"),
)
