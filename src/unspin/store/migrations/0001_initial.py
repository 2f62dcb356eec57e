"""Documents and their layers."""

from __future__ import annotations

from sqlalchemy import Connection, text


def upgrade(conn: Connection, dialect: str) -> None:
    pk = "INTEGER PRIMARY KEY" if dialect == "sqlite" else "BIGSERIAL PRIMARY KEY"
    conn.execute(
        text(
            f"""
            CREATE TABLE documents (
                pk {pk},
                id TEXT NOT NULL UNIQUE,
                text_hash TEXT NOT NULL,
                text TEXT NOT NULL,
                meta TEXT NOT NULL,
                source TEXT NOT NULL DEFAULT '',
                title TEXT NOT NULL DEFAULT '',
                published TEXT,
                added_at TEXT NOT NULL,
                producers TEXT NOT NULL
            )
            """
        )
    )
    conn.execute(text("CREATE INDEX documents_text_hash ON documents (text_hash)"))
    conn.execute(text("CREATE INDEX documents_published ON documents (published)"))
    conn.execute(text("CREATE INDEX documents_source ON documents (source)"))
    conn.execute(
        text(
            """
            CREATE TABLE layers (
                doc_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                producer TEXT NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (doc_id, name)
            )
            """
        )
    )
