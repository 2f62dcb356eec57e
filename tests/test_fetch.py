"""The safe fetcher (unspin.sources.fetch): schemes, address checks, redirects, limits, TLS."""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import json
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from unspin.errors import SourceError
from unspin.sources import fetch as fetch_module
from unspin.sources import read
from unspin.sources.fetch import USER_AGENT, fetch

DATA = Path(__file__).resolve().parent / "data"
HTML_PAGE = (DATA / "ashen-hand.html").read_bytes()
SENTENCE = "Le café naïve coûte 12 € — déjà vu, señor."


# --- URLs ---------------------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    seen_agents: list[str] = []

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def _send(
        self,
        status: int,
        body: bytes = b"",
        ctype: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        # the client may have given up already (the timeout test)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        _Handler.seen_agents.append(self.headers.get("User-Agent", ""))
        path = self.path
        if path == "/article":
            self._send(200, HTML_PAGE)
        elif path == "/plain":
            self._send(200, SENTENCE.encode("cp1252"), "text/plain; charset=windows-1252")
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            target = "/article" if left == 0 else f"/hop/{left - 1}"
            self._send(302, headers={"Location": target})
        elif path == "/to-ftp":
            self._send(302, headers={"Location": "ftp://127.0.0.1/x"})
        elif path == "/to-other-loopback":
            port = self.server.server_address[1]
            self._send(302, headers={"Location": f"http://127.0.0.2:{port}/article"})
        elif path == "/big":
            self._send(200, b"<p>" + b"word " * 5000 + b"</p>")
        elif path == "/pdf":
            self._send(200, b"%PDF-1.7", "application/pdf")
        elif path == "/slow":
            time.sleep(1.5)
            self._send(200, HTML_PAGE)
        else:
            self._send(404, b"not here")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_read_url_extracts_article(server: str) -> None:
    doc = next(read(f"{server}/article", allow_private=True))
    assert "claimed 12,000 lives" in doc.text and "Related stories" not in doc.text


def test_read_url_records_source(server: str) -> None:
    doc = next(read(f"{server}/article", allow_private=True))
    assert doc.meta["source"] == f"{server}/article"


def test_read_url_sends_honest_user_agent(server: str) -> None:
    next(read(f"{server}/article", allow_private=True))
    assert _Handler.seen_agents[-1] == USER_AGENT and USER_AGENT.startswith("unspin/")


def test_read_url_plain_text_uses_declared_charset(server: str) -> None:
    assert next(read(f"{server}/plain", allow_private=True)).text == SENTENCE


def test_read_url_refuses_loopback_by_default(server: str) -> None:
    with pytest.raises(SourceError, match="loopback"):
        next(read(f"{server}/article"))


def test_read_url_refuses_localhost_after_dns(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    with pytest.raises(SourceError, match="refused"):
        next(read(f"http://localhost:{port}/article"))


def test_read_url_follows_five_redirects(server: str) -> None:
    doc = next(read(f"{server}/hop/4", allow_private=True))
    assert doc.meta["url"] == f"{server}/article"


def test_read_url_refuses_sixth_redirect(server: str) -> None:
    with pytest.raises(SourceError, match="more than 5 redirects"):
        next(read(f"{server}/hop/5", allow_private=True))


def test_read_url_rechecks_scheme_after_redirect(server: str) -> None:
    with pytest.raises(SourceError, match="only http and https"):
        next(read(f"{server}/to-ftp", allow_private=True))


def test_read_url_rechecks_address_after_redirect(
    server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # treat 127.0.0.1 as public and 127.0.0.2 as not, to see that the second hop is checked
    def refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
        return "loopback" if str(address) == "127.0.0.2" else None

    monkeypatch.setattr(fetch_module, "_refusal", refusal)
    with pytest.raises(SourceError, match="127.0.0.2, a loopback address"):
        next(read(f"{server}/to-other-loopback"))


@pytest.mark.parametrize("url", ["ftp://example.org/a", "file:///etc/passwd"])
def test_read_url_refuses_other_schemes(url: str) -> None:
    with pytest.raises(SourceError, match="only http and https"):
        next(read(url))


@pytest.mark.parametrize(
    "address",
    ["10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fe80::1", "0.0.0.0", "::ffff:127.0.0.1"],
)
def test_refusal_names_non_public_addresses(address: str) -> None:
    assert fetch_module._refusal(ipaddress.ip_address(address)) is not None


def test_refusal_allows_public_address() -> None:
    assert fetch_module._refusal(ipaddress.ip_address("93.184.216.34")) is None


def test_fetch_refuses_body_over_cap(server: str) -> None:
    with pytest.raises(SourceError, match="limit"):
        fetch(f"{server}/big", allow_private=True, max_bytes=1000)


def test_fetch_times_out(server: str) -> None:
    with pytest.raises(SourceError, match="timed out"):
        fetch(f"{server}/slow", allow_private=True, timeout=0.3)


def test_read_url_http_error_is_source_error(server: str) -> None:
    with pytest.raises(SourceError, match="HTTP 404"):
        next(read(f"{server}/missing", allow_private=True))


def test_read_url_unsupported_content_type(server: str) -> None:
    with pytest.raises(SourceError, match="application/pdf"):
        next(read(f"{server}/pdf", allow_private=True))


def test_read_url_unreachable_is_source_error() -> None:
    with pytest.raises(SourceError, match="cannot fetch"):
        next(read("http://127.0.0.1:9/x", allow_private=True, timeout=2))


def test_read_jsonl_url_record(server: str, tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps({"id": "u", "url": f"{server}/article"}) + "\n", encoding="utf-8")
    doc = next(read(str(path), allow_private=True))
    assert doc.id == "u" and doc.meta["author"] == "Marta Kell"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An https server with a self-signed certificate (which must not be trusted)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetch_https_checks_certificate(tls_server: str) -> None:
    with pytest.raises(SourceError, match="TLS error"):
        fetch(f"{tls_server}/article", allow_private=True, timeout=5)
