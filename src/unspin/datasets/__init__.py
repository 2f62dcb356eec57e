"""Readers for the benchmark formats, shared by training and evaluation (stdlib only).

- :mod:`~unspin.datasets.ptc`: SemEval-2020 Task 11 (PTC): articles, SI and TC labels.
- :mod:`~unspin.datasets.checkthat`: CheckThat! 2024 task 1 (English): check-worthy sentences.
- :mod:`~unspin.datasets.conll`: CoNLL-2003 English: named entities.
- :mod:`~unspin.datasets.newsmtsc`: NewsMTSC: stance toward targets in news sentences.
- :mod:`~unspin.datasets.claim_retrieval`: CheckThat! Task 2 (previously fact-checked claims):
  queries, vclaims and qrels.

The data is research-only and never part of unspin: every reader takes a path into the data
folder the user has. Validation carves that several models share (by article, by document) live
here too, so that every model is chosen on the same held-out part.
"""
