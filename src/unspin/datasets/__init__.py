"""Readers for the benchmark formats, shared by training and evaluation."""
