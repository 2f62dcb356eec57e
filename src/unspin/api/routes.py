"""The ``/api/v1`` routes. Each one parses, makes one library call and returns its JSON."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse

import unspin
from unspin.api.pool import AnalysisPool
from unspin.api.schemas import (
    AnalyzeRequest,
    DetectorList,
    DetectorOut,
    DocumentList,
    DocumentOut,
    ErrorOut,
    Health,
    MatchRequest,
)
from unspin.document import Document
from unspin.pipeline import Pipeline

if TYPE_CHECKING:
    from unspin.api.app import Settings

__all__ = ["State", "Pipelines", "build_router"]

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in (
        (400, "the URL or HTML could not be read"),
        (401, "an API key is needed"),
        (404, "no such document, or no corpus"),
        (413, "the body is over the size limit"),
        (422, "malformed JSON or a bad field"),
        (503, "the server is busy (see Retry-After) or the store is down"),
    )
}


class Pipelines:
    """Created pipelines by detector list, so models load once per process (a few at most)."""

    def __init__(self, *, limit: int = 8) -> None:
        self.limit = limit
        self._cache: OrderedDict[tuple[str, ...], Pipeline] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, names: str) -> Pipeline:
        """Return the pipeline for comma-separated detector or set names.

        Raises:
            UnknownDetector: a name is not registered.
            DetectorError: a detector could not be created.
        """
        from unspin.detectors import registry

        with self._lock:
            key = tuple(registry.expand(names.split(",")))
            pipeline = self._cache.get(key)
            if pipeline is None:
                pipeline = Pipeline([registry.create(name) for name in key])
                self._cache[key] = pipeline
                while len(self._cache) > self.limit:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(key)
            return pipeline


@dataclass
class State:
    """What the routes share: settings, the analysis pool, the corpus and the pipelines."""

    settings: Settings
    pool: AnalysisPool
    corpus: Any
    pipelines: Pipelines
    embedder: Any = None
    checker: Any = None  # matches claims to the store's fact-checks (None: none stored)

    def check(self, doc: Document) -> Document:
        """Return ``doc`` with the fact-checks of its claims when the store has a collection."""
        return doc if self.checker is None else self.checker(doc)

    def need_corpus(self) -> Any:
        if self.corpus is None:
            raise HTTPException(
                404,
                "this server has no corpus (started with --no-db): start it with --db URL "
                "(or without --no-db) to store and search",
            )
        return self.corpus


def _state(request: Request) -> State:
    return request.app.state.unspin  # type: ignore[no-any-return]


def _require_key(request: Request, state: State) -> None:
    given = request.headers.get("x-api-key")
    auth = request.headers.get("authorization", "")
    if not given and auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    if not state.settings.key_ok(given):
        raise HTTPException(
            401,
            "storing or deleting needs an API key: send it as X-API-Key or Authorization: Bearer",
            headers={"WWW-Authenticate": "Bearer"},
        )


def _read(body: AnalyzeRequest, *, allow_private: bool) -> Document:
    """Turn the request's text, HTML or URL into a Document: the rules of a JSONL record."""
    from unspin.sources.records import from_record

    record = body.meta.model_dump(exclude_none=True) if body.meta else {}
    for kind in ("text", "html", "url"):
        value = getattr(body, kind)
        if value is not None:
            record[kind] = value
    # a URL input is named by itself in errors; the schema allows only http(s) there
    name = body.url or ("html" if body.html is not None else "text")
    return from_record(record, name=name, allow_private=allow_private)


def build_router() -> APIRouter:
    """Return the ``/api/v1`` routes and ``/healthz``."""
    router = APIRouter()

    @router.get("/healthz", response_model=Health, tags=["meta"])
    def healthz(request: Request) -> Health:
        """Say that the server is up and what it offers."""
        state = _state(request)
        return Health(
            status="ok",
            version=unspin.__version__,
            corpus=state.corpus is not None,
            auth=bool(state.settings.api_keys),
            workers=state.settings.workers,
        )

    @router.post(
        "/api/v1/analyze",
        response_model=None,
        responses={200: {"model": DocumentOut, "description": "the analysed document"}, **ERRORS},
        tags=["analysis"],
    )
    async def analyze(request: Request, body: AnalyzeRequest) -> JSONResponse:
        """Analyse one article given as text, HTML or a URL; optionally store it.

        Returns the ``unspin.document/2`` JSON: the text, its metadata and one layer per
        analysis (``persuasion``, ``claims``, ``entities``, ...), with code-point offsets.
        """
        state = _state(request)
        if body.store:
            state.need_corpus()
            _require_key(request, state)
        names = body.detectors or state.settings.detectors
        doc = await state.pool.run(_analyze, state, body, names)
        return JSONResponse(doc.to_dict())

    @router.get("/api/v1/documents", response_model=DocumentList, responses=ERRORS, tags=["corpus"])
    def documents(
        request: Request,
        q: Annotated[str | None, Query(max_length=500, description="full-text query")] = None,
        source: Annotated[str | None, Query(max_length=2000)] = None,
        since: Annotated[date | None, Query(description="published on or after (ISO)")] = None,
        until: Annotated[date | None, Query(description="published on or before (ISO)")] = None,
        technique: Annotated[str | None, Query(max_length=100)] = None,
        actor: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 20,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> DocumentList:
        """List stored documents, newest first, with optional search filters."""
        corpus = _state(request).need_corpus()
        found, count = _search(
            corpus,
            q=q,
            source=source,
            since=since,
            until=until,
            technique=technique,
            actor=actor,
            limit=limit,
            offset=offset,
        )
        return DocumentList(data=found, count=count, limit=limit, offset=offset)

    @router.get(
        "/api/v1/documents/{doc_id}",
        response_model=None,
        responses={200: {"model": DocumentOut}, **ERRORS},
        tags=["corpus"],
    )
    def document(request: Request, doc_id: str) -> JSONResponse:
        """Return one stored document with its layers."""
        corpus = _state(request).need_corpus()
        return JSONResponse(corpus.get(doc_id).to_dict())

    @router.delete("/api/v1/documents/{doc_id}", status_code=204, responses=ERRORS, tags=["corpus"])
    def delete_document(request: Request, doc_id: str) -> None:
        """Delete one stored document (needs the API key when the server has one)."""
        state = _state(request)
        corpus = state.need_corpus()
        _require_key(request, state)
        remove = getattr(corpus, "delete", None)
        if remove is None:
            raise HTTPException(405, "this store cannot delete documents")
        remove(doc_id)

    @router.get("/api/v1/stats", responses=ERRORS, tags=["corpus"])
    def stats(
        request: Request,
        freq: Annotated[Literal["day", "week"], Query(description="period of the timeline")] = (
            "week"
        ),
    ) -> Any:
        """Corpus counts, technique rates per source and over time, actors and stance.

        The same shape as ``unspin corpus stats --format json``; ``timeline`` counts documents
        and technique spans per period over all sources.
        """
        from unspin.corpus.stats import stats_report

        return stats_report(_state(request).need_corpus(), freq=freq).to_dict()

    @router.get("/api/v1/dups", responses=ERRORS, tags=["corpus"])
    async def dups(request: Request) -> Any:
        """Clusters of republished and edited copies: ``{"clusters": [{"members": [...]}]}``."""
        from unspin.corpus.dups import corpus_duplicates

        state = _state(request)
        corpus = state.need_corpus()
        return (await state.pool.run(lambda: corpus_duplicates(corpus))).to_dict()

    @router.get("/api/v1/narratives", responses=ERRORS, tags=["corpus"])
    async def narratives(
        request: Request,
        unit: Annotated[Literal["document", "claim"], Query(description="what to cluster")] = (
            "document"
        ),
    ) -> Any:
        """Documents (or claims) clustered by meaning, named by key phrases, with timelines."""
        state = _state(request)
        corpus = state.need_corpus()
        options: dict[str, Any] = {"unit": unit}
        if state.embedder is not None:
            options["embedder"] = state.embedder
        from unspin.corpus.narratives import corpus_narratives

        return (await state.pool.run(lambda: corpus_narratives(corpus, **options))).to_dict()

    @router.get("/api/v1/detectors", response_model=DetectorList, tags=["meta"])
    def detectors(request: Request) -> DetectorList:
        """List the registered detectors and detector sets."""
        from unspin.detectors import registry

        listing = registry.listing().to_dict()
        return DetectorList(
            detectors=[DetectorOut(**about) for about in listing["detectors"]],
            sets=listing["sets"],
            default=_state(request).settings.detectors,
        )

    @router.get("/api/v1/factchecks", responses=ERRORS, tags=["factchecks"])
    def factchecks(
        request: Request,
        q: str | None = None,
        reviewer: str | None = None,
        limit: int = Query(50, ge=0, le=500),
        offset: int = Query(0, ge=0),
    ) -> Any:
        """List or search the store's fact-checks (every word of ``q`` in the claim, headline
        or claimant), newest review first without ``q``."""
        store = _state(request).need_corpus().factchecks
        found, total = store.search(q or "", reviewer=reviewer, limit=limit, offset=offset)
        return {"total": total, "factchecks": [c.to_dict() for c in found]}

    @router.post("/api/v1/factchecks/match", responses=ERRORS, tags=["factchecks"])
    async def match_factchecks(request: Request, body: MatchRequest) -> Any:
        """Find the published fact-checks of claims given as text: for each claim, its
        fact-checks at or above the ``related`` threshold, best first (``level`` says
        ``match``: the same claim, or ``related``)."""
        state = _state(request)
        state.need_corpus()
        if state.checker is None:
            raise HTTPException(404, "the store holds no fact-checks: import some first")
        matcher = await state.pool.run(state.checker.matcher)
        found = await state.pool.run(matcher.match, body.claims)
        return {
            "results": [
                {"claim": claim, "factchecks": [m.to_dict() for m in matches]}
                for claim, matches in zip(body.claims, found, strict=True)
            ]
        }

    @router.get("/api/v1/taxonomy", tags=["meta"])
    def taxonomy() -> Any:
        """The persuasion techniques with their group, colour and explanation (for the page)."""
        from unspin import taxonomy as tx

        return tx.to_dict()

    return router


def _analyze(state: State, body: AnalyzeRequest, names: str) -> Document:
    pipeline = state.pipelines.get(names)
    doc = state.check(pipeline.run(_read(body, allow_private=state.settings.allow_private)))
    if body.store:
        state.corpus.add(doc, producers=pipeline.producers)
    return doc


def _search(corpus: Any, *, q: str | None, **filters: Any) -> tuple[list[dict[str, Any]], int]:
    from unspin.formats.view import summary

    docs, total = corpus.search(q or "", **filters)
    return [summary(doc) for doc in docs], total
