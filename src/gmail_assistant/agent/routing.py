"""Routing rules (v2.3.0's `routing:`): which new inbound mail goes to an agent profile.

Rules are tried in order and the first whose conditions ALL hold wins; no match means the
classic pipeline (`default_fallback`). Conditions:

| key                | holds when                                                            |
|--------------------|-----------------------------------------------------------------------|
| `all: true`        | always                                                                |
| `sender_email`     | the From address equals it (case-insensitive; a list: any of them)    |
| `sender_domain`    | the From address's domain equals it or is a subdomain of it           |
| `subject_contains` | the subject contains it (case-insensitive)                            |
| `header_match`     | `{Header: regex}`: every header named matches its regex (search)      |
| `forwarded_from`   | the address is in X-Forwarded-From or Reply-To, in a body address     |
|                    | line (From:/Od:/Von:/Email: …), or is the sender                      |

A rule with an unknown condition or a bad regex never matches and is reported at start
(`Router.problems`): mail is never sent to an agent on a condition nobody can read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.gmail.errors import GmailNotFound
from gmail_assistant.gmail.models import ParsedMessage
from gmail_assistant.settings import RoutingRule

__all__ = ["CONDITIONS", "MailFacts", "Route", "Router", "route_messages"]

CONDITIONS = frozenset(
    {"all", "sender_email", "sender_domain", "subject_contains", "header_match", "forwarded_from"}
)
_ADDRESS_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# A line of a forwarded or helpdesk mail that names the original sender.
_BODY_SENDER_RE = re.compile(
    r"^\s*(?:from|od|von|email|e-mail|contact|kontakt|reply-to)\s*:.*$",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class MailFacts:
    """What routing looks at, from one inbound message."""

    sender_email: str
    subject: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""

    @classmethod
    def of(cls, message: ParsedMessage) -> MailFacts:
        return cls(
            sender_email=message.sender_email,
            subject=message.subject,
            headers={name: message.headers.get(name, "") for name in message.headers},
            body=message.body_text,
        )

    def header(self, name: str) -> str:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), "")


@dataclass(frozen=True)
class Route:
    route: str  # "pipeline" | "agent"
    profile: str | None
    rule_name: str

    @property
    def is_agent(self) -> bool:
        return self.route == "agent"


PIPELINE = Route("pipeline", None, "default_fallback")


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    return [str(item).strip().lower() for item in items if str(item).strip()]


def _addresses(text: str) -> set[str]:
    return {a.lower() for a in _ADDRESS_RE.findall(text)}


def _forwarded_from(facts: MailFacts, wanted: list[str]) -> bool:
    found = _addresses(facts.header("X-Forwarded-From")) | _addresses(facts.header("Reply-To"))
    for line in _BODY_SENDER_RE.findall(facts.body):
        found |= _addresses(line)
    found.add(facts.sender_email.lower())
    return any(w in found for w in wanted)


class _Compiled:
    def __init__(self, index: int, rule: RoutingRule) -> None:
        self.rule = rule
        self.name = rule.name or f"rule {index + 1}"
        self.problems: list[str] = []
        self.headers: list[tuple[str, re.Pattern[str]]] = []
        match = dict(rule.match)
        unknown = sorted(set(match) - CONDITIONS)
        if unknown:
            self.problems.append(f"unknown condition(s) {', '.join(unknown)}")
        if not match:
            self.problems.append("no condition (write `all: true` to match every mail)")
        header_match = match.get("header_match")
        if header_match is not None:
            if not isinstance(header_match, dict):
                self.problems.append("header_match must map header names to regexes")
            else:
                for header, pattern in header_match.items():
                    try:
                        self.headers.append((str(header), re.compile(str(pattern), re.I)))
                    except re.error as exc:
                        self.problems.append(f"header_match {header}: bad regex ({exc})")
        if rule.route == "agent" and not rule.profile:
            self.problems.append("route agent without a profile")
        self.match = match

    def matches(self, facts: MailFacts) -> bool:
        if self.problems:
            return False
        m = self.match
        sender = facts.sender_email.lower()
        if "all" in m and not m["all"]:
            return False
        if "sender_email" in m and sender not in _values(m["sender_email"]):
            return False
        if "sender_domain" in m:
            domain = sender.rpartition("@")[2]
            if not any(
                domain == d or domain.endswith("." + d) for d in _values(m["sender_domain"])
            ):
                return False
        if "subject_contains" in m:
            subject = facts.subject.lower()
            if not any(v in subject for v in _values(m["subject_contains"])):
                return False
        for header, pattern in self.headers:
            if not pattern.search(facts.header(header)):
                return False
        return not (
            "forwarded_from" in m and not _forwarded_from(facts, _values(m["forwarded_from"]))
        )


class Router:
    def __init__(self, rules: Iterable[RoutingRule], *, profiles: Iterable[str] = ()) -> None:
        self._rules = [_Compiled(i, rule) for i, rule in enumerate(rules)]
        known = set(profiles)
        self.problems: list[str] = []
        for compiled in self._rules:
            rule = compiled.rule
            if rule.route == "agent" and rule.profile and rule.profile not in known:
                compiled.problems.append(f"profile {rule.profile!r} is not defined")
            self.problems.extend(
                f"routing rule {compiled.name!r}: {p}; the rule never matches"
                for p in compiled.problems
            )

    @property
    def routes_to_agent(self) -> bool:
        """Whether any usable rule can send mail to an agent (else sync fetches nothing)."""
        return any(c.rule.route == "agent" and not c.problems for c in self._rules)

    def route(self, facts: MailFacts) -> Route:
        for compiled in self._rules:
            if compiled.matches(facts):
                rule = compiled.rule
                profile = rule.profile if rule.route == "agent" else None
                return Route(rule.route, profile, compiled.name)
        return PIPELINE


async def route_messages(
    router: Router, gmail: GmailApi, message_ids: Iterable[str]
) -> dict[str, Route]:
    """The agent routes of these new inbound messages (pipeline ones are left out).

    Reads each message (messages.get, 5 quota units) only when some rule can route to an
    agent; a message gone meanwhile stays with the pipeline, which copes with that.
    """
    if not router.routes_to_agent:
        return {}
    routes: dict[str, Route] = {}
    for message_id in dict.fromkeys(message_ids):
        try:
            message = await gmail.get_message(message_id)
        except GmailNotFound:
            continue
        route = router.route(MailFacts.of(message))
        if route.is_agent:
            routes[message_id] = route
    return routes
