"""The ``analysis`` model family: claims, entities, stance and actors.

- :mod:`~unspin.detectors.analysis.engine`: one pass of the shared analysis model per sentence,
  cached per document, that claims, entities, ``stance-fast`` and the persuasion SI head read.
- :mod:`~unspin.detectors.analysis.actors`: the ``actors`` detector, rules that merge mentions
  into actors and attach stance and techniques (no model).
"""
