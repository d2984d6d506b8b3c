//! `cargo xtask parity init`: the layout of a repository, read from its
//! paths, as a commented `parity.toml`.
//!
//! [`detect`] recognises, in this order: the spec's layout (Alembic
//! revisions beside a SQLite `migrations.py`), delta folders
//! (`.../delta/NN/*.sql.sqlite` beside `*.sql.postgres`), a folder per
//! migration and engine (diesel: `migrations/<engine>/<date>_<name>/up.sql`),
//! the engine in the file name (sqlx: `<ts>_<name>.<engine>.up.sql`, with
//! `.all.` for every engine), and a directory of `.sql` files per engine.
//! SQLite is the first track when it is there; the next engine is the
//! second, and any further engine a `[[counterparts]]` track.

use crate::config::{parse, Config};

/// A layout found in a repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detected {
    /// `alembic`, `delta`, `diesel`, `engine-in-name`, `sql-dirs`.
    pub kind: &'static str,
    /// One sentence for a person: what was found where.
    pub summary: String,
    /// The commented `parity.toml`.
    pub toml: String,
}

/// An engine's name as the tracks give it, from a path component.
fn engine(word: &str) -> Option<(&'static str, u8)> {
    // The rank orders the tracks: SQLite first, then PostgreSQL, then MySQL.
    Some(match word.to_ascii_lowercase().as_str() {
        "sqlite" | "sqlite3" => ("SQLite", 0),
        "postgres" | "postgresql" | "pg" | "psql" => ("PostgreSQL", 1),
        "mysql" | "mariadb" => ("MySQL", 2),
        _ => return None,
    })
}

/// The tracks found, each with the word the paths spell it with, in order.
#[derive(Default)]
struct Engines(Vec<(&'static str, u8, String)>);

impl Engines {
    fn add(&mut self, word: &str) {
        if let Some((name, rank)) = engine(word) {
            if !self.0.iter().any(|(n, _, w)| *n == name && w == word) {
                self.0.push((name, rank, word.to_string()));
            }
        }
    }

    /// One spelling per engine, first track first; `None` with fewer than two.
    fn tracks(mut self) -> Option<Vec<(&'static str, String)>> {
        self.0.sort_by(|a, b| (a.1, &a.2).cmp(&(b.1, &b.2)));
        self.0.dedup_by(|a, b| a.0 == b.0);
        (self.0.len() >= 2).then(|| self.0.into_iter().map(|(n, _, w)| (n, w)).collect())
    }
}

fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// The layout of a tree, from every path in it (as `git ls-tree` lists them).
pub fn detect(paths: &[&str]) -> Option<Detected> {
    let detected = alembic(paths)
        .or_else(|| delta(paths))
        .or_else(|| diesel(paths))
        .or_else(|| engine_in_name(paths))
        .or_else(|| sql_dirs(paths))?;
    // What is written must be read back: a layout whose text would not parse
    // (a path no TOML string can hold) is no layout.
    parse(&detected.toml).ok().map(|_| detected)
}

fn header(kind: &str, example: &str) -> String {
    format!(
        "# parity.toml, written by `cargo xtask parity init` for a {kind} layout:\n{example}\
         # It is read at the merge-base of each pull request. Check the paths,\n\
         # then commit it; `cargo xtask parity --print-config` shows the rules in force.\n\n"
    )
}

fn tracks_table(first: &str, second: &str, extra: &str) -> String {
    format!(
        "[tracks]\nfirst = {}\nsecond = {}\n{extra}\n",
        quoted(first),
        quoted(second)
    )
}

/// Alembic revisions (`<dir>/versions/*.py`) beside a SQLite `migrations.py`.
fn alembic(paths: &[&str]) -> Option<Detected> {
    let versions = paths.iter().find_map(|p| {
        let (dir, file) = p.rsplit_once('/')?;
        (dir.ends_with("/versions") || dir == "versions")
            .then_some(())
            .filter(|()| file.ends_with(".py") && file != "__init__.py")
            .map(|()| format!("{dir}/"))
    })?;
    let migrations = paths.iter().find(|p| p.ends_with("migrations.py"))?;
    if *migrations == parity_core::rules::MIGRATIONS && versions == parity_core::rules::REVISIONS {
        let mut toml = header(
            "SQLite + Alembic",
            "#   src/backend/db/migrations.py  needs  src/backend/migrations/versions/<rev>.py\n",
        );
        toml.push_str("# The defaults: this file only writes them out.\n");
        toml.push_str(&Config::spec_layout().to_toml());
        return Some(Detected {
            kind: "alembic",
            summary: format!("the spec's layout: {migrations} and Alembic revisions in {versions}"),
            toml,
        });
    }
    let dir = migrations.rsplit_once('/').map_or("", |(d, _)| d);
    let sibling = |name: &str| {
        let path = if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        };
        paths.contains(&path.as_str()).then_some(path)
    };
    let mut toml = header(
        "SQLite + Alembic",
        &format!("#   {migrations}  needs  {versions}<rev>.py\n"),
    );
    toml.push_str(&tracks_table("SQLite", "Alembic", ""));
    for (path, set) in std::iter::once((Some(migrations.to_string()), "sql")).chain([
        (sibling("schema.py"), "sql"),
        (sibling("tables.py"), "metadata"),
    ]) {
        if let Some(path) = path {
            toml.push_str(&format!(
                "[[watch]]\npath = {}\nset = \"{set}\"\nclassifier = \"python\"\n\n",
                quoted(&path)
            ));
        }
    }
    toml.push_str(&format!(
        "# A migration is registered by a line like (\"name\", _migrate_name),\n[entry]\nkind = \"line\"\nfile = {}\npattern = '''{}'''\n\n",
        quoted(migrations),
        parity_core::rules::SPEC_ENTRY_PATTERN
    ));
    toml.push_str(&format!(
        "[revisions]\ndir = {}\nsuffix = \".py\"\nexclude = [\"__init__.py\"]\n",
        quoted(&versions)
    ));
    Some(Detected {
        kind: "alembic",
        summary: format!("SQLite migrations in {migrations}, Alembic revisions in {versions}"),
        toml,
    })
}

/// Delta folders: `<schema>/delta/<NN>/<name>.sql.<engine>`.
fn delta(paths: &[&str]) -> Option<Detected> {
    let mut engines = Engines::default();
    let mut root: Option<String> = None;
    for path in paths {
        let Some(at) = path
            .find("/delta/")
            .or_else(|| path.starts_with("delta/").then_some(0))
        else {
            continue;
        };
        let file = path.rsplit('/').next().unwrap_or(path);
        let Some((_, word)) = file.rsplit_once(".sql.") else {
            continue;
        };
        engines.add(word);
        // The schema directory: above `main/` (or whichever database) when
        // there is a level above it.
        let before = &path[..at];
        let schema = before.rsplit_once('/').map_or(before, |(up, _)| up);
        root.get_or_insert(schema.to_string());
    }
    let tracks = engines.tracks()?;
    let root = root
        .filter(|r| !r.is_empty())
        .map_or(String::new(), |r| format!("{r}/"));
    let (first, first_word) = &tracks[0];
    let (second, second_word) = &tracks[1];
    let delta = format!("{root}**/delta/*");
    let mut toml = header(
        "delta-folder",
        &format!(
            "#   {delta}/<name>.sql.{first_word}  needs  <name>.sql.{second_word}, or a delta for every engine (.sql, .py)\n"
        ),
    );
    toml.push_str(&tracks_table(first, second, ""));
    toml.push_str(&format!(
        "# Comments follow the ending: .sql.{first_word} SQL, .py Python.\n\
         [[watch]]\nglob = \"{root}**/*.sql.{first_word}\"\nset = \"sql\"\n\n\
         [[watch]]\nglob = \"{delta}/*.py\"\nset = \"sql\"\nclassifier = \"python\"\n\n\
         # A .py delta that branches on the engine is its own counterpart.\n\
         [entry]\nkind = \"new-file\"\nglobs = [\"{root}**/*.sql.{first_word}\", \"{delta}/*.py\"]\n\
         exclude = [\"**/full_schemas/**\"]\n\n\
         [revisions]\nglobs = [\"{root}**/*.sql.{second_word}\", \"{delta}/*.sql\", \"{delta}/*.py\"]\n\
         exclude = [\"**/full_schemas/**\"]\n"
    ));
    for (name, word) in &tracks[2..] {
        toml.push_str(&format!(
            "\n[[counterparts]]\ntrack = {}\nglobs = [\"{root}**/*.sql.{word}\", \"{delta}/*.sql\", \"{delta}/*.py\"]\nexclude = [\"**/full_schemas/**\"]\n",
            quoted(name)
        ));
    }
    Some(Detected {
        kind: "delta",
        summary: format!("delta folders under {root}, tracks {}", names(&tracks)),
        toml,
    })
}

fn names(tracks: &[(&str, String)]) -> String {
    tracks
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// diesel: `<root>/<engine>/<date>_<name>/up.sql`.
fn diesel(paths: &[&str]) -> Option<Detected> {
    let mut engines = Engines::default();
    let mut root: Option<String> = None;
    for path in paths {
        let parts: Vec<&str> = path.split('/').collect();
        let [.., word, _folder, "up.sql"] = parts.as_slice() else {
            continue;
        };
        if engine(word).is_none() {
            continue;
        }
        engines.add(word);
        let prefix = parts[..parts.len() - 3].join("/");
        root.get_or_insert(prefix);
    }
    let tracks = engines.tracks()?;
    // With a trailing `/`, or empty for migrations at the root.
    let root = root.map_or(String::new(), |r| {
        if r.is_empty() {
            r
        } else {
            format!("{r}/")
        }
    });
    let (first, first_word) = &tracks[0];
    let (second, second_word) = &tracks[1];
    let mut toml = header(
        "diesel (a folder per migration and engine)",
        &format!(
            "#   {root}{first_word}/<date>_<name>/up.sql  needs  {root}{second_word}/<date>_<name>/up.sql\n"
        ),
    );
    toml.push_str(&tracks_table(first, second, ""));
    toml.push_str(&format!(
        "[[watch]]\nglob = \"{root}{first_word}/*/up.sql\"\nset = \"sql\"\n\n\
         # Named by the folder without its timestamp (`add_tags`).\n\
         [entry]\nkind = \"new-file\"\nglobs = [\"{root}{first_word}/*/up.sql\"]\n\n\
         # The counterpart of the same name, added here or already merged.\n\
         [revisions]\nglobs = [\"{root}{second_word}/*/up.sql\"]\nby_name = true\n\
         hint = \"diesel migration generate --migration-dir {root}{second_word} <name>\"\n"
    ));
    for (name, word) in &tracks[2..] {
        toml.push_str(&format!(
            "\n[[counterparts]]\ntrack = {}\nglobs = [\"{root}{word}/*/up.sql\"]\nby_name = true\n",
            quoted(name)
        ));
    }
    Some(Detected {
        kind: "diesel",
        summary: format!(
            "a folder per migration under {root}, tracks {}",
            names(&tracks)
        ),
        toml,
    })
}

/// sqlx: `<dir>/<ts>_<name>.<engine>.up.sql` (or `.<engine>.sql`), `.all.` for every engine.
fn engine_in_name(paths: &[&str]) -> Option<Detected> {
    let mut engines = Engines::default();
    let mut dir: Option<String> = None;
    let mut ending = ".up.sql";
    let mut all = false;
    for path in paths {
        let (parent, file) = path.rsplit_once('/').unwrap_or(("", path));
        let (stem, this_ending) = match file.strip_suffix(".up.sql") {
            Some(stem) => (stem, ".up.sql"),
            None => match file.strip_suffix(".sql") {
                Some(stem) => (stem, ".sql"),
                None => continue,
            },
        };
        let Some((_, word)) = stem.rsplit_once('.') else {
            continue;
        };
        if word == "all" {
            all = true;
            continue;
        }
        if engine(word).is_none() {
            continue;
        }
        engines.add(word);
        ending = this_ending;
        dir.get_or_insert(parent.to_string());
    }
    let tracks = engines.tracks()?;
    let dir = dir.map_or(String::new(), |d| {
        if d.is_empty() {
            d
        } else {
            format!("{d}/")
        }
    });
    let glob = |word: &str| format!("\"{dir}*.{word}{ending}\"");
    let with_all = |word: &str| match all {
        true => format!("[{}, {}]", glob(word), glob("all")),
        false => format!("[{}]", glob(word)),
    };
    let (first, first_word) = &tracks[0];
    let (second, second_word) = &tracks[1];
    let mut toml = header(
        "engine-in-the-file-name",
        &format!(
            "#   {dir}<ts>_<name>.{first_word}{ending}  needs  {dir}<ts>_<name>.{second_word}{ending}{}\n",
            if all { format!(" (or one {dir}<ts>_<name>.all{ending} for every engine)") } else { String::new() }
        ),
    );
    toml.push_str(&tracks_table(
        first,
        second,
        "# A change may start on either side.\nboth_directions = true\n",
    ));
    toml.push_str(&format!(
        "[[watch]]\nglob = {}\nset = \"sql\"\n\n",
        glob(first_word)
    ));
    if all {
        toml.push_str(&format!(
            "[[watch]]\nglob = {}\nset = \"sql\"\n\n",
            glob("all")
        ));
    }
    toml.push_str(&format!(
        "[entry]\nkind = \"new-file\"\nglobs = {}\n\n[revisions]\nglobs = {}\nby_name = true\nhint = \"sqlx migrate add -r <name>\"\n",
        with_all(first_word),
        with_all(second_word)
    ));
    for (name, word) in &tracks[2..] {
        toml.push_str(&format!(
            "\n[[counterparts]]\ntrack = {}\nglobs = {}\nby_name = true\n",
            quoted(name),
            with_all(word)
        ));
    }
    Some(Detected {
        kind: "engine-in-name",
        summary: format!(
            "the engine in the file names under {dir}, tracks {}",
            names(&tracks)
        ),
        toml,
    })
}

/// A directory of `.sql` files per engine: `<root>/<engine>/<name>.sql`.
fn sql_dirs(paths: &[&str]) -> Option<Detected> {
    let mut engines = Engines::default();
    let mut root: Option<String> = None;
    for path in paths {
        let parts: Vec<&str> = path.split('/').collect();
        let [.., word, file] = parts.as_slice() else {
            continue;
        };
        if !file.ends_with(".sql") || engine(word).is_none() {
            continue;
        }
        engines.add(word);
        root.get_or_insert(parts[..parts.len() - 2].join("/"));
    }
    let tracks = engines.tracks()?;
    let root = root.map_or(String::new(), |r| {
        if r.is_empty() {
            r
        } else {
            format!("{r}/")
        }
    });
    let (first, first_word) = &tracks[0];
    let (second, second_word) = &tracks[1];
    let mut toml = header(
        "SQL files per engine",
        &format!("#   {root}{first_word}/<name>.sql  needs  {root}{second_word}/<name>.sql\n"),
    );
    toml.push_str(&tracks_table(first, second, ""));
    toml.push_str(&format!(
        "[[watch]]\nglob = \"{root}{first_word}/**/*.sql\"\nset = \"sql\"\n\n\
         [entry]\nkind = \"new-file\"\ndir = \"{root}{first_word}/\"\nsuffix = \".sql\"\n\n\
         [revisions]\ndir = \"{root}{second_word}/\"\nsuffix = \".sql\"\n"
    ));
    for (name, word) in &tracks[2..] {
        toml.push_str(&format!(
            "\n[[counterparts]]\ntrack = {}\ndir = \"{root}{word}/\"\nsuffix = \".sql\"\n",
            quoted(name)
        ));
    }
    Some(Detected {
        kind: "sql-dirs",
        summary: format!(
            "SQL files per engine under {root}, tracks {}",
            names(&tracks)
        ),
        toml,
    })
}
