"""Training code (extra: ``train``): data readers, training loops, ONNX export."""
