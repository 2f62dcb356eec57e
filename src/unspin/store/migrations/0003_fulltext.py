"""Full-text search: an FTS5 index on SQLite, a generated tsvector with a GIN index on PostgreSQL.

Both tokenise without stemming (``unicode61`` / the ``simple`` configuration), so a query finds
the same documents on either backend.
"""

from __future__ import annotations

from sqlalchemy import Connection, text


def upgrade(conn: Connection, dialect: str) -> None:
    if dialect == "sqlite":
        conn.execute(
            text(
                "CREATE VIRTUAL TABLE documents_fts USING fts5(title, text, content='documents', "
                "content_rowid='pk', tokenize='unicode61 remove_diacritics 2')"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN "
                "INSERT INTO documents_fts (rowid, title, text) "
                "VALUES (new.pk, new.title, new.text); "
                "END"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN "
                "INSERT INTO documents_fts (documents_fts, rowid, title, text) "
                "VALUES ('delete', old.pk, old.title, old.text); END"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER documents_fts_update AFTER UPDATE ON documents BEGIN "
                "INSERT INTO documents_fts (documents_fts, rowid, title, text) "
                "VALUES ('delete', old.pk, old.title, old.text); "
                "INSERT INTO documents_fts (rowid, title, text) "
                "VALUES (new.pk, new.title, new.text); "
                "END"
            )
        )
        conn.execute(text("INSERT INTO documents_fts (documents_fts) VALUES ('rebuild')"))
    else:
        conn.execute(
            text(
                "ALTER TABLE documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
                "(to_tsvector('simple', title || ' ' || text)) STORED"
            )
        )
        conn.execute(text("CREATE INDEX documents_tsv ON documents USING GIN (tsv)"))
