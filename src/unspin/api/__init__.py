"""The HTTP API and the web page: ``create_app(...)`` builds a FastAPI application.

Example:
    >>> from unspin.api import create_app
    >>> app = create_app(db="sqlite:///corpus.db", workers=2)   # doctest: +SKIP
    >>> # uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

from unspin.api.app import Settings, create_app

__all__ = ["create_app", "Settings"]
