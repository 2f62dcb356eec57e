"""Shipped models (one folder each: ONNX weights, tokenizer, labels, card) and their runtime."""
