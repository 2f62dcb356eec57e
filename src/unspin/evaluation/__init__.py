"""Official metrics for each benchmark."""
