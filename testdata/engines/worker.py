"""The engines harness's Python side: real SQLite, real Alembic, real PostgreSQL.

Started once per harness run by `xtask/src/harness/engines/`. It reads one JSON
request per line on stdin and answers each with one JSON line on stdout:
`{"ok": true, "value": ...}` or `{"ok": false, "error": "..."}`. Nothing here
decides anything: it runs the engines and reads their catalogs as they are
(type names, defaults and predicates exactly as the engine prints them); the
Rust side maps and compares.

Requests (`op`):
  sqlite      {base, head, db}: build `db` from schema.py at `base`, run the
              MIGRATIONS of `head` that `base` does not list, in order; build
              `db`.fresh from schema.py at `head`. Answers the catalogs
              {base, upgraded, fresh} and `error` (the first failing step) or null.
  create_db   {admin_dsn, name}: CREATE DATABASE name.
  drop_db     {admin_dsn, name}: DROP DATABASE IF EXISTS name.
  alembic     {dsn_url, versions, work}: `alembic upgrade head` against the
              database, the revision files in `versions`, an alembic.ini and
              env.py written under `work`. Answers {error: null | "..."}.
  pg_catalog  {dsn}: the catalog of schema `public`.
"""

import importlib.util
import json
import os
import re
import sqlite3
import sys
import time
import traceback

PROFILE = bool(os.environ.get("PARITY_ENGINES_PROFILE"))

# ---------------------------------------------------------------------------
# SQLite.

IGNORED_SQLITE_TABLES = ("sqlite_sequence", "sqlite_stat1", "sqlite_stat4")


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_loaded = 0


def project_module(root, relative):
    global _loaded
    _loaded += 1
    path = os.path.join(root, relative)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{relative} is missing")
    return load_module(path, f"parity_engines_project_{_loaded}")


def create_from_schema(schema, conn):
    if hasattr(schema, "create_schema"):
        schema.create_schema(conn)
    elif hasattr(schema, "ALL"):
        for statement in schema.ALL:
            conn.executescript(statement)
    else:
        raise ValueError("schema.py has neither create_schema(conn) nor ALL")
    conn.commit()


def migration_names(module):
    return [name for name, _ in module.MIGRATIONS]


def where_clause(sql):
    if not sql:
        return None
    match = re.search(r"\bwhere\b(.*)$", sql, re.IGNORECASE | re.DOTALL)
    return match.group(1).strip() if match else None


def index_terms(sql):
    """The terms of a CREATE INDEX statement's column list, as written
    (`lower(title)`, `priority DESC`): PRAGMA index_info names no expression."""
    if not sql:
        return []
    match = re.search(r"\bON\s+(?:\"[^\"]*\"|`[^`]*`|\[[^\]]*\]|[^\s(]+)\s*\(", sql, re.IGNORECASE)
    if not match:
        return []
    terms, depth, quote, start = [], 0, None, match.end()
    for i in range(match.end(), len(sql)):
        c = sql[i]
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"`":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")" and depth == 0:
            terms.append(sql[start:i].strip())
            break
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            terms.append(sql[start:i].strip())
            start = i + 1
    out = []
    for term in terms:
        term = re.sub(r"\s+(ASC|DESC)\s*$", "", term, flags=re.IGNORECASE)
        term = re.sub(r"\s+COLLATE\s+\S+\s*$", "", term, flags=re.IGNORECASE)
        out.append(term)
    return out


def sqlite_catalog(conn):
    cur = conn.cursor()
    rows = cur.execute(
        "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY name"
    ).fetchall()
    tables, indexes, triggers = [], [], []
    sql_of = {(kind, name): sql for kind, name, _, _, sql in rows}
    for kind, name, tbl, rootpage, sql in rows:
        if kind == "trigger":
            triggers.append({"name": name, "table": tbl})
        if kind != "table" or name.startswith("sqlite_") or name in IGNORED_SQLITE_TABLES:
            continue
        info = cur.execute(f'PRAGMA table_info("{name}")').fetchall()
        pk_columns = [c[1] for c in sorted((c for c in info if c[5]), key=lambda c: c[5])]
        columns = [
            {
                "name": c[1],
                "type": c[2],
                "notnull": bool(c[3]),
                "default": c[4],
                "pk": c[5],
                "ident": c[0],
            }
            for c in info
        ]
        uniques = []
        for _, iname, unique, origin, partial in cur.execute(
            f'PRAGMA index_list("{name}")'
        ).fetchall():
            cols = [
                r[2]
                for r in sorted(cur.execute(f'PRAGMA index_info("{iname}")').fetchall())
            ]
            if None in cols:
                # An expression: its text from the statement that made it.
                terms = index_terms(sql_of.get(("index", iname)))
                cols = [
                    c if c is not None or i >= len(terms) else terms[i]
                    for i, c in enumerate(cols)
                ]
            if origin == "u":
                uniques.append(cols)
            elif origin == "c":
                indexes.append(
                    {
                        "name": iname,
                        "table": name,
                        "columns": cols,
                        "unique": bool(unique),
                        "where": where_clause(sql_of.get(("index", iname))) if partial else None,
                    }
                )
        fks = {}
        for fid, seq, target, source, to, on_update, on_delete, _ in cur.execute(
            f'PRAGMA foreign_key_list("{name}")'
        ).fetchall():
            fk = fks.setdefault(
                fid,
                {
                    "columns": [],
                    "ref_table": target,
                    "ref_columns": [],
                    "on_delete": on_delete,
                    "on_update": on_update,
                },
            )
            fk["columns"].append(source)
            fk["ref_columns"].append(to)
        for fk in fks.values():
            if any(c is None for c in fk["ref_columns"]):
                target_info = cur.execute(f'PRAGMA table_info("{fk["ref_table"]}")').fetchall()
                fk["ref_columns"] = [
                    c[1] for c in sorted((c for c in target_info if c[5]), key=lambda c: c[5])
                ]
        tables.append(
            {
                "name": name,
                "ident": rootpage,
                "columns": columns,
                "primary_key": pk_columns,
                "uniques": uniques,
                "fks": [fks[k] for k in sorted(fks)],
            }
        )
    return {"tables": tables, "indexes": indexes, "triggers": triggers}


def run_sqlite(req):
    base, head, db = req["base"], req["head"], req["db"]
    fresh = db + ".fresh"
    for path in (db, fresh):
        if os.path.exists(path):
            os.remove(path)
    error = None
    conn = sqlite3.connect(db)
    try:
        create_from_schema(project_module(base, "src/backend/db/schema.py"), conn)
    except Exception as e:  # the base itself does not build
        return {"base": None, "upgraded": None, "fresh": None,
                "error": f"schema.py at the merge-base: {type(e).__name__}: {e}"}
    base_catalog = sqlite_catalog(conn)
    try:
        applied = set(migration_names(project_module(base, "src/backend/db/migrations.py")))
        head_migrations = project_module(head, "src/backend/db/migrations.py").MIGRATIONS
    except Exception as e:
        head_migrations = []
        error = f"migrations.py: {type(e).__name__}: {e}"
    for name, migrate in head_migrations:
        if name in applied:
            continue
        try:
            migrate(conn.cursor(), conn)
            conn.commit()
        except Exception as e:
            error = f"migration {name}: {type(e).__name__}: {e}"
            break
    upgraded = sqlite_catalog(conn)
    conn.close()
    fresh_catalog = None
    fconn = sqlite3.connect(fresh)
    try:
        create_from_schema(project_module(head, "src/backend/db/schema.py"), fconn)
        fresh_catalog = sqlite_catalog(fconn)
    except Exception as e:
        error = error or f"schema.py at HEAD: {type(e).__name__}: {e}"
    fconn.close()
    return {"base": base_catalog, "upgraded": upgraded, "fresh": fresh_catalog, "error": error}


# ---------------------------------------------------------------------------
# PostgreSQL and Alembic.

ENV_PY = '''"""env.py written by the parity engines harness."""
from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

engine = create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
'''

SCRIPT_MAKO = '''"""${message}"""
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''


def write_alembic_dir(work, versions, url, env_py=None):
    script = os.path.join(work, "alembic")
    os.makedirs(script, exist_ok=True)
    with open(os.path.join(script, "env.py"), "w") as f:
        f.write(env_py if env_py is not None else ENV_PY)
    with open(os.path.join(script, "script.py.mako"), "w") as f:
        f.write(SCRIPT_MAKO)
    ini = os.path.join(work, "alembic.ini")
    with open(ini, "w") as f:
        f.write(
            "[alembic]\n"
            f"script_location = {script}\n"
            f"version_locations = {versions}\n"
            "path_separator = os\n"
            f"sqlalchemy.url = {url}\n"
        )
    return ini


def run_alembic(req):
    from alembic import command
    from alembic.config import Config

    ini = write_alembic_dir(req["work"], req["versions"], req["dsn_url"], req.get("env_py"))
    config = Config(ini)
    try:
        command.upgrade(config, req.get("target") or "head")
    except BaseException as e:  # noqa: BLE001 - every failure is the answer
        text = str(e).strip().splitlines()
        first = text[0] if text else ""
        return {"error": f"{type(e).__name__}: {first}"}
    return {"error": None}


def admin(dsn, sql):
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def pg_catalog(req):
    """The catalog of schema `public`, in five queries."""
    import psycopg

    with psycopg.connect(req["dsn"]) as conn:
        q = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
        relations = q(
            "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
        )
        names = {oid: name for oid, name in relations}
        columns, attnames = {oid: [] for oid, _ in relations}, {}
        for relid, attnum, attname, typ, notnull, default, identity in q(
            "SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),"
            " a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity"
            " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
            "   AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum"
        ):
            attnames[(relid, attnum)] = attname
            columns[relid].append(
                {
                    "name": attname,
                    "type": typ,
                    "notnull": notnull,
                    "default": default,
                    "identity": identity != "",
                    "pk": 0,
                    "ident": attnum,
                }
            )
        keys = {oid: {"primary_key": [], "uniques": [], "fks": []} for oid, _ in relations}
        for relid, contype, conkey, target, confkey, deltype, updtype in q(
            "SELECT conrelid, contype, conkey, confrelid, confkey, confdeltype, confupdtype"
            " FROM pg_constraint WHERE contype IN ('p', 'u', 'f') ORDER BY conrelid, contype, conname"
        ):
            if relid not in keys:
                continue
            cols = [attnames[(relid, k)] for k in conkey]
            if contype == "p":
                keys[relid]["primary_key"] = cols
            elif contype == "u":
                keys[relid]["uniques"].append(cols)
            else:
                keys[relid]["fks"].append(
                    {
                        "columns": cols,
                        "ref_table": names.get(target, str(target)),
                        "ref_columns": [attnames.get((target, k)) for k in confkey],
                        "on_delete": FK_ACTIONS[deltype],
                        "on_update": FK_ACTIONS[updtype],
                    }
                )
        tables = []
        for oid, name in relations:
            primary_key = keys[oid]["primary_key"]
            for column in columns[oid]:
                if column["name"] in primary_key:
                    column["pk"] = primary_key.index(column["name"]) + 1
            tables.append({"name": name, "ident": int(oid), "columns": columns[oid], **keys[oid]})
        indexes = [
            {"name": iname, "table": tname, "columns": list(cols), "unique": unique, "where": pred}
            for iname, tname, cols, unique, pred in q(
                "SELECT i.relname, t.relname,"
                " ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)"
                "       FROM generate_series(1, x.indnkeyatts) AS k ORDER BY k),"
                " x.indisunique, pg_get_expr(x.indpred, x.indrelid)"
                " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                " JOIN pg_class t ON t.oid = x.indrelid"
                " JOIN pg_namespace n ON n.oid = t.relnamespace"
                " WHERE n.nspname = 'public' AND x.indexrelid NOT IN"
                "   (SELECT conindid FROM pg_constraint WHERE contype IN ('p', 'u', 'x'))"
                " ORDER BY i.relname"
            )
        ]
        triggers = [
            {"name": name, "table": table}
            for name, table in q(
                "SELECT g.tgname, c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND NOT g.tgisinternal ORDER BY g.tgname"
            )
        ]
    return {"tables": tables, "indexes": indexes, "triggers": triggers}


# ---------------------------------------------------------------------------

OPS = {
    "sqlite": run_sqlite,
    "create_db": lambda r: admin(r["admin_dsn"], f"CREATE DATABASE {quote_ident(r['name'])}"),
    "drop_db": lambda r: admin(
        r["admin_dsn"], f"DROP DATABASE IF EXISTS {quote_ident(r['name'])} WITH (FORCE)"
    ),
    "alembic": run_alembic,
    "pg_catalog": pg_catalog,
    "ping": lambda r: {
        "sqlite": sqlite3.sqlite_version,
        "alembic": __import__("alembic").__version__,
        "sqlalchemy": __import__("sqlalchemy").__version__,
        "psycopg": __import__("psycopg").__version__,
    },
}


def main():
    # Project code may print; keep our stdout for the answers only.
    answers = sys.stdout
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            started = time.perf_counter()
            value = OPS[req["op"]](req)
            if PROFILE:
                print(f"op {req['op']}: {time.perf_counter() - started:.3f}s", file=sys.stderr)
            answer = {"ok": True, "value": value}
        except BaseException as e:  # noqa: BLE001 - reported to the Rust side
            detail = traceback.format_exception_only(type(e), e)[-1].strip()
            answer = {"ok": False, "error": detail}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
