from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from unspin.document import Document
from unspin.errors import Failure, InvalidInput, SourceError
from unspin.sources import read, read_items
from unspin.sources.decode import decode

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


def test_read_undecodable_bytes_is_invalid_input(tmp_path: Path) -> None:
    rng = random.Random(1)
    noise = bytes(rng.randrange(0x80, 0x100) for _ in range(400))
    with pytest.raises(InvalidInput, match="noise.txt: bytes are not UTF-8"):
        next(read(_write(tmp_path / "noise.txt", noise)))


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
        ('{"id": "a", "text": ""}', "empty or blank"),
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


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("-", True),
        ("feed.jsonl", True),
        ("rows.CSV", True),
        ("a.txt", False),
        ("https://x.example/a.jsonl", False),
    ],
)
def test_is_batch_by_kind_of_input(name: str, expected: bool) -> None:
    from unspin.sources import is_batch

    assert is_batch(name) is expected


def test_is_batch_folder(tmp_path: Path) -> None:
    from unspin.sources import is_batch

    assert is_batch(str(tmp_path)) is True
