"""The safe fetcher: http(s) only, bounded in time and size, every host resolved and checked
before connecting (private, loopback, link-local, multicast and reserved addresses refused unless
allowed), the connection pinned to the checked address, redirects re-checked hop by hop.

Security code: keep it small, and test every refusal (``tests/test_fetch.py``).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from unspin.document import Document
from unspin.errors import InvalidInput, SourceError
from unspin.sources.decode import MAX_BYTES, require_text, sniff, text_document
from unspin.sources.html import from_html

__all__ = ["USER_AGENT", "MAX_REDIRECTS", "FetchOptions", "Fetched", "fetch", "url_document"]


MAX_REDIRECTS = 5


def _version() -> str:
    from unspin import __version__

    return __version__


USER_AGENT = f"unspin/{_version()} (+https://github.com/unspin)"


@dataclass(frozen=True)
class FetchOptions:
    """How URLs are fetched: whether private addresses are allowed, and the timeout (s)."""

    allow_private: bool
    timeout: float


@dataclass(frozen=True)
class Fetched:
    """A fetched resource: where it ended up, its content type and body."""

    url: str
    final_url: str
    content_type: str
    charset: str | None
    body: bytes


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Say why an address must not be fetched by default, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if address.is_reserved:
        return "reserved"
    if address.is_private or not address.is_global:
        return "private"
    return None


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _checked_address(url: str, host: str, port: int, options: FetchOptions) -> str:
    try:
        addresses = _resolve(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise SourceError(f"{url}: cannot resolve host {host!r}: {exc}") from None
    if not addresses:
        raise SourceError(f"{url}: host {host!r} has no address")
    if not options.allow_private:
        for address in addresses:
            why = _refusal(ipaddress.ip_address(address.split("%")[0]))
            if why:
                raise SourceError(
                    f"{url}: refused: {host} resolves to {address}, a {why} address "
                    "(allow it with --allow-private / allow_private=True)"
                )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connect to the already checked address, so a second DNS answer cannot redirect us."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def fetch(
    url: str,
    *,
    allow_private: bool = False,
    timeout: float = 10.0,
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """Fetch a URL safely: http(s) only, bounded in time and size, redirects re-checked.

    Each hop's host is resolved and every address checked before connecting; private,
    loopback, link-local and reserved addresses are refused unless ``allow_private``.

    Args:
        url: an http or https URL.
        allow_private: allow addresses that are not public.
        timeout: seconds to connect and for each read; the whole fetch gets six times this.
        max_bytes: the largest body read (streamed; larger bodies are refused).

    Returns:
        The final URL, content type, charset and body.

    Raises:
        SourceError: a bad scheme, a refused address, more than 5 redirects, an HTTP error,
            a timeout or a body over the limit.
    """
    options = FetchOptions(allow_private=allow_private, timeout=timeout)
    deadline = time.monotonic() + 6 * timeout
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise SourceError(
                f"{url}: only http and https URLs are allowed, not {scheme or 'none'}"
            )
        host = parts.hostname
        if not host:
            raise SourceError(f"{url}: URL has no host")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise SourceError(f"{url}: URL has a bad port") from None
        address = _checked_address(url, host, port, options)
        connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(host, port, address, timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        netloc = parts.netloc.rsplit("@", 1)[-1]
        try:
            connection.request(
                "GET",
                target,
                headers={
                    "Host": netloc,
                    "User-Agent": USER_AGENT,
                    "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
                    "Accept-Encoding": "identity",
                    "Connection": "close",
                },
            )
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise SourceError(f"{url}: redirect {response.status} without a Location")
                current = urljoin(current, location.strip())
                continue
            if not 200 <= response.status < 300:
                raise SourceError(f"{url}: HTTP {response.status} {response.reason}".rstrip())
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise SourceError(
                    f"{url}: body of {length} bytes is over the {max_bytes} byte limit"
                )
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = response.read(64 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise SourceError(f"{url}: body is over the {max_bytes} byte limit")
                if time.monotonic() > deadline:
                    raise SourceError(f"{url}: took longer than {6 * timeout:g} s")
                chunks.append(chunk)
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
            if response.getheader("Content-Type") is None:
                content_type = ""
            return Fetched(url, current, content_type, charset, b"".join(chunks))
        except SourceError:
            raise
        except TimeoutError:
            raise SourceError(f"{url}: timed out after {timeout:g} s") from None
        except ssl.SSLError as exc:
            raise SourceError(f"{url}: TLS error: {exc.reason or exc}") from None
        except (OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise SourceError(f"{url}: cannot fetch: {reason}") from None
        finally:
            connection.close()
    raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects")


def url_document(
    url: str, options: FetchOptions, *, meta: Mapping[str, Any], name: str | None = None
) -> Document:
    name = name or url
    fetched = fetch(url, allow_private=options.allow_private, timeout=options.timeout)
    kind = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "text"}.get(
        fetched.content_type
    )
    if kind is None and fetched.content_type:
        raise SourceError(
            f"{name}: unsupported content type {fetched.content_type!r}; unspin reads "
            "text/html and text/plain"
        )
    if kind is None:
        kind = sniff(fetched.body)
    base = {"source": url, **meta}
    if fetched.final_url != url:
        base["url"] = fetched.final_url
    if kind == "html":
        body: bytes | str = fetched.body
        if fetched.charset:
            try:
                body = fetched.body.decode(fetched.charset)
            except (LookupError, UnicodeDecodeError):
                body = fetched.body
        return from_html(body, name=name, url=fetched.final_url, meta=base)
    if fetched.charset:
        try:
            text = fetched.body.decode(fetched.charset)
        except (LookupError, UnicodeDecodeError):
            raise InvalidInput(f"{name}: body does not decode as {fetched.charset}") from None
        require_text(text, name)
        return Document(text, meta={**base, "encoding": fetched.charset})
    return text_document(fetched.body, name=name, meta=base)
