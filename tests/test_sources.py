from __future__ import annotations

import http.server
import io
import ipaddress
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from unspin import sources
from unspin.document import Document
from unspin.errors import Failure, InvalidInput, SourceError
from unspin.sources import USER_AGENT, decode, fetch, read, read_items

DATA = Path(__file__).resolve().parent / "data"
HTML_PAGE = (DATA / "ashen-hand.html").read_bytes()
SENTENCE = "Le café naïve coûte 12 € — déjà vu, señor."


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


# --- text files and encodings ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SENTENCE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SENTENCE.encode("utf-8"), "utf-8-sig"),
        (SENTENCE.encode("utf-16"), "utf-16-le"),
        (b"\xfe\xff" + SENTENCE.encode("utf-16-be"), "utf-16-be"),
        (SENTENCE.encode("cp1252"), "cp1252"),
    ],
)
def test_read_text_file_decodes_and_records_encoding(
    tmp_path: Path, data: bytes, encoding: str
) -> None:
    doc = next(read(_write(tmp_path / "a.txt", data)))
    assert (doc.text, doc.meta["encoding"]) == (SENTENCE, encoding)


def test_read_latin1_text_file(tmp_path: Path) -> None:
    text = "Grüße aus Köln, sagte der Bürgermeister."
    doc = next(read(_write(tmp_path / "a.txt", text.encode("latin-1"))))
    assert (doc.text, doc.meta["encoding"]) == (text, "latin_1")


def test_read_text_file_records_source(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.txt", b"Some text.")
    assert next(read(path)).meta["source"] == path


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n  "])
def test_read_blank_file_is_invalid_input(tmp_path: Path, data: bytes) -> None:
    path = _write(tmp_path / "blank.txt", data)
    with pytest.raises(InvalidInput, match="blank.txt: empty or blank"):
        next(read(path))


@pytest.mark.parametrize(
    "data", [b"%PDF-1.7\n%\xe2\xe3", b"\x89PNG\r\n\x1a\n\x00\x00", b"abc\x00def\x00ghi"]
)
def test_read_binary_file_is_invalid_input(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(InvalidInput, match="binary input"):
        next(read(_write(tmp_path / "x.txt", data)))


def test_decode_bom_with_bad_body_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="byte order mark"):
        decode(b"\xff\xfe" + b"\x00\xd8", name="x")


def test_read_missing_path_is_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="missing.txt: no such file"):
        next(read(str(tmp_path / "missing.txt")))


def test_read_items_reports_missing_path_as_failure(tmp_path: Path) -> None:
    path = str(tmp_path / "missing.txt")
    [item] = list(read_items(path))
    assert isinstance(item, Failure) and item.input == path


def test_failure_reason_does_not_repeat_input(tmp_path: Path) -> None:
    [item] = list(read_items(str(tmp_path / "missing.txt")))
    assert isinstance(item, Failure) and item.reason == "no such file or folder"


# --- stdin ------------------------------------------------------------------------------------


def test_read_stdin_text() -> None:
    doc = next(read("-", stdin=io.BytesIO(SENTENCE.encode("cp1252"))))
    assert doc.text == SENTENCE


def test_read_stdin_html() -> None:
    doc = next(read("-", stdin=io.BytesIO(HTML_PAGE)))
    assert doc.meta["author"] == "Marta Kell"


def test_read_stdin_jsonl() -> None:
    lines = b'{"id": "a", "text": "One."}\n{"id": "b", "text": "Two."}\n'
    assert [d.id for d in read("-", stdin=io.BytesIO(lines))] == ["a", "b"]


def test_read_stdin_blank_names_stdin() -> None:
    with pytest.raises(InvalidInput, match="<stdin>: empty"):
        next(read("-", stdin=io.BytesIO(b"\n\n")))


# --- HTML ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_doc() -> Document:
    return next(read(str(DATA / "ashen-hand.html")))


def test_read_html_keeps_article_body(page_doc: Document) -> None:
    assert "claimed 12,000 lives" in page_doc.text


@pytest.mark.parametrize(
    "boilerplate",
    [
        "cookies",
        "Advertisement",
        "Related stories",
        "Copyright",
        "dataLayer",
        "Subscribe",
        "newsletter",
        "Sponsored",
    ],
)
def test_read_html_leaves_out_boilerplate(page_doc: Document, boilerplate: str) -> None:
    assert boilerplate not in page_doc.text


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("title", "Enough Patience: Norland Must Stop Talking to the Ashen Hand"),
        ("author", "Marta Kell"),
        ("published", "2024-03-18"),
        ("language", "en"),
    ],
)
def test_read_html_fills_meta(page_doc: Document, key: str, value: str) -> None:
    assert page_doc.meta[key] == value


def test_read_html_without_article_is_source_error(tmp_path: Path) -> None:
    page = b"<html><body><nav><a href='/'>Home</a> <a href='/x'>News</a></nav></body></html>"
    with pytest.raises(SourceError, match="empty.html: HTML page has no article text"):
        next(read(_write(tmp_path / "empty.html", page)))


# --- JSONL and CSV ----------------------------------------------------------------------------


def _jsonl(tmp_path: Path, lines: list[str]) -> str:
    return _write(tmp_path / "batch.jsonl", ("\n".join(lines) + "\n").encode("utf-8"))


def test_read_jsonl_keeps_ids(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, ['{"id": "a1", "text": "One."}', '{"id": 7, "text": "Two."}'])
    assert [d.id for d in read(path)] == ["a1", "7"]


def test_read_jsonl_reads_meta_and_targets(tmp_path: Path) -> None:
    record = {
        "id": "a",
        "text": "Hello there.",
        "title": "T",
        "source": "Courier",
        "published": "2024-03-05",
        "targets": [{"start": 0, "end": 5}],
    }
    doc = next(read(_jsonl(tmp_path, [json.dumps(record)])))
    assert dict(doc.meta) == {
        "title": "T",
        "source": "Courier",
        "published": "2024-03-05",
        "targets": [{"start": 0, "end": 5}],
    }


def test_read_jsonl_html_record(tmp_path: Path) -> None:
    record = {"id": "h", "html": HTML_PAGE.decode("utf-8")}
    doc = next(read(_jsonl(tmp_path, [json.dumps(record)])))
    assert doc.id == "h" and "Related stories" not in doc.text


def test_read_items_broken_line_does_not_stop_batch(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path,
        ['{"id": "a", "text": "One."}', '{"id": "b", "text": ', '{"id": "c", "text": "Three."}'],
    )
    items = list(read_items(path))
    assert [i.id if isinstance(i, Document) else i.input for i in items] == ["a", f"{path}:2", "c"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "a"}', "exactly one of"),
        ('{"id": "a", "text": "x", "url": "http://x"}', "exactly one of"),
        ('["a", "b"]', "JSON object"),
        ('{"id": "a", "text": "   "}', "empty or blank"),
        ('{"id": "a", "text": "abc", "targets": [{"start": 1, "end": 9}]}', "outside the text"),
        ('{"id": "a", "text": "abc", "targets": [{"start": "1"}]}', "integer"),
        ('{"id": "a", "text": "abc", "published": "5th of May"}', "ISO 8601"),
        ('{"id": "a", "text": 5}', "must be a string"),
    ],
)
def test_read_items_bad_record_is_failure(tmp_path: Path, line: str, message: str) -> None:
    [item] = list(read_items(_jsonl(tmp_path, [line])))
    assert isinstance(item, Failure) and message in item.reason


def test_read_items_jsonl_undecodable_line_is_failure(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "b.jsonl", b'{"id": "a", "text": "caf\xe9"}\n{"id": "b", "text": "ok"}\n'
    )
    items = list(read_items(path))
    assert isinstance(items[0], Failure) and "not UTF-8" in items[0].reason and items[1].id == "b"


def test_read_csv_same_columns(tmp_path: Path) -> None:
    data = 'id,text,title,targets\nr1,"Hello, world.",T,"[{""start"": 0, ""end"": 5}]"\nr2,Bye.,,\n'
    docs = list(read(_write(tmp_path / "b.csv", data.encode("utf-8"))))
    assert [(d.id, d.meta.get("title"), d.meta.get("targets")) for d in docs] == [
        ("r1", "T", [{"start": 0, "end": 5}]),
        ("r2", None, None),
    ]


def test_read_csv_without_text_column_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="'text', 'html' or 'url' column"):
        next(read(_write(tmp_path / "b.csv", b"id,body\n1,x\n")))


def test_read_items_csv_bad_row_is_failure_with_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "b.csv", b"id,text\n1,\n2,Fine.\n")
    items = list(read_items(path))
    assert isinstance(items[0], Failure) and items[0].input == f"{path}:2" and items[1].id == "2"


# --- folders ----------------------------------------------------------------------------------


def test_read_folder_reads_supported_files_sorted(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "b.txt", b"Bee.")
    _write(tmp_path / "a.md", b"Ay.")
    _write(tmp_path / "sub" / "c.jsonl", b'{"id": "c", "text": "See."}\n')
    _write(tmp_path / "notes.bin", b"\x00\x01")
    _write(tmp_path / ".hidden.txt", b"Hidden.")
    assert [d.text for d in read(str(tmp_path))] == ["Ay.", "Bee.", "See."]


def test_read_folder_without_supported_files_is_source_error(tmp_path: Path) -> None:
    _write(tmp_path / "x.bin", b"abc")
    with pytest.raises(SourceError, match="no supported files"):
        next(read(str(tmp_path)))


def test_read_items_folder_goes_on_after_bad_file(tmp_path: Path) -> None:
    _write(tmp_path / "a.txt", b"")
    _write(tmp_path / "b.txt", b"Fine.")
    items = list(read_items(str(tmp_path)))
    assert isinstance(items[0], Failure) and isinstance(items[1], Document)


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

    monkeypatch.setattr(sources, "_refusal", refusal)
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
    assert sources._refusal(ipaddress.ip_address(address)) is not None


def test_refusal_allows_public_address() -> None:
    assert sources._refusal(ipaddress.ip_address("93.184.216.34")) is None


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
    path = _jsonl(tmp_path, [json.dumps({"id": "u", "url": f"{server}/article"})])
    doc = next(read(path, allow_private=True))
    assert doc.id == "u" and doc.meta["author"] == "Marta Kell"
