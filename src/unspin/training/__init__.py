"""Training code (extra ``train``: torch, transformers). Nothing outside this package imports it.

Run ``python -m unspin.training persuasion --data DIR --out DIR`` or
``python -m unspin.training analysis --data DIR --out DIR`` (see ``--help``).
"""
