"""Tests of e2e (a package: its conftest.py must not clash with the others)."""
