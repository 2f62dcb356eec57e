"""Shipped models and what reads them.

One folder per model (``persuasion``, ``analysis``, ``stance``): ONNX weights and heads, the
tokenizer, ``manifest.json`` (version, each file's sha256, the configuration the detector reads)
and ``card.md``. :mod:`~unspin.models.runtime` loads a folder and checks every file
(``OnnxModel``, ``OnnxModel.head`` for a head graph); :mod:`~unspin.models.features` builds the
inputs the models read beside the word pieces (token shapes, a marked stance target);
:mod:`~unspin.models.embeddings` embeds texts for the corpus narratives.
"""
