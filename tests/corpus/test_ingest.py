"""Adding inputs: skip what is current, resume after an interruption, distribute with Dask."""

from __future__ import annotations

from pathlib import Path

import pytest
from dup_fixtures import COURIER, OTHER, POST, WIRE

from unspin.corpus.ingest import add_inputs, add_items
from unspin.document import Document
from unspin.pipeline import Pipeline

TEXTS = {"courier.txt": COURIER, "post.txt": POST, "wire.txt": WIRE, "other.txt": OTHER}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "articles"
    root.mkdir()
    for name, text in TEXTS.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_add_inputs_stores_every_article(corpus, folder):
    report = add_inputs(corpus, [str(folder)], detectors="baseline")
    assert (report.added, len(corpus)) == (4, 4)


def test_add_inputs_skips_documents_already_current(corpus, folder):
    add_inputs(corpus, [str(folder)], detectors="baseline")
    report = add_inputs(corpus, [str(folder)], detectors="baseline")
    assert (report.added, report.skipped) == (0, 4)


def test_add_inputs_reports_unreadable_inputs(corpus, tmp_path):
    report = add_inputs(corpus, [str(tmp_path / "missing.txt")], detectors="baseline")
    assert (report.failed, len(report.failures)) == (1, 1)


class _Interrupting:
    """Wraps a pipeline and raises KeyboardInterrupt on the n-th document (a crash mid-batch)."""

    def __init__(self, pipeline: Pipeline, at: int) -> None:
        self.pipeline, self.at, self.seen = pipeline, at, 0
        self.producers = pipeline.producers

    def run(self, doc: Document) -> Document:
        self.seen += 1
        if self.seen == self.at:
            raise KeyboardInterrupt
        return self.pipeline.run(doc)


def test_add_items_resumes_after_an_interruption(corpus):
    docs = [Document(text, meta={"source": name}) for name, text in TEXTS.items()]
    pipeline = Pipeline.from_names("baseline")
    with pytest.raises(KeyboardInterrupt):
        add_items(corpus, docs, _Interrupting(pipeline, at=3))  # type: ignore[arg-type]
    assert len(corpus) == 2
    report = add_items(corpus, docs, pipeline)
    assert (report.added, report.skipped, len(corpus)) == (2, 2, 4)


def test_add_items_reanalyses_when_detector_versions_change(corpus):
    docs = [Document(COURIER, meta={"source": "a.txt"})]
    pipeline = Pipeline.from_names("baseline")
    add_items(corpus, docs, pipeline)
    corpus.add(corpus.get(docs[0].id), producers={"structure": "0.0.1"})
    assert add_items(corpus, docs, pipeline).added == 1


def test_add_items_records_a_copy_at_a_new_source(corpus):
    pipeline = Pipeline.from_names("baseline")
    add_items(corpus, [Document(COURIER, meta={"source": "a.txt"})], pipeline)
    add_items(corpus, [Document(COURIER, meta={"source": "b.txt"})], pipeline)
    assert sorted(s["source"] for s in next(iter(corpus.sightings().values()))) == [
        "a.txt",
        "b.txt",
    ]


@pytest.fixture
def dask_client():  # type: ignore[no-untyped-def]
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_run_distributed_writes_to_the_store(db_url, folder, dask_client):
    from unspin.corpus.distributed import run_distributed
    from unspin.store import open_corpus

    files = sorted(str(p) for p in folder.iterdir())
    report = run_distributed(
        files, client=dask_client, db=db_url, detectors="baseline", partitions=2
    )
    with open_corpus(db_url) as corpus:
        assert (report.added, sorted(d.meta["source"] for d in corpus.iter_documents())) == (
            4,
            files,
        )


def test_run_distributed_writes_parquet(tmp_path, folder, dask_client):
    import pyarrow.parquet as pq

    from unspin.corpus.distributed import run_distributed

    files = sorted(str(p) for p in folder.iterdir())
    run_distributed(
        files, client=dask_client, parquet=str(tmp_path / "out"), detectors="baseline", partitions=2
    )
    table = pq.read_table(str(tmp_path / "out"))
    assert sorted(table.column("source").to_pylist()) == files


def test_run_distributed_needs_one_destination(dask_client):
    from unspin.corpus.distributed import run_distributed
    from unspin.errors import InvalidInput

    with pytest.raises(InvalidInput, match="exactly one"):
        run_distributed(["a.txt"], client=dask_client)
