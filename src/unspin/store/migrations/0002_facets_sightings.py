"""Search facets (techniques, actors), the outlet column and sightings of a text at a source.

Backfills all three from the rows 0001 stored, so an upgraded store loses nothing.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text


def upgrade(conn: Connection, dialect: str) -> None:
    from unspin.store.facets import facets_of, outlet_of

    conn.execute(text("ALTER TABLE documents ADD COLUMN outlet TEXT NOT NULL DEFAULT ''"))
    conn.execute(text("CREATE INDEX documents_outlet ON documents (outlet)"))
    conn.execute(
        text(
            """
            CREATE TABLE facets (
                doc_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                count INTEGER NOT NULL,
                stance TEXT,
                score DOUBLE PRECISION
            )
            """
        )
    )
    conn.execute(text("CREATE INDEX facets_kind_key ON facets (kind, key)"))
    conn.execute(text("CREATE INDEX facets_doc ON facets (doc_id)"))
    conn.execute(
        text(
            """
            CREATE TABLE sightings (
                doc_id TEXT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
                source TEXT NOT NULL,
                title TEXT NOT NULL DEFAULT '',
                published TEXT,
                added_at TEXT NOT NULL,
                PRIMARY KEY (doc_id, source)
            )
            """
        )
    )
    rows = conn.execute(
        text("SELECT id, text, meta, source, title, published, added_at FROM documents")
    )
    for doc_id, doc_text, meta_json, source, title, published, added_at in rows.fetchall():
        meta = json.loads(meta_json)
        conn.execute(
            text("UPDATE documents SET outlet = :outlet WHERE id = :id"),
            {"outlet": outlet_of(meta), "id": doc_id},
        )
        conn.execute(
            text(
                "INSERT INTO sightings (doc_id, source, title, published, added_at) "
                "VALUES (:id, :source, :title, :published, :added_at)"
            ),
            {
                "id": doc_id,
                "source": source,
                "title": title,
                "published": published,
                "added_at": added_at,
            },
        )
        layers = {
            name: json.loads(body)
            for name, body in conn.execute(
                text("SELECT name, body FROM layers WHERE doc_id = :id"), {"id": doc_id}
            ).fetchall()
        }
        for row in facets_of(layers, doc_text):
            conn.execute(
                text(
                    "INSERT INTO facets (doc_id, kind, key, value, count, stance, score) "
                    "VALUES (:doc_id, :kind, :key, :value, :count, :stance, :score)"
                ),
                {"doc_id": doc_id, **row},
            )
