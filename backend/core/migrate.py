"""Programmatic Alembic: upgrade, SQL preview, head check, drift detection."""

import ast
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text, types
from sqlmodel.sql.sqltypes import AutoString

from backend.models.base import UTCDateTime

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (with Mako) is ~11 MB of every API process: imported only where it is used (the
# CLI's migrate commands, tests), never by a serving process, which needs only the heads.
VERSION_TABLE = "alembic_version"  # Alembic's default, which this project keeps


def migrations_dir() -> Path:
    """The repository's migrations/, or the copy packed into the wheel."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "migrations", here / "_migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise RuntimeError("migrations directory not found")


def alembic_config(database_url: str) -> "Config":
    """An Alembic config bound to a database URL, independent of the working directory."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head", *, sql: bool = False) -> None:
    """Bring the schema to a revision (or print the SQL that would run)."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision, sql=sql)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Walk the schema back to a revision."""
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def head_revisions(database_url: str) -> set[str]:
    """The revisions the code expects the database to be at.

    Read from the migration files' ``revision``/``down_revision`` assignments (the revisions
    nothing builds on), as Alembic's ScriptDirectory would, without importing Alembic.
    """
    files = sorted((migrations_dir() / "versions").glob("*.py"))
    # Parsing every migration costs ~25 ms and create_app asks on every call (the test suite
    # builds an app per test): parse again only when a file was added, removed or changed.
    stamp = tuple((str(path), path.stat().st_mtime_ns) for path in files)
    return set(_heads_of(stamp))


@lru_cache(maxsize=4)
def _heads_of(stamp: tuple[tuple[str, int], ...]) -> frozenset[str]:
    revisions: set[str] = set()
    parents: set[str] = set()
    for path_name, _ in stamp:
        for node in ast.parse(Path(path_name).read_text(encoding="utf-8")).body:
            target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
            name = getattr(target, "id", None)
            if name not in ("revision", "down_revision") or node.value is None:
                continue
            value = ast.literal_eval(node.value)
            if name == "revision":
                revisions.add(value)
            elif value is not None:
                parents.update([value] if isinstance(value, str) else value)
    return frozenset(revisions - parents)


def current_revisions(connection: Connection) -> set[str]:
    """The revisions the database is at (empty when it was never migrated).

    Read straight from ``alembic_version``: configuring Alembic's MigrationContext logs two
    INFO lines, and ``/readyz`` runs this on every probe.
    """
    if not inspect(connection).has_table(VERSION_TABLE):
        return set()
    return set(connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())


def render_item(type_: str, obj, autogen_context):
    """Render our custom column types as plain SQLAlchemy ones in migration files."""
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if isinstance(obj, types.JSON) and "postgresql" in getattr(obj, "_variant_mapping", {}):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


# PostgreSQL-only indexes that migrations create by hand (op.execute) and the models do not
# declare, e.g. trigram GIN indexes for diacritic-free search ("ix_site_name_search_trgm").
HAND_MADE_INDEX_SUFFIXES = ("_trgm",)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Keep autogenerate and the drift check from proposing to drop hand-made indexes."""
    return not (
        type_ == "index"
        and reflected
        and compare_to is None
        and (name or "").endswith(HAND_MADE_INDEX_SUFFIXES)
    )
