"""Gmail Assistant: triages a Gmail inbox with an LLM and writes reply drafts."""

__version__ = "3.0.0"
