"""Official metrics for each benchmark, and the runs that score the shipped detectors on them.

- :mod:`~unspin.evaluation.ptc`: SemEval-2020 Task 11 SI and TC scores; ``unspin eval ptc``.
- :mod:`~unspin.evaluation.claims`: CheckThat! F1 of Yes and the threshold that maximises it.
- :mod:`~unspin.evaluation.conll`: conlleval entity F1.
- :mod:`~unspin.evaluation.stance`: NewsMTSC macro-F1.
- :mod:`~unspin.evaluation.gate`: the quality gate's score on a hand-written fixture.
- :mod:`~unspin.evaluation.analysis_bench`: the analysis and stance models through the CLI.

The benchmark files are read by :mod:`unspin.datasets`, shared with training; evaluation never
imports training.
"""
