"""The ``analysis`` model family: claims, entities, stance and actors.

- :mod:`~unspin.detectors.analysis.engine`: one pass of the shared analysis model per sentence,
  cached per document, that claims, entities, ``stance-fast`` and the persuasion SI head read.
- :mod:`~unspin.detectors.analysis.claims`: the ``claims`` detector and the rules that find the
  numbers, dates and attributions inside a claim.
- :mod:`~unspin.detectors.analysis.entities`: the ``entities`` detector.
- :mod:`~unspin.detectors.analysis.stance`: the ``stance`` detector (the separate target-marked
  stance model, one pass per target) and ``stance-fast`` (the analysis pass's stance head).
- :mod:`~unspin.detectors.analysis.actors`: the ``actors`` detector, rules that merge mentions
  into actors and attach stance and techniques (no model).
"""
