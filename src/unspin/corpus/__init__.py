"""Corpus analysis over a stored ``Corpus``: a module per analysis, each a function taking the
corpus and returning frozen dataclasses (``to_dict()`` gives the JSON the CLI and API show).

- :mod:`~unspin.corpus.dups`: near-duplicates (``corpus_duplicates`` -> ``Duplicates``).
- :mod:`~unspin.corpus.narratives`: documents or claims clustered by meaning
  (``corpus_narratives`` -> ``Narratives``).
- :mod:`~unspin.corpus.timeline`: documents and techniques per period (``document_timeline``).
- :mod:`~unspin.corpus.stats`: rates per source and period, actors and stance
  (``stats_report`` -> ``Statistics``); :mod:`~unspin.corpus.charts` draws them.
- :mod:`~unspin.corpus.ingest`, :mod:`~unspin.corpus.exchange`,
  :mod:`~unspin.corpus.distributed`: filling the store and moving documents in and out.
"""
