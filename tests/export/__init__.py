"""Tests of export (a package: its conftest.py must not clash with the others)."""
