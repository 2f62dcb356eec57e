"""Training code (extra ``train``: torch, transformers). Nothing outside this package imports it.

One command per shipped model goes from the base encoder to a complete model folder, seeded
(``python -m unspin.training --help`` lists every command, each with its help):

- ``analysis``: :mod:`~unspin.training.analysis` (claims, entities, stance head, embedding).
- ``stance``: :mod:`~unspin.training.stance` (two teachers, their soft labels, the student).
- ``persuasion``: :mod:`~unspin.training.persuasion`, then ``persuasion-package``
  (:mod:`~unspin.training.package`), ``persuasion-tc-head`` and ``persuasion-si-head``
  (:mod:`~unspin.training.tc_head`, :mod:`~unspin.training.si_head`), each on the folder before;
  :mod:`~unspin.training.persuasion_staged` reads the folders between the steps.

The corpora are read by :mod:`unspin.datasets`; validation figures use the official metrics of
:mod:`unspin.evaluation` (training uses evaluation, never the other way round).
"""
