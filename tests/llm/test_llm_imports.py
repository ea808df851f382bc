"""LiteLLM must be imported in exactly one place, after its offline price-map switch."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import gmail_assistant

SRC = Path(gmail_assistant.__file__).parent
IMPORT_RE = re.compile(r"^\s*(import litellm|from litellm[\s.])", re.MULTILINE)


def test_only_the_adapter_module_imports_litellm() -> None:
    importers = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if IMPORT_RE.search(path.read_text())
    )
    assert importers == ["llm/_litellm.py"]


def test_importing_the_package_does_not_import_litellm() -> None:
    code = (
        "import sys, gmail_assistant.llm, gmail_assistant.prompts;"
        "import gmail_assistant_testing.fake_llm;"
        "print('litellm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_building_a_gateway_does_not_import_litellm() -> None:
    # The server answers health before LiteLLM's seconds-long import; the warm-up loads it.
    code = (
        "import sys\n"
        "from gmail_assistant.llm import InMemoryRecorder, LlmGateway\n"
        "from gmail_assistant.settings import LlmSettings\n"
        "LlmGateway(settings=LlmSettings(), recorder=InMemoryRecorder())\n"
        "print('litellm' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
