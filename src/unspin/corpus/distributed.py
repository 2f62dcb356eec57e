"""Analyse a corpus too large for one machine on a Dask cluster, through the same code path as
``unspin corpus add`` (:func:`unspin.corpus.ingest.add_items`).

Inputs are split into partitions; each worker reads, analyses and writes its partition either
to the shared store (PostgreSQL for a real cluster) or to one Parquet file per partition. See
docs/distributed.md for why Dask.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unspin.corpus.ingest import AddReport, add_items, read_inputs
from unspin.errors import InvalidInput, MissingExtra

__all__ = ["analyse_partition", "run_distributed"]


def analyse_partition(
    inputs: Sequence[str],
    *,
    db: str | None = None,
    parquet: str | None = None,
    detectors: str = "default",
    partition: int = 0,
    allow_private: bool = False,
) -> dict[str, Any]:
    """Analyse one partition of inputs and write it to a store or a Parquet file.

    Args:
        inputs: paths or URLs (as for ``unspin corpus add``).
        db: store URL to add to (skips documents already current there).
        parquet: folder to write ``part-NNNNN.parquet`` into instead.
        detectors: detector names or sets.
        partition: the partition number (names the Parquet file).
        allow_private: fetch URLs on private addresses.

    Returns:
        The partition's :class:`AddReport` as a dict.

    Raises:
        InvalidInput: neither or both of ``db`` and ``parquet`` are given.
    """
    from unspin.pipeline import Pipeline

    if (db is None) == (parquet is None):
        raise InvalidInput("give exactly one of db (a store URL) or parquet (a folder)")
    pipeline = Pipeline.from_names(detectors)
    items = read_inputs(list(inputs), allow_private=allow_private)
    if db is not None:
        from unspin.store import open_corpus

        with open_corpus(db) as corpus:
            return add_items(corpus, items, pipeline).to_dict()
    from unspin.corpus.exchange import export_documents
    from unspin.errors import Failure, UnspinError

    docs = []
    failures: list[str] = []
    for item in items:
        if isinstance(item, Failure):
            failures.append(str(item))
            continue
        try:
            docs.append(pipeline.run(item))
        except UnspinError as exc:
            failures.append(str(Failure(str(item.meta.get("source") or item.id), exc)))
    folder = Path(str(parquet))
    folder.mkdir(parents=True, exist_ok=True)
    if docs:
        export_documents(docs, "parquet", folder / f"part-{partition:05d}.parquet")
    return AddReport(len(docs), 0, len(failures), tuple(failures)).to_dict()


def run_distributed(
    inputs: Sequence[str],
    *,
    client: Any,
    db: str | None = None,
    parquet: str | None = None,
    detectors: str = "default",
    partitions: int | None = None,
) -> AddReport:
    """Analyse inputs on a Dask cluster, one task per partition.

    Args:
        inputs: paths or URLs; a folder counts as one input, so list its files for balance.
        client: a ``dask.distributed.Client``.
        db: store URL every worker writes to (it must be reachable from the workers).
        parquet: folder (shared by the workers) for one Parquet file per partition.
        detectors: detector names or sets.
        partitions: how many partitions (default: two per worker thread).

    Returns:
        The summed report.

    Raises:
        MissingExtra: dask is not installed.
        InvalidInput: neither or both of ``db`` and ``parquet`` are given.
    """
    try:
        import dask.bag  # noqa: F401
    except ImportError:
        raise MissingExtra("distributed analysis", "dask", "dask") from None
    if (db is None) == (parquet is None):
        raise InvalidInput("give exactly one of db (a store URL) or parquet (a folder)")
    inputs = list(inputs)
    if not inputs:
        return AddReport()
    if db is not None:
        from unspin.store import open_corpus

        open_corpus(db).close()  # migrate once, before the workers race to
    threads = sum(client.nthreads().values()) or 1
    count = max(1, min(len(inputs), partitions or 2 * threads))
    chunks = [inputs[i::count] for i in range(count)]
    futures = [
        client.submit(
            analyse_partition,
            chunk,
            db=db,
            parquet=parquet,
            detectors=detectors,
            partition=number,
            pure=False,
        )
        for number, chunk in enumerate(chunks)
    ]
    report = AddReport()
    for result in client.gather(futures):
        report = report + AddReport(
            result["added"], result["skipped"], result["failed"], tuple(result["failures"])
        )
    return report
