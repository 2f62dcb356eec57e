"""The fact-check collection: published reviews of claims, their full-text index and their
embeddings per model.

``id`` is derived from the review's canonical URL (or from its content when it has none), so a
record imported twice is stored once; ``pk`` only grows, so a vector index knows what it lacks
by the highest ``pk`` it holds.
"""

from __future__ import annotations

from sqlalchemy import Connection, text


def upgrade(conn: Connection, dialect: str) -> None:
    # AUTOINCREMENT: SQLite must never hand a deleted row's number to a new one (an index file
    # may still hold the deleted row's vector under it)
    pk = "INTEGER PRIMARY KEY AUTOINCREMENT" if dialect == "sqlite" else "BIGSERIAL PRIMARY KEY"
    blob = "BLOB" if dialect == "sqlite" else "BYTEA"
    conn.execute(
        text(
            f"""
            CREATE TABLE factchecks (
                pk {pk},
                id TEXT NOT NULL UNIQUE,
                url TEXT NOT NULL DEFAULT '',
                claim TEXT NOT NULL,
                rating TEXT NOT NULL DEFAULT '',
                reviewer TEXT NOT NULL DEFAULT '',
                published TEXT,
                claimant TEXT NOT NULL DEFAULT '',
                claim_date TEXT,
                language TEXT NOT NULL DEFAULT '',
                title TEXT NOT NULL DEFAULT '',
                content_key TEXT NOT NULL,
                origin TEXT NOT NULL DEFAULT '',
                record TEXT NOT NULL,
                added_at TEXT NOT NULL
            )
            """
        )
    )
    conn.execute(text("CREATE INDEX factchecks_url ON factchecks (url)"))
    conn.execute(text("CREATE INDEX factchecks_content_key ON factchecks (content_key)"))
    conn.execute(text("CREATE INDEX factchecks_reviewer ON factchecks (reviewer)"))
    conn.execute(
        text(
            f"""
            CREATE TABLE factcheck_vectors (
                factcheck_pk BIGINT NOT NULL REFERENCES factchecks (pk) ON DELETE CASCADE,
                model TEXT NOT NULL,
                vector {blob} NOT NULL,
                PRIMARY KEY (model, factcheck_pk)
            )
            """
        )
    )
    if dialect == "sqlite":
        conn.execute(
            text(
                "CREATE VIRTUAL TABLE factchecks_fts USING fts5(claim, title, claimant, "
                "content='factchecks', content_rowid='pk', "
                "tokenize='unicode61 remove_diacritics 2')"
            )
        )
        columns = "claim, title, claimant"
        conn.execute(
            text(
                "CREATE TRIGGER factchecks_fts_insert AFTER INSERT ON factchecks BEGIN "
                f"INSERT INTO factchecks_fts (rowid, {columns}) "
                "VALUES (new.pk, new.claim, new.title, new.claimant); END"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER factchecks_fts_delete AFTER DELETE ON factchecks BEGIN "
                f"INSERT INTO factchecks_fts (factchecks_fts, rowid, {columns}) "
                "VALUES ('delete', old.pk, old.claim, old.title, old.claimant); END"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER factchecks_fts_update AFTER UPDATE ON factchecks BEGIN "
                f"INSERT INTO factchecks_fts (factchecks_fts, rowid, {columns}) "
                "VALUES ('delete', old.pk, old.claim, old.title, old.claimant); "
                f"INSERT INTO factchecks_fts (rowid, {columns}) "
                "VALUES (new.pk, new.claim, new.title, new.claimant); END"
            )
        )
    else:
        conn.execute(
            text(
                "ALTER TABLE factchecks ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
                "(to_tsvector('simple', claim || ' ' || title || ' ' || claimant)) STORED"
            )
        )
        conn.execute(text("CREATE INDEX factchecks_tsv ON factchecks USING GIN (tsv)"))
