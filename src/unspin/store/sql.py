"""``Corpus``: analysed documents in SQLite or PostgreSQL through SQLAlchemy Core.

The store keeps documents, their sightings and the facets filters read; it knows no analyses.
Near-duplicates, narratives, timelines and statistics are functions of :mod:`unspin.corpus` that
take a ``Corpus``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from unspin.document import Document, Layer
from unspin.errors import InvalidInput, NotFound, StorageError
from unspin.store import migrate
from unspin.store.facets import facets_of, outlet_of

if TYPE_CHECKING:
    from unspin.store.factchecks import FactChecks

__all__ = ["Corpus", "TextRow", "open_corpus", "engine_url", "producers_of"]

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class TextRow:
    """A stored text without its layers: what duplicate and narrative search read."""

    id: str
    text: str
    source: str
    outlet: str
    title: str
    published: str | None


def engine_url(url: str) -> str:
    """Turn a store address (a file path, ``sqlite:///...`` or ``postgresql://...``) into a
    SQLAlchemy URL.

    Raises:
        StorageError: the address is empty, of an unsupported kind, or names a missing folder.
    """
    if not isinstance(url, str) or not url.strip():
        raise StorageError(
            "no store given: pass a file path, sqlite:///PATH or postgresql://USER@HOST/DB"
        )
    url = url.strip()
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+psycopg://", "sqlite://")):
        if url.startswith("sqlite:///") and url not in ("sqlite:///:memory:",):
            _check_folder(Path(url.removeprefix("sqlite:///")), url)
        return url
    if re.match(r"^[a-zA-Z][\w+.-]*://", url):
        raise StorageError(
            f"unsupported store URL {url!r}: use a file path, sqlite:///PATH or "
            "postgresql://USER@HOST/DB"
        )
    path = Path(url).expanduser()
    _check_folder(path, url)
    return f"sqlite:///{path.resolve()}"


def _check_folder(path: Path, url: str) -> None:
    folder = path.expanduser().resolve().parent
    if not folder.is_dir():
        raise StorageError(f"cannot create the store {url!r}: folder {folder} does not exist")
    if path.is_dir():
        raise StorageError(f"store path {url!r} is a folder; give a file such as corpus.db")


def producers_of(doc: Document) -> dict[str, str]:
    """Return detector name -> version read from the ``producer`` of each of doc's layers."""
    out: dict[str, str] = {}
    for layer in doc.layers.values():
        name, _, version = layer.producer.partition("@")
        if name:
            out[name] = version
    return out


def _published(meta: Mapping[str, Any]) -> str | None:
    value = meta.get("published")
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def _check_date(value: str | date | None, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise InvalidInput(f"{what} date {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _like_prefix(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class Corpus:
    """A store of analysed documents. Create one with :func:`open_corpus`.

    Every write is one transaction per document, so a crash loses at most the document in flight.
    """

    def __init__(self, engine: Engine, *, url: str) -> None:
        self.engine = engine
        self.url = url
        self.dialect = engine.dialect.name

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        with self._read() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM documents")).scalar() or 0)

    def __repr__(self) -> str:
        return f"Corpus({make_url(self.url).render_as_string(hide_password=True)!r})"

    @property
    def factchecks(self) -> FactChecks:
        """The store's fact-check collection (see :mod:`unspin.store.factchecks`)."""
        from unspin.store.factchecks import FactChecks

        return FactChecks(self)

    @property
    def schema_version(self) -> int:
        return migrate.current_version(self.engine)

    def _read(self) -> Any:
        return _Guard(self.engine, write=False)

    def _write(self) -> Any:
        return _Guard(self.engine, write=True)

    # -- writing ---------------------------------------------------------------------------
    def add(self, doc: Document, *, producers: Mapping[str, str] | None = None) -> bool:
        """Store a document with its layers, replacing an earlier version with the same id.

        Args:
            doc: the analysed document.
            producers: detector name -> version that analysed it (``Pipeline.producers``);
                defaults to what the layers' ``producer`` fields say.

        Returns:
            True if the id was new, False if an earlier version was replaced.

        Raises:
            StorageError: the write failed (nothing of this document is stored then).
        """
        producers = dict(producers) if producers is not None else producers_of(doc)
        meta = dict(_plain(doc.meta))
        layers = {name: layer.to_dict() for name, layer in doc.layers.items()}
        row = {
            "id": doc.id,
            "text_hash": doc.text_hash,
            "text": doc.text,
            "meta": json.dumps(meta, ensure_ascii=False, sort_keys=True),
            "source": str(meta.get("source") or ""),
            "title": str(meta.get("title") or ""),
            "published": _published(meta),
            "added_at": _now(),
            "producers": json.dumps(producers, sort_keys=True),
            "outlet": outlet_of(meta),
        }
        with self._write() as conn:
            # insert-or-nothing first: two writers adding the same id (workers of a cluster)
            # then wait for each other instead of one failing on the unique key
            inserted = conn.execute(
                text(
                    "INSERT INTO documents (id, text_hash, text, meta, source, title, "
                    "published, added_at, producers, outlet) VALUES (:id, :text_hash, :text, "
                    ":meta, :source, :title, :published, :added_at, :producers, :outlet) "
                    "ON CONFLICT (id) DO NOTHING"
                ),
                row,
            ).rowcount
            exists = inserted == 0
            if exists:
                conn.execute(
                    text(
                        "UPDATE documents SET text_hash = :text_hash, text = :text, meta = :meta, "
                        "source = :source, title = :title, published = :published, "
                        "added_at = :added_at, producers = :producers, outlet = :outlet "
                        "WHERE id = :id"
                    ),
                    row,
                )
                conn.execute(text("DELETE FROM layers WHERE doc_id = :id"), {"id": doc.id})
                conn.execute(text("DELETE FROM facets WHERE doc_id = :id"), {"id": doc.id})
            if layers:
                conn.execute(
                    text(
                        "INSERT INTO layers (doc_id, name, producer, body) "
                        "VALUES (:doc_id, :name, :producer, :body)"
                    ),
                    [
                        {
                            "doc_id": doc.id,
                            "name": name,
                            "producer": body["producer"],
                            "body": json.dumps(body, ensure_ascii=False),
                        }
                        for name, body in sorted(layers.items())
                    ],
                )
            facet_rows = facets_of(layers, doc.text)
            if facet_rows:
                conn.execute(
                    text(
                        "INSERT INTO facets (doc_id, kind, key, value, count, stance, score) "
                        "VALUES (:doc_id, :kind, :key, :value, :count, :stance, :score)"
                    ),
                    [{"doc_id": doc.id, **r} for r in facet_rows],
                )
            self._sight(conn, doc.id, row)
        return not exists

    def add_sighting(self, doc: Document) -> None:
        """Record that an already stored text was also seen at ``doc.meta["source"]``.

        Raises:
            NotFound: no document with ``doc.id`` is stored.
        """
        meta = dict(doc.meta)
        row = {
            "source": str(meta.get("source") or ""),
            "title": str(meta.get("title") or ""),
            "published": _published(meta),
            "added_at": _now(),
        }
        with self._write() as conn:
            if not conn.execute(
                text("SELECT 1 FROM documents WHERE id = :id"), {"id": doc.id}
            ).first():
                raise NotFound(f"no stored document has the id {doc.id!r}")
            self._sight(conn, doc.id, row)

    def _sight(self, conn: Connection, doc_id: str, row: Mapping[str, Any]) -> None:
        conn.execute(
            text(
                "INSERT INTO sightings (doc_id, source, title, published, added_at) "
                "VALUES (:doc_id, :source, :title, :published, :added_at) "
                "ON CONFLICT (doc_id, source) DO NOTHING"
            ),
            {
                "doc_id": doc_id,
                "source": row["source"],
                "title": row["title"],
                "published": row["published"],
                "added_at": row["added_at"],
            },
        )

    def delete(self, doc_id: str) -> None:
        """Remove a document, its layers and its sightings.

        Raises:
            NotFound: no document has that id.
        """
        with self._write() as conn:
            result = conn.execute(text("DELETE FROM documents WHERE id = :id"), {"id": doc_id})
            if result.rowcount == 0:
                raise NotFound(f"no stored document has the id {doc_id!r}")

    # -- reading ---------------------------------------------------------------------------
    def has(self, doc_id: str, producers: Mapping[str, str] | None = None) -> bool:
        """Tell whether a document is stored, analysed by (at least) the given detector versions.

        Args:
            doc_id: the document id.
            producers: detector name -> version; None checks presence only.
        """
        with self._read() as conn:
            stored = conn.execute(
                text("SELECT producers FROM documents WHERE id = :id"), {"id": doc_id}
            ).scalar()
        if stored is None:
            return False
        if producers is None:
            return True
        have = json.loads(stored)
        return all(have.get(name) == version for name, version in producers.items())

    def get(self, doc_id: str) -> Document:
        """Return the stored document with its layers.

        Raises:
            NotFound: no document has that id.
        """
        docs = self._load([doc_id])
        if not docs:
            raise NotFound(f"no stored document has the id {doc_id!r}")
        return docs[0]

    def _load(self, ids: Sequence[str]) -> list[Document]:
        if len(ids) > 500:  # keep the IN lists short (SQLite caps bound parameters)
            return [
                doc
                for start in range(0, len(ids), 500)
                for doc in self._load(ids[start : start + 500])
            ]
        if not ids:
            return []
        params = {f"i{n}": value for n, value in enumerate(ids)}
        marks = ", ".join(f":i{n}" for n in range(len(ids)))
        with self._read() as conn:
            rows = conn.execute(
                text(f"SELECT id, text, meta FROM documents WHERE id IN ({marks})"), params
            ).fetchall()
            layer_rows = conn.execute(
                text(f"SELECT doc_id, name, body FROM layers WHERE doc_id IN ({marks})"), params
            ).fetchall()
        layers: dict[str, dict[str, Layer]] = {}
        for doc_id, name, body in layer_rows:
            layers.setdefault(doc_id, {})[name] = Layer.from_dict(name, json.loads(body))
        by_id = {
            doc_id: Document(
                doc_text, meta=json.loads(meta), layers=layers.get(doc_id, {}), id=doc_id
            )
            for doc_id, doc_text, meta in rows
        }
        return [by_id[i] for i in ids if i in by_id]

    def iter_documents(self, *, batch: int = 200) -> Iterator[Document]:
        """Yield every stored document in the order stored, a batch at a time."""
        last = 0
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    text("SELECT pk, id FROM documents WHERE pk > :last ORDER BY pk LIMIT :n"),
                    {"last": last, "n": batch},
                ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield from self._load([r[1] for r in rows])

    def iter_texts(self, *, batch: int = 2000) -> Iterator[TextRow]:
        """Yield every stored text with its source and date but without layers (fast)."""
        last = 0
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    text(
                        "SELECT pk, id, text, source, outlet, title, published FROM documents "
                        "WHERE pk > :last ORDER BY pk LIMIT :n"
                    ),
                    {"last": last, "n": batch},
                ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            for _, doc_id, doc_text, source, outlet, title, published in rows:
                yield TextRow(doc_id, doc_text, source, outlet, title, published)

    def sightings(self) -> dict[str, list[dict[str, Any]]]:
        """Return doc id -> the sources its exact text was seen at (first seen first)."""
        with self._read() as conn:
            rows = conn.execute(
                text(
                    "SELECT doc_id, source, title, published, added_at FROM sightings "
                    "ORDER BY doc_id, added_at, source"
                )
            ).fetchall()
        out: dict[str, list[dict[str, Any]]] = {}
        for doc_id, source, title, published, added_at in rows:
            out.setdefault(doc_id, []).append(
                {"source": source, "title": title, "published": published, "added_at": added_at}
            )
        return out

    def facet_rows(self, kinds: Sequence[str]) -> list[dict[str, Any]]:
        """Return facet rows of the given kinds joined with each document's outlet and date."""
        params = {f"k{n}": kind for n, kind in enumerate(kinds)}
        marks = ", ".join(f":k{n}" for n in range(len(kinds))) or "''"
        with self._read() as conn:
            rows = conn.execute(
                text(
                    "SELECT f.doc_id, d.outlet, d.published, f.kind, f.value, f.count, f.stance, "
                    f"f.score FROM facets f JOIN documents d ON d.id = f.doc_id "
                    f"WHERE f.kind IN ({marks}) ORDER BY d.pk, f.kind, f.key"
                ),
                params,
            ).fetchall()
        keys = ("doc_id", "outlet", "published", "kind", "value", "count", "stance", "score")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def document_rows(self) -> list[dict[str, Any]]:
        """Return id, outlet, source, title and published of every document (no text)."""
        with self._read() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, outlet, source, title, published, added_at FROM documents "
                    "ORDER BY pk"
                )
            ).fetchall()
        keys = ("id", "outlet", "source", "title", "published", "added_at")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    # -- embedding cache ---------------------------------------------------------------------
    def cached_embeddings(self, model: str, ids: Sequence[str]) -> dict[str, Any]:
        """Return doc id -> float32 vector for the ids with a cached embedding from ``model``."""
        import numpy as np

        out: dict[str, Any] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            params: dict[str, Any] = {f"i{n}": value for n, value in enumerate(chunk)}
            marks = ", ".join(f":i{n}" for n in range(len(chunk)))
            with self._read() as conn:
                rows = conn.execute(
                    text(
                        "SELECT doc_id, vector FROM embeddings WHERE model = :model "
                        f"AND doc_id IN ({marks})"
                    ),
                    {**params, "model": model},
                ).fetchall()
            for doc_id, vector in rows:
                out[doc_id] = np.frombuffer(bytes(vector), dtype=np.float32)
        return out

    def cache_embeddings(self, model: str, vectors: Mapping[str, Any]) -> None:
        """Store embeddings (doc id -> vector) made by ``model``, replacing older ones."""
        import numpy as np

        rows = []
        for doc_id, vector in vectors.items():
            array = np.ascontiguousarray(vector, dtype=np.float32)
            rows.append(
                {
                    "doc_id": doc_id,
                    "model": model,
                    "dim": int(array.shape[0]),
                    "vector": array.tobytes(),
                }
            )
        if not rows:
            return
        with self._write() as conn:
            conn.execute(
                text(
                    "INSERT INTO embeddings (doc_id, model, dim, vector) "
                    "VALUES (:doc_id, :model, :dim, :vector) "
                    "ON CONFLICT (doc_id, model) DO UPDATE SET dim = excluded.dim, "
                    "vector = excluded.vector"
                ),
                rows,
            )

    # -- search ----------------------------------------------------------------------------
    def search(
        self,
        query: str = "",
        *,
        source: str | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        technique: str | None = None,
        actor: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[Document], int]:
        """Find documents by full text and filters.

        Args:
            query: words that must all occur (title or text, case-insensitive); "" for any.
            source: a source path/URL (or its prefix) or an outlet name.
            since: earliest published date (ISO, inclusive).
            until: latest published date (ISO, inclusive).
            technique: a technique label found in the ``persuasion`` layer.
            actor: an actor's name or alias (an entity's name without an actors layer).
            limit: at most this many documents.
            offset: skip this many first.

        Returns:
            The page of documents (best match first, else newest first) and the total count.

        Raises:
            InvalidInput: a date is not ISO, or limit/offset are negative.
        """
        if limit < 0 or offset < 0:
            raise InvalidInput(f"limit and offset must be >= 0, got {limit} and {offset}")
        since_iso, until_iso = _check_date(since, "since"), _check_date(until, "until")
        where: list[str] = []
        params: dict[str, Any] = {}
        join = ""
        order = "CASE WHEN d.published IS NULL THEN 1 ELSE 0 END, d.published DESC, d.pk DESC"
        words = _WORD.findall(query or "")
        if query and query.strip() and not words:
            raise InvalidInput(f"search query {query!r} has no words to look for")
        if words:
            if self.dialect == "sqlite":
                join = "JOIN documents_fts ON documents_fts.rowid = d.pk"
                where.append("documents_fts MATCH :q")
                params["q"] = " ".join('"' + w.replace('"', "") + '"' for w in words)
                order = "documents_fts.rank, d.pk"
            else:
                where.append("d.tsv @@ plainto_tsquery('simple', :q)")
                params["q"] = " ".join(words)
                order = "ts_rank(d.tsv, plainto_tsquery('simple', :q)) DESC, d.pk"
        if source:
            where.append(
                "(d.source = :source OR d.outlet = :source OR d.source LIKE :source_prefix "
                "ESCAPE '\\' OR EXISTS (SELECT 1 FROM sightings s WHERE s.doc_id = d.id "
                "AND s.source = :source))"
            )
            params["source"] = source
            params["source_prefix"] = _like_prefix(source)
        if since_iso:
            where.append("d.published >= :since")
            params["since"] = since_iso
        if until_iso:
            where.append("d.published <= :until")
            params["until"] = until_iso
        if technique:
            where.append(
                "EXISTS (SELECT 1 FROM facets f WHERE f.doc_id = d.id AND f.kind = 'technique' "
                "AND f.key = :technique)"
            )
            params["technique"] = technique.casefold()
        if actor:
            where.append(
                "EXISTS (SELECT 1 FROM facets f WHERE f.doc_id = d.id AND "
                "f.kind IN ('actor', 'alias', 'entity') AND f.key = :actor)"
            )
            params["actor"] = " ".join(actor.split()).casefold()
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        with self._read() as conn:
            total = int(
                conn.execute(
                    text(f"SELECT COUNT(*) FROM documents d {join} {clause}"), params
                ).scalar()
                or 0
            )
            ids = [
                r[0]
                for r in conn.execute(
                    text(
                        f"SELECT d.id FROM documents d {join} {clause} ORDER BY {order} "
                        "LIMIT :limit OFFSET :offset"
                    ),
                    {**params, "limit": limit, "offset": offset},
                ).fetchall()
            ]
        return self._load(ids), total

    # -- summaries -------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Return counts: documents, sightings, outlets, date range, layers and techniques."""
        with self._read() as conn:
            documents = conn.execute(text("SELECT COUNT(*) FROM documents")).scalar() or 0
            sightings = conn.execute(text("SELECT COUNT(*) FROM sightings")).scalar() or 0
            outlets = (
                conn.execute(
                    text("SELECT COUNT(DISTINCT outlet) FROM documents WHERE outlet <> ''")
                ).scalar()
                or 0
            )
            first, last = conn.execute(
                text("SELECT MIN(published), MAX(published) FROM documents")
            ).one()
            layers = dict(
                conn.execute(
                    text("SELECT name, COUNT(*) FROM layers GROUP BY name ORDER BY name")
                ).fetchall()
            )
            techniques = dict(
                conn.execute(
                    text(
                        "SELECT value, SUM(count) FROM facets WHERE kind = 'technique' "
                        "GROUP BY value ORDER BY value"
                    )
                ).fetchall()
            )
        return {
            "backend": self.dialect,
            "schema_version": self.schema_version,
            "documents": int(documents),
            "sightings": int(sightings),
            "outlets": int(outlets),
            "published_from": first,
            "published_to": last,
            "layers": {k: int(v) for k, v in layers.items()},
            "techniques": {k: int(v) for k, v in techniques.items()},
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class _Guard:
    """A transaction that turns driver errors into one-line ``StorageError`` s."""

    def __init__(self, engine: Engine, *, write: bool) -> None:
        self.engine = engine
        self.write = write
        self._ctx: Any = None

    def __enter__(self) -> Connection:
        try:
            engine = self.engine.execution_options(unspin_write=self.write)
            self._ctx = engine.begin()
            return self._ctx.__enter__()  # type: ignore[no-any-return]
        except SQLAlchemyError as exc:
            raise _storage_error(exc) from exc

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        try:
            self._ctx.__exit__(kind, exc, tb)
        except SQLAlchemyError as error:
            raise _storage_error(error) from error
        if isinstance(exc, SQLAlchemyError):
            raise _storage_error(exc) from exc


def _storage_error(exc: BaseException) -> StorageError:
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return StorageError(f"store error: {type(orig).__name__}: {first}")


def open_corpus(url: str, *, schema: str | None = None, upgrade: bool = True) -> Corpus:
    """Open (creating and upgrading as needed) a corpus store.

    Args:
        url: a file path (SQLite), ``sqlite:///PATH``, or ``postgresql://USER@HOST:PORT/DB``.
        schema: PostgreSQL only: the schema to keep the tables in (it must exist).
        upgrade: apply pending migrations (default); False opens the store as it is.

    Returns:
        The corpus.

    Raises:
        StorageError: the address is not supported, or the database cannot be reached or
            migrated.

    Example:
        >>> corpus = open_corpus("corpus.db")  # doctest: +SKIP
        >>> corpus.add(unspin.analyze("The minister said 40 schools will close."))  # doctest: +SKIP
    """
    sa_url = engine_url(url)
    connect_args: dict[str, Any] = {}
    try:
        parsed = make_url(sa_url)
    except ArgumentError:
        raise StorageError(f"cannot parse the store URL {url!r}") from None
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = 5
        if schema:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
                raise StorageError(f"bad schema name {schema!r}: letters, digits and _ only")
            connect_args["options"] = f"-csearch_path={schema}"
    elif schema:
        raise StorageError(f"schema {schema!r} is for PostgreSQL stores only")
    try:
        engine = create_engine(sa_url, connect_args=connect_args, future=True)
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise StorageError(f"cannot open the store {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        _sqlite_transactions(engine, memory=parsed.database in (None, "", ":memory:"))
    try:
        if upgrade:
            migrate.upgrade(engine)
        else:
            with engine.connect():
                pass
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StorageError(
            f"cannot open the store {_hide(url)}: {str(getattr(exc, 'orig', exc)).splitlines()[0]}"
        ) from None
    except StorageError:
        engine.dispose()
        raise
    return Corpus(engine, url=sa_url)


def _hide(url: str) -> str:
    try:
        return repr(make_url(engine_url(url)).render_as_string(hide_password=True))
    except Exception:
        return repr(url)


def _sqlite_transactions(engine: Engine, *, memory: bool) -> None:
    """Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so DDL in
    migrations is transactional and writes take the write lock up front."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if not memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("unspin_write", True)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
