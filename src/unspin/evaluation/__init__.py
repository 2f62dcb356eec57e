"""Official metrics for each benchmark (``ptc``: SemEval-2020 Task 11; ``claims``: CheckThat!
F1 of Yes; ``conll``: conlleval entity F1; ``stance``: NewsMTSC macro-F1)."""
