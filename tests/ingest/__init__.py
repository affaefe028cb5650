"""Tests of ingest (a package: its conftest.py must not clash with the others)."""
