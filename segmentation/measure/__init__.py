"""Measure: campaign readouts against the holdout and segment migration."""
