"""Tools to run the real server as a child process: for the demo, the benches and e2e tests."""

from gmail_assistant.devtools.server_process import ServerProcess, free_port, repo_root

__all__ = ["ServerProcess", "free_port", "repo_root"]
