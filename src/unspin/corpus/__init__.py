"""Corpus analysis: near-duplicates, narratives, timelines and per-source statistics."""
