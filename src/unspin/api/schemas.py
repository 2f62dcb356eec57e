"""Request and response shapes of the HTTP API (pydantic lives here and nowhere else)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "AnalyzeRequest",
    "MetaIn",
    "DocumentOut",
    "DocumentList",
    "ErrorOut",
    "Health",
    "DetectorOut",
    "DetectorList",
    "MatchRequest",
]


class MetaIn(BaseModel):
    """Metadata to attach to an analysed text (fields the source could not tell)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=1000)
    author: str | None = Field(None, max_length=1000)
    published: str | None = Field(None, max_length=40, description="ISO date, e.g. 2024-05-01")
    source: str | None = Field(None, max_length=2000, description="where the article came from")
    language: str | None = Field(None, max_length=20)


class AnalyzeRequest(BaseModel):
    """One article to analyse: exactly one of ``text``, ``html`` or ``url``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "The corrupt elite lied again, the minister said.", "detectors": "default"}
            ]
        },
    )

    text: str | None = Field(None, description="the article as plain text")
    html: str | None = Field(None, description="a saved web page; the article body is extracted")
    url: str | None = Field(
        None,
        max_length=2000,
        description="an http(s) address to fetch (private and loopback addresses are refused)",
    )
    detectors: str | None = Field(
        None,
        max_length=200,
        pattern=r"^[A-Za-z0-9_.,\- ]+$",
        description="comma-separated detector or set names (default: the server's default set)",
    )
    store: bool = Field(False, description="also save the analysed document in the corpus")
    meta: MetaIn | None = None

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError(f"only http(s) addresses can be fetched, got {value[:80]!r}")
        return value

    @model_validator(mode="after")
    def _one_input(self) -> AnalyzeRequest:
        given = [name for name in ("text", "html", "url") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'text', 'html' or 'url'"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class DocumentOut(BaseModel):
    """An ``unspin.document/2`` object (see ``unspin/schema/document-2.json``)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    schema_: str = Field("unspin.document/2", alias="schema")
    id: str
    text: str
    meta: dict[str, Any]
    layers: dict[str, Any]


class DocumentList(BaseModel):
    """One page of stored documents and how many match in all."""

    data: list[dict[str, Any]]
    count: int = Field(description="documents matching the filters, over all pages")
    limit: int
    offset: int


class ErrorBody(BaseModel):
    type: str = Field(description="the error class, e.g. InvalidInput")
    message: str = Field(description="a one-line reason naming the bad value")


class ErrorOut(BaseModel):
    """Every error response has this shape."""

    error: ErrorBody


class Health(BaseModel):
    status: str
    version: str
    corpus: bool = Field(description="whether this server has a corpus to store and search")
    auth: bool = Field(description="whether storing needs an API key")
    workers: int


class DetectorOut(BaseModel):
    """One detector, as ``unspin detectors`` lists it (``Registry.describe``)."""

    name: str
    version: str | None
    description: str
    requires: list[str]
    reads: list[str]
    provides: list[str]
    model_files: list[str]
    available: bool
    problem: str | None


class DetectorList(BaseModel):
    detectors: list[DetectorOut]
    sets: dict[str, list[str]]
    default: str


class MatchRequest(BaseModel):
    """Claims to look up among the store's fact-checks."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"claims": ["The river bridge is about to collapse."]}]},
    )

    claims: list[Annotated[str, Field(min_length=1, max_length=5000)]] = Field(
        ..., min_length=1, max_length=100, description="claim sentences (1 to 100)"
    )
