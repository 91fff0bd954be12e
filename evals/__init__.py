"""Eval suites, metrics and reports."""
