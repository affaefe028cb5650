"""Benchmarks of the segmentation studio: each stage timed as a user runs it (see README.md)."""
