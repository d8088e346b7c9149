"""Helpers for tests/test_report.py and tests/test_report_html.py: adapters and a feature-run wrapper."""
