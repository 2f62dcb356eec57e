"""A cache of document embeddings per model, so narratives embed each document once."""

from __future__ import annotations

from sqlalchemy import Connection, text


def upgrade(conn: Connection, dialect: str) -> None:
    blob = "BLOB" if dialect == "sqlite" else "BYTEA"
    conn.execute(
        text(
            f"""
            CREATE TABLE embeddings (
                doc_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
                model TEXT NOT NULL,
                dim INTEGER NOT NULL,
                vector {blob} NOT NULL,
                PRIMARY KEY (doc_id, model)
            )
            """
        )
    )
