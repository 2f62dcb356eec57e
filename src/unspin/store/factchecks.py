"""The fact-check collection of a store: published reviews of claims (ClaimReview and the like),
their full-text index and their embeddings.

The store keeps what it is given: readers of the import formats live in
``unspin.corpus.factchecks``, which hands :class:`FactCheck` values to :meth:`FactChecks.add`.
Every batch of records is one transaction, and a record whose ``id`` is stored with the same
content is skipped, so an interrupted import resumes by running it again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from unspin.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    import numpy as np

    from unspin.store.sql import Corpus

__all__ = ["FactCheck", "FactChecks", "AddOutcome", "VectorRow"]

_WORD = re.compile(r"\w+", re.UNICODE)
_COLUMNS = (
    "pk",
    "id",
    "url",
    "claim",
    "rating",
    "reviewer",
    "published",
    "claimant",
    "claim_date",
    "language",
    "title",
    "content_key",
    "origin",
    "record",
    "added_at",
)


@dataclass(frozen=True)
class FactCheck:
    """One published review of a claim.

    Args:
        id: the stable id (from the canonical URL, else the content); see
            ``unspin.corpus.factchecks.records``.
        claim: the claim as the fact-checker words it (``claimReviewed``).
        rating: the verdict as published (``reviewRating.alternateName``), kept verbatim.
        reviewer: who reviewed it (``author.name``), e.g. a fact-checking organisation.
        url: the review's URL ("" if none).
        published: the review's date, ISO ``YYYY-MM-DD`` (None if unknown).
        claimant: who made the claim, where given.
        claim_date: when the claim was made, ISO (None if unknown).
        language: the review's language code, where given.
        title: the review's headline, where given.
        content_key: the normalised content the collection de-duplicates on.
        origin: where the record was read (``file:line`` or ``file#n``).
        record: the source record as read, JSON-serialisable.
        pk: the store's row number (0 before it is stored).
        added_at: when it was stored (ISO, UTC).
    """

    id: str
    claim: str
    rating: str = ""
    reviewer: str = ""
    url: str = ""
    published: str | None = None
    claimant: str = ""
    claim_date: str | None = None
    language: str = ""
    title: str = ""
    content_key: str = ""
    origin: str = ""
    record: Mapping[str, Any] = field(default_factory=dict)
    pk: int = 0
    added_at: str = ""

    def to_dict(self, *, record: bool = False) -> dict[str, Any]:
        """Return the fields as a JSON-ready dict (the source record only if asked)."""
        out: dict[str, Any] = {
            "id": self.id,
            "claim": self.claim,
            "rating": self.rating,
            "reviewer": self.reviewer,
            "url": self.url,
            "published": self.published,
            "claimant": self.claimant,
            "claim_date": self.claim_date,
            "language": self.language,
            "title": self.title,
            "origin": self.origin,
            "added_at": self.added_at,
        }
        if record:
            out["record"] = dict(self.record)
        return out


@dataclass(frozen=True)
class AddOutcome:
    """What :meth:`FactChecks.add` did with one record: ``added``, ``updated`` (same id, new
    content), ``skipped`` (stored already) or ``duplicate`` (same content as ``of``)."""

    id: str
    status: str
    of: str = ""


@dataclass(frozen=True)
class VectorRow:
    """A stored embedding: the fact-check's row number and its float32 vector."""

    pk: int
    vector: np.ndarray


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row(values: Sequence[Any]) -> FactCheck:
    data = dict(zip(_COLUMNS, values, strict=True))
    data["record"] = json.loads(data["record"])
    return FactCheck(**data)


class FactChecks:
    """The fact-check collection of a :class:`~unspin.store.Corpus` (``corpus.factchecks``).

    Example:
        >>> checks = open_corpus("corpus.db").factchecks  # doctest: +SKIP
        >>> len(checks), checks.search("vaccine microchips")[0][:1]  # doctest: +SKIP
    """

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus
        self.dialect = corpus.dialect

    def _read(self) -> Any:
        return self._corpus._read()

    def _write(self) -> Any:
        return self._corpus._write()

    def __len__(self) -> int:
        with self._read() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM factchecks")).scalar() or 0)

    # -- writing ---------------------------------------------------------------------------
    def add(self, checks: Iterable[FactCheck], *, batch: int = 500) -> Iterator[AddOutcome]:
        """Store fact-checks, a batch per transaction, and yield what happened to each.

        A record whose id is stored with the same content is skipped; with other content it
        replaces the stored one (under a new ``pk``, so indexes see it as new); a record with
        a new id but the content of a stored one is a duplicate and is not stored.

        Args:
            checks: the records, each with ``id`` and ``content_key`` set.
            batch: records per transaction.

        Yields:
            One :class:`AddOutcome` per record, once its batch is committed.

        Raises:
            InvalidInput: a record lacks an id, a claim or a content key.
            StorageError: a write failed (earlier batches stay stored).
        """
        pending: list[FactCheck] = []
        for check in checks:
            if not check.id or not check.claim.strip() or not check.content_key:
                raise InvalidInput(
                    f"fact-check {check.id or check.origin!r} needs an id, a claim and a "
                    "content key"
                )
            pending.append(check)
            if len(pending) >= batch:
                yield from self._add_batch(pending)
                pending = []
        if pending:
            yield from self._add_batch(pending)

    def _add_batch(self, checks: list[FactCheck]) -> list[AddOutcome]:
        outcomes: list[AddOutcome] = []
        with self._write() as conn:
            stored = self._lookup(conn, "id", [c.id for c in checks])
            owners = self._lookup(conn, "content_key", [c.content_key for c in checks])
            rows: list[dict[str, Any]] = []
            replaced: list[int] = []
            taken: dict[str, str] = {}  # content key -> id, within this batch too
            seen: set[str] = set()
            for check in checks:
                old = stored.get(check.id)
                if check.id in seen or (old is not None and old[1] == check.content_key):
                    outcomes.append(AddOutcome(check.id, "skipped"))
                    continue
                owner = taken.get(check.content_key)
                if owner is None:
                    owner = next(
                        (i for i, _ in owners.get(check.content_key, ()) if i != check.id), None
                    )
                if owner is not None:
                    outcomes.append(AddOutcome(check.id, "duplicate", owner))
                    continue
                if old is not None:
                    replaced.append(old[0])
                seen.add(check.id)
                taken[check.content_key] = check.id
                rows.append(self._insert_row(check))
                outcomes.append(AddOutcome(check.id, "updated" if old is not None else "added"))
            for pk in replaced:
                conn.execute(text("DELETE FROM factchecks WHERE pk = :pk"), {"pk": pk})
            if rows:
                conn.execute(
                    text(
                        "INSERT INTO factchecks (id, url, claim, rating, reviewer, published, "
                        "claimant, claim_date, language, title, content_key, origin, record, "
                        "added_at) VALUES (:id, :url, :claim, :rating, :reviewer, :published, "
                        ":claimant, :claim_date, :language, :title, :content_key, :origin, "
                        ":record, :added_at) ON CONFLICT (id) DO NOTHING"
                    ),
                    rows,
                )
        return outcomes

    def _lookup(self, conn: Connection, column: str, values: list[str]) -> dict[str, Any]:
        """Return value -> stored (pk, content_key) for ``id``, or -> [(id, pk)] for
        ``content_key``, for the values stored."""
        out: dict[str, Any] = {}
        unique = sorted(set(values))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            params = {f"v{n}": value for n, value in enumerate(chunk)}
            marks = ", ".join(f":v{n}" for n in range(len(chunk)))
            rows = conn.execute(
                text(f"SELECT id, pk, content_key FROM factchecks WHERE {column} IN ({marks})"),
                params,
            ).fetchall()
            for check_id, pk, key in rows:
                if column == "id":
                    out[str(check_id)] = (int(pk), str(key))
                else:
                    out.setdefault(str(key), []).append((str(check_id), int(pk)))
        return out

    def _insert_row(self, check: FactCheck) -> dict[str, Any]:
        return {
            "id": check.id,
            "url": check.url,
            "claim": check.claim,
            "rating": check.rating,
            "reviewer": check.reviewer,
            "published": check.published,
            "claimant": check.claimant,
            "claim_date": check.claim_date,
            "language": check.language,
            "title": check.title,
            "content_key": check.content_key,
            "origin": check.origin,
            "record": json.dumps(check.record, ensure_ascii=False, sort_keys=True),
            "added_at": _now(),
        }

    def delete(self, check_id: str) -> None:
        """Remove a fact-check and its embeddings.

        Raises:
            NotFound: no fact-check has that id.
        """
        with self._write() as conn:
            if (
                conn.execute(
                    text("DELETE FROM factchecks WHERE id = :id"), {"id": check_id}
                ).rowcount
                == 0
            ):
                raise NotFound(f"no stored fact-check has the id {check_id!r}")

    # -- reading ---------------------------------------------------------------------------
    def get(self, check_id: str) -> FactCheck:
        """Return one fact-check with its source record.

        Raises:
            NotFound: no fact-check has that id.
        """
        with self._read() as conn:
            row = conn.execute(
                text(f"SELECT {', '.join(_COLUMNS)} FROM factchecks WHERE id = :id"),
                {"id": check_id},
            ).first()
        if row is None:
            raise NotFound(f"no stored fact-check has the id {check_id!r}")
        return _row(row)

    def by_pks(self, pks: Sequence[int], *, record: bool = True) -> dict[int, FactCheck]:
        """Return pk -> fact-check for the row numbers still stored (deleted ones are absent).

        Args:
            pks: row numbers.
            record: read the source records too (False leaves ``record`` empty: faster).
        """
        columns = _COLUMNS if record else tuple(c for c in _COLUMNS if c != "record")
        out: dict[int, FactCheck] = {}
        for start in range(0, len(pks), 500):
            chunk = [int(p) for p in pks[start : start + 500]]
            params = {f"p{n}": value for n, value in enumerate(chunk)}
            marks = ", ".join(f":p{n}" for n in range(len(chunk)))
            with self._read() as conn:
                rows = conn.execute(
                    text(f"SELECT {', '.join(columns)} FROM factchecks WHERE pk IN ({marks})"),
                    params,
                ).fetchall()
            for row in rows:
                check = _row(row) if record else FactCheck(**dict(zip(columns, row, strict=True)))
                out[check.pk] = check
        return out

    def iter_checks(self, *, after: int = 0, batch: int = 2000) -> Iterator[FactCheck]:
        """Yield every fact-check with a row number above ``after``, in the order stored."""
        last = after
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    text(
                        f"SELECT {', '.join(_COLUMNS)} FROM factchecks WHERE pk > :last "
                        "ORDER BY pk LIMIT :n"
                    ),
                    {"last": last, "n": batch},
                ).fetchall()
            if not rows:
                return
            for row in rows:
                check = _row(row)
                last = check.pk
                yield check

    def page(self, *, limit: int = 50, offset: int = 0) -> tuple[list[FactCheck], int]:
        """Return a page of fact-checks, newest review first, and the total count.

        Raises:
            InvalidInput: limit or offset is negative.
        """
        return self.search("", limit=limit, offset=offset)

    def search(
        self,
        query: str = "",
        *,
        reviewer: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[FactCheck], int]:
        """Find fact-checks whose claim, title or claimant has all the words of ``query``.

        Args:
            query: words that must all occur (case-insensitive); "" for any.
            reviewer: only this reviewer's (exact name).
            limit: at most this many.
            offset: skip this many first.

        Returns:
            The page (best match first; newest first without words) and the total count.

        Raises:
            InvalidInput: the query has no words, or limit/offset are negative.
        """
        if limit < 0 or offset < 0:
            raise InvalidInput(f"limit and offset must be >= 0, got {limit} and {offset}")
        words = _WORD.findall(query or "")
        if query and query.strip() and not words:
            raise InvalidInput(f"search query {query!r} has no words to look for")
        where: list[str] = []
        params: dict[str, Any] = {}
        join = ""
        order = "CASE WHEN f.published IS NULL THEN 1 ELSE 0 END, f.published DESC, f.pk DESC"
        if words:
            if self.dialect == "sqlite":
                join = "JOIN factchecks_fts ON factchecks_fts.rowid = f.pk"
                where.append("factchecks_fts MATCH :q")
                params["q"] = " ".join('"' + w.replace('"', "") + '"' for w in words)
                order = "factchecks_fts.rank, f.pk"
            else:
                where.append("f.tsv @@ plainto_tsquery('simple', :q)")
                params["q"] = " ".join(words)
                order = "ts_rank(f.tsv, plainto_tsquery('simple', :q)) DESC, f.pk"
        if reviewer:
            where.append("f.reviewer = :reviewer")
            params["reviewer"] = reviewer
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        columns = ", ".join(f"f.{c}" for c in _COLUMNS)
        with self._read() as conn:
            total = int(
                conn.execute(
                    text(f"SELECT COUNT(*) FROM factchecks f {join} {clause}"), params
                ).scalar()
                or 0
            )
            rows = conn.execute(
                text(
                    f"SELECT {columns} FROM factchecks f {join} {clause} ORDER BY {order} "
                    "LIMIT :limit OFFSET :offset"
                ),
                {**params, "limit": limit, "offset": offset},
            ).fetchall()
        return [_row(row) for row in rows], total

    def stats(self) -> dict[str, Any]:
        """Return counts: fact-checks, reviewers, ratings, date range, embeddings per model."""
        with self._read() as conn:
            total = int(conn.execute(text("SELECT COUNT(*) FROM factchecks")).scalar() or 0)
            first, last = conn.execute(
                text("SELECT MIN(published), MAX(published) FROM factchecks")
            ).one()
            reviewers = conn.execute(
                text(
                    "SELECT reviewer, COUNT(*) FROM factchecks GROUP BY reviewer "
                    "ORDER BY COUNT(*) DESC, reviewer LIMIT 20"
                )
            ).fetchall()
            ratings = conn.execute(
                text(
                    "SELECT rating, COUNT(*) FROM factchecks GROUP BY rating "
                    "ORDER BY COUNT(*) DESC, rating LIMIT 20"
                )
            ).fetchall()
            vectors = conn.execute(
                text("SELECT model, COUNT(*) FROM factcheck_vectors GROUP BY model ORDER BY model")
            ).fetchall()
            newest = conn.execute(text("SELECT MAX(pk) FROM factchecks")).scalar()
        return {
            "factchecks": total,
            "published_from": first,
            "published_to": last,
            "reviewers": {str(k): int(v) for k, v in reviewers},
            "ratings": {str(k): int(v) for k, v in ratings},
            "embeddings": {str(k): int(v) for k, v in vectors},
            "last_pk": int(newest or 0),
        }

    # -- embeddings ------------------------------------------------------------------------
    def unembedded(self, model: str, *, batch: int = 1000) -> Iterator[list[FactCheck]]:
        """Yield batches of fact-checks that have no embedding from ``model`` yet."""
        last = 0
        columns = ", ".join(f"f.{c}" for c in _COLUMNS)
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    text(
                        f"SELECT {columns} FROM factchecks f WHERE f.pk > :last AND NOT EXISTS "
                        "(SELECT 1 FROM factcheck_vectors v WHERE v.model = :model "
                        "AND v.factcheck_pk = f.pk) ORDER BY f.pk LIMIT :n"
                    ),
                    {"last": last, "model": model, "n": batch},
                ).fetchall()
            if not rows:
                return
            checks = [_row(row) for row in rows]
            last = checks[-1].pk
            yield checks

    def put_vectors(self, model: str, vectors: Mapping[int, Any]) -> None:
        """Store embeddings (pk -> vector, kept as float16) made by ``model``.

        A row deleted meanwhile is skipped; an existing vector is replaced.
        """
        import numpy as np

        rows = [
            {
                "pk": int(pk),
                "model": model,
                "vector": np.ascontiguousarray(vector, dtype=np.float16).tobytes(),
            }
            for pk, vector in vectors.items()
        ]
        if not rows:
            return
        with self._write() as conn:
            conn.execute(
                text(
                    "INSERT INTO factcheck_vectors (factcheck_pk, model, vector) "
                    "SELECT :pk, :model, :vector WHERE EXISTS "
                    "(SELECT 1 FROM factchecks WHERE pk = :pk) "
                    "ON CONFLICT (model, factcheck_pk) DO UPDATE SET vector = excluded.vector"
                ),
                rows,
            )

    def iter_vectors(
        self, model: str, *, after: int = 0, batch: int = 5000
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(pks, vectors)`` batches of the embeddings from ``model`` above ``after``.

        The vectors are float32, one row per pk, in pk order.
        """
        import numpy as np

        last = after
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    text(
                        "SELECT factcheck_pk, vector FROM factcheck_vectors WHERE model = :model "
                        "AND factcheck_pk > :last ORDER BY factcheck_pk LIMIT :n"
                    ),
                    {"model": model, "last": last, "n": batch},
                ).fetchall()
            if not rows:
                return
            pks = np.fromiter((int(r[0]) for r in rows), dtype=np.int64, count=len(rows))
            vectors = np.stack([np.frombuffer(bytes(r[1]), dtype=np.float16) for r in rows]).astype(
                np.float32
            )
            last = int(pks[-1])
            yield pks, vectors

    def count_vectors(self, model: str) -> int:
        """Return how many fact-checks have an embedding from ``model``."""
        with self._read() as conn:
            return int(
                conn.execute(
                    text("SELECT COUNT(*) FROM factcheck_vectors WHERE model = :model"),
                    {"model": model},
                ).scalar()
                or 0
            )

    def last_pk(self) -> int:
        """Return the highest row number stored (0 for an empty collection)."""
        with self._read() as conn:
            return int(conn.execute(text("SELECT MAX(pk) FROM factchecks")).scalar() or 0)
