"""Official metrics for each benchmark (``ptc``: SemEval-2020 Task 11)."""
