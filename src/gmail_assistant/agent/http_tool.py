"""`http` tools: a domain service the agent may call, declared in config, no code.

    agent:
      tools:
        search_drugs:
          kind: http
          description: Look up a drug's availability in the pharmacy's stock.
          url: https://stock.example/api/search
          method: POST                       # GET sends the arguments as the query string
          parameters: {type: object, properties: {drug_name: {type: string}},
                       required: [drug_name]}
          timeout_seconds: 10
          auth_header: Authorization         # value from the environment, never the file
          auth_env: PHARMACY_API_TOKEN
        drug_info:
          url: https://stock.example/api/drugs
          method: GET
          read_only: true                    # only reads: `debug-agent` may call it

The model's arguments are checked against `parameters` (required keys, basic types) before
the request; the service's answer (status and up to 8 kB of body) is the tool's result. An
http tool is read-only only when its config says so (`read_only: true`, GET tools only):
`debug-agent` calls such a tool for real and only notes every other one.
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx

from gmail_assistant.agent.tools import ToolContext
from gmail_assistant.prompts.untrusted import escape_untrusted
from gmail_assistant.settings import HttpToolSettings

__all__ = ["HttpTool"]

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}
_MAX_BODY = 8_000


def check_arguments(schema: dict[str, Any], args: dict[str, Any]) -> None:
    """Required keys present and declared types right; raises ValueError naming the key."""
    for key in schema.get("required") or ():
        if key not in args:
            raise ValueError(f"argument {key!r} is required")
    properties = schema.get("properties") or {}
    for key, value in args.items():
        declared = (properties.get(key) or {}).get("type")
        types = _TYPES.get(str(declared))
        if types and (not isinstance(value, types) or (bool in types) != isinstance(value, bool)):
            raise ValueError(f"argument {key!r} must be of type {declared}")


class HttpTool:
    def __init__(
        self,
        name: str,
        spec: HttpToolSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        self.spec = spec
        self._transport = transport

    @property
    def read_only(self) -> bool:
        """Declared read-only (and so a GET): a dry run may call it."""
        return self.spec.read_only and self.spec.method == "GET"

    def schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.spec.description or f"Call the {self.name} service.",
                "parameters": self.spec.parameters,
            },
        }

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.spec.auth_env:
            value = os.environ.get(self.spec.auth_env, "")
            if not value:
                raise RuntimeError(f"environment variable {self.spec.auth_env} is not set")
            headers[self.spec.auth_header] = value
        return headers

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> str:
        check_arguments(self.spec.parameters, args)
        spec = self.spec
        request: dict[str, Any] = {"headers": self._headers()}
        if spec.method == "GET":
            request["params"] = {
                k: v if isinstance(v, str) else json.dumps(v) for k, v in args.items()
            }
        else:
            request["json"] = args
        async with httpx.AsyncClient(
            timeout=spec.timeout_seconds, transport=self._transport, follow_redirects=False
        ) as client:
            response = await client.request(spec.method, spec.url, **request)
        # A service's answer may quote people's text: it stays data, like mail.
        body = escape_untrusted(response.text, max_chars=_MAX_BODY)
        if response.is_success:
            return body or f"HTTP {response.status_code} (empty body)"
        return f"Error: the service answered HTTP {response.status_code}: {body[:1000]}"
