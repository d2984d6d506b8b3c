"""HTTP handlers for tasks."""


def list_tasks(conn, project_id):
    rows = conn.execute(
        "SELECT id, title, status, priority FROM tasks WHERE project_id = ? ORDER BY priority DESC, id",
        (project_id,),
    )
    return [dict(zip(("id", "title", "status", "priority"), row)) for row in rows]
