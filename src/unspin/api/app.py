"""The application factory: settings, middleware, error translation and static files."""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

import unspin
from unspin.api.pool import AnalysisPool, Busy
from unspin.errors import (
    DetectorError,
    InvalidInput,
    NotFound,
    SourceError,
    StorageError,
    UnknownDetector,
    UnspinError,
)

if TYPE_CHECKING:
    from unspin.store import Corpus

__all__ = ["Settings", "create_app", "MAX_BODY"]

MAX_BODY = 10 * 1024 * 1024
STATIC = Path(__file__).parent / "static"

log = logging.getLogger("unspin.api")

# Article text is untrusted: nothing on the page may run or load unless it is one of our files.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'none'; object-src 'none'; media-src 'none'; frame-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Settings:
    """How one server runs.

    Args:
        db: the corpus URL (a SQLite path or ``sqlite:///...``, or ``postgresql://...``);
            None serves analysis only.
        api_keys: keys that may store or delete; empty means no key is needed.
        cors_origins: origins allowed to call the API from a browser; empty turns CORS off.
        workers: analyses that run at once.
        max_body: the largest request body in bytes.
        max_waiting: requests that may wait for an analysis slot.
        wait_timeout: seconds a request waits for a slot before a 503.
        allow_private: let ``url`` inputs reach private, loopback and link-local addresses.
        detectors: the detector set used when a request names none.
    """

    db: str | None = None
    api_keys: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    workers: int = 2
    max_body: int = MAX_BODY
    max_waiting: int = 16
    wait_timeout: float = 10.0
    allow_private: bool = False
    detectors: str = "default"

    def key_ok(self, given: str | None) -> bool:
        """Tell whether ``given`` is one of the keys (always true when no key is set)."""
        if not self.api_keys:
            return True
        if not given:
            return False
        return any(hmac.compare_digest(given.encode(), key.encode()) for key in self.api_keys)


def create_app(
    *,
    db: str | None = None,
    api_key: str | Sequence[str] | None = None,
    cors_origins: Sequence[str] = (),
    workers: int = 2,
    max_body: int = MAX_BODY,
    max_waiting: int | None = None,
    wait_timeout: float = 10.0,
    allow_private: bool = False,
    detectors: str = "default",
    corpus: Corpus | None = None,
    embedder: Any = None,
) -> FastAPI:
    """Build the unspin HTTP API and web page.

    Args:
        db: the corpus URL; None serves analysis only (corpus routes answer 404 with a reason).
        api_key: a key (or keys) that endpoints which store or delete require, sent as the
            ``X-API-Key`` header or ``Authorization: Bearer KEY``; None needs no key.
        cors_origins: origins allowed to call the API from other sites (CORS is off if empty).
        workers: analyses that run at once; more requests wait.
        max_body: the largest accepted request body in bytes (larger ones get 413).
        max_waiting: requests that may wait for a slot (default 8 per worker); more get 503.
        wait_timeout: seconds a request waits for a slot before a 503 with Retry-After.
        allow_private: let ``url`` inputs reach private and loopback addresses.
        detectors: the detector set used when a request names none.
        corpus: an already opened corpus to serve instead of opening ``db`` (the caller
            closes it).
        embedder: what embeds texts for narratives (anything with ``embed(texts)``); default
            the shipped model.

    Returns:
        The FastAPI application, ready for uvicorn.

    Raises:
        StorageError: the corpus could not be opened.
        ValueError: ``workers`` or ``max_body`` is not positive, or both db and corpus are given.

    Example:
        >>> app = create_app(db="corpus.db")      # doctest: +SKIP
        >>> uvicorn.run(app, port=8000)           # doctest: +SKIP
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if max_body < 1:
        raise ValueError(f"max_body must be positive, got {max_body}")
    keys: tuple[str, ...]
    if api_key is None:
        keys = ()
    elif isinstance(api_key, str):
        keys = (api_key,) if api_key else ()
    else:
        keys = tuple(k for k in api_key if k)
    settings = Settings(
        db=db,
        api_keys=keys,
        cors_origins=tuple(cors_origins),
        workers=workers,
        max_body=max_body,
        max_waiting=8 * workers if max_waiting is None else max_waiting,
        wait_timeout=wait_timeout,
        allow_private=allow_private,
        detectors=detectors,
    )

    from unspin.api.routes import Pipelines, State, build_router
    from unspin.detectors import registry
    from unspin.models.runtime import set_threads

    # the pool runs `workers` analyses at once: share the cores among them
    set_threads(workers=workers)

    # load the detector modules now, once: the registry fills itself on first use, and two
    # requests arriving together must not see it half filled
    registry.names()

    if db is not None and corpus is not None:
        raise ValueError("give db or corpus, not both")
    if db is not None:
        from unspin.store import open_corpus

        corpus = open_corpus(db)
    pool = AnalysisPool(
        workers=settings.workers,
        max_waiting=settings.max_waiting,
        wait_timeout=settings.wait_timeout,
    )
    from unspin.corpus.factchecks.checker import open_checker

    state = State(
        settings=settings,
        pool=pool,
        corpus=corpus,
        pipelines=Pipelines(),
        embedder=embedder,
        checker=open_checker(corpus),
    )

    owned = db is not None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()
        if owned and corpus is not None:
            corpus.close()

    app = FastAPI(
        title="unspin",
        version=unspin.__version__,
        description=(
            "Show how a news or opinion article persuades: propaganda technique spans, "
            "check-worthy claims, actors and stance, and corpus analysis. Offsets are "
            "[start, end) in Unicode code points."
        ),
        docs_url=None,  # FastAPI's pages load Swagger from a CDN; /docs is served offline instead
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.unspin = state
    app.include_router(build_router())
    _install_error_handlers(app)
    _install_pages(app)

    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "X-API-Key", "Authorization"],
        )
    app.add_middleware(BodyLimit, max_body=settings.max_body)
    app.add_middleware(SecurityHeaders)
    return app


def _install_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        return FileResponse(STATIC / "docs.html", media_type="text/html")


# --- errors: every failure is translated here, and only here -----------------------------------


def status_for(exc: UnspinError) -> int:
    """Return the HTTP status for a library error."""
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, UnknownDetector | InvalidInput):
        return 422
    if isinstance(exc, SourceError):
        return 400
    if isinstance(exc, StorageError):
        return 503
    if isinstance(exc, DetectorError):
        return 500
    return 500


def error_response(
    status: int, kind: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """Return the one error shape: ``{"error": {"type", "message"}}``."""
    return JSONResponse(
        {"error": {"type": kind, "message": message}}, status_code=status, headers=headers
    )


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if p != "body"]
        where = ".".join(loc) or "body"
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "")
            message = f"malformed JSON{': ' + str(reason) if reason else ''}"
            where = "body"
        parts.append(f"{where}: {message}")
    return "; ".join(parts) or "the request is not valid"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(UnspinError)
    async def unspin_error(_: Request, exc: UnspinError) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            log.warning("request failed: %s: %s", type(exc).__name__, exc)
        return error_response(status, type(exc).__name__, str(exc) or type(exc).__name__)

    @app.exception_handler(Busy)
    async def busy(_: Request, exc: Busy) -> JSONResponse:
        return error_response(503, "Busy", str(exc), {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "InvalidInput", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        kinds = {401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed", 413: "TooLarge"}
        headers = dict(exc.headers) if exc.headers else None
        return error_response(
            exc.status_code, kinds.get(exc.status_code, "HTTPError"), str(exc.detail), headers
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        message = f"unexpected {type(exc).__name__}; see the server log"
        return error_response(500, "InternalError", message)


# --- middleware (plain ASGI, so it sees the raw stream) -----------------------------------------


class BodyLimit:
    """Refuse bodies over ``max_body`` bytes with 413, by Content-Length and by counting the stream.

    The body is read up to the limit before the application sees it, so a chunked upload that
    grows past the limit is cut off as well as one that announces its size.
    """

    def __init__(self, app: ASGIApp, *, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    announced = int(value)
                except ValueError:
                    await self._reply(send, 400, "BadRequest", "Content-Length is not a number")
                    return
                if announced > self.max_body:
                    await self._too_large(send)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body:
                await self._too_large(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        megabytes = self.max_body / (1024 * 1024)
        await self._reply(
            send, 413, "TooLarge", f"the request body is over the {megabytes:g} MB limit"
        )

    @staticmethod
    async def _reply(send: Send, status: int, kind: str, message: str) -> None:
        response = error_response(status, kind, message)
        await send(
            {"type": "http.response.start", "status": status, "headers": response.raw_headers}
        )
        await send({"type": "http.response.body", "body": response.body})


class SecurityHeaders:
    """Add the Content-Security-Policy and related headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
