"""Apply the numbered migrations in ``unspin/store/migrations`` in order, each in its own
transaction, recording each in ``schema_version``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from importlib.resources import files
from typing import Any

from sqlalchemy import Engine, inspect, text

from unspin.errors import StorageError

__all__ = ["Migration", "migrations", "current_version", "upgrade"]

_NAME = re.compile(r"^(\d{4})_(\w+)\.py$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    module: str

    def apply(self, conn: Any, dialect: str) -> None:
        import_module(self.module).upgrade(conn, dialect)


def migrations() -> list[Migration]:
    """Return every migration shipped, in version order."""
    found = []
    for entry in files("unspin.store.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(
                Migration(int(match[1]), match[2], f"unspin.store.migrations.{entry.name[:-3]}")
            )
    found.sort(key=lambda m: m.version)
    return found


def current_version(engine: Engine) -> int:
    """Return the highest migration applied to the database (0 for an empty one)."""
    if not inspect(engine).has_table("schema_version"):
        return 0
    with engine.connect() as conn:
        value = conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar()
    return int(value or 0)


def upgrade(engine: Engine, *, target: int | None = None) -> int:
    """Apply the migrations the database lacks, up to ``target`` (default: all).

    Returns:
        The schema version after upgrading.

    Raises:
        StorageError: the database is newer than this unspin, or a migration failed.
    """
    dialect = engine.dialect.name
    known = migrations()
    newest = known[-1].version if known else 0
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
        )
    version = current_version(engine)
    if version > newest:
        raise StorageError(
            f"the store has schema version {version}, newer than this unspin's {newest}: "
            "upgrade unspin"
        )
    for migration in known:
        if migration.version <= version or (target is not None and migration.version > target):
            continue
        try:
            with engine.begin() as conn:
                migration.apply(conn, dialect)
                conn.execute(
                    text(
                        "INSERT INTO schema_version (version, name, applied_at) VALUES (:v, :n, :t)"
                    ),
                    {
                        "v": migration.version,
                        "n": migration.name,
                        "t": datetime.now(UTC).isoformat(timespec="seconds"),
                    },
                )
        except StorageError:
            raise
        except Exception as exc:
            raise StorageError(
                f"migration {migration.version:04d}_{migration.name} failed: "
                f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            ) from exc
        version = migration.version
    return version
