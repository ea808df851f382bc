"""Test doubles and test-only tools; the product never imports this package.

- `fake_llm`: a scriptable OpenAI-compatible chat server (faults, latency, recorded requests).
- `memory_gmail`: an in-memory Gmail that implements the `GmailApi` port and keeps state.
- `pgtemp`: throwaway PostgreSQL databases on a running server.

It lives under `src/` so tests, benches and scripts import it without path edits; the wheel
and the container image leave it out, and an import-linter contract keeps the product from
importing it.
"""
