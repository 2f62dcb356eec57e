"""Training code (extra ``train``: torch, transformers). Nothing outside this package imports it.

Run ``python -m unspin.training persuasion --data DIR --out DIR`` (see ``--help``).
"""
