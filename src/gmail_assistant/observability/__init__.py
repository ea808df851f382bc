"""Logs, error reporting and metrics."""
