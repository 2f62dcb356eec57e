"""The ``persuasion`` model family: propaganda technique spans from the shipped MiniLM model.

- :mod:`~unspin.detectors.persuasion.detector`: the detector (registered as ``persuasion``).
- :mod:`~unspin.detectors.persuasion.windows`: tokenising, cutting windows of sentences with
  context, placing spans in them and decoding token probabilities into spans (numpy only; the
  trainer builds its examples with the same code).
"""
