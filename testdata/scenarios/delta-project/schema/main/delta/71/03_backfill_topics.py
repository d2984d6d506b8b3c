"""Backfill room topics from the state table."""


def run_create(cur, database_engine, *args, **kwargs):
    cur.execute("UPDATE rooms SET topic = '' WHERE topic IS NULL")
