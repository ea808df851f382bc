"""Routing rules: v2.3.0's `routing:` YAML as it is, first match wins, all conditions hold."""

from __future__ import annotations

import yaml

from gmail_assistant.agent.routing import MailFacts, Router
from gmail_assistant.settings import AgentSettings, RoutingSettings

V2_ROUTING = """
routing:
  rules:
    - name: pharmacy_support
      match:
        forwarded_from: info@pharmacy.cz
      route: agent
      profile: pharmacy
    - name: vip_client
      match:
        sender_domain: important-client.com
      route: agent
      profile: vip_handler
    - name: urgent_emails
      match:
        subject_contains: URGENT
      route: agent
      profile: urgent_handler
    - name: specific_sender
      match:
        sender_email: ceo@company.com
      route: agent
      profile: exec_handler
    - name: default
      match:
        all: true
      route: pipeline
agent:
  profiles:
    pharmacy: {model: gemini/gemini-2.5-pro, tools: [search_drugs, escalate]}
    vip_handler: {tools: [create_draft]}
    urgent_handler: {tools: [escalate]}
    exec_handler: {tools: [create_draft]}
"""


def router() -> Router:
    data = yaml.safe_load(V2_ROUTING)
    routing = RoutingSettings.model_validate(data["routing"])
    agent = AgentSettings.model_validate(data["agent"])
    return Router(routing.rules, profiles=agent.profiles)


def route(sender: str, subject: str = "Hello", body: str = "", **headers: str) -> tuple:
    facts = MailFacts(sender_email=sender, subject=subject, headers=headers, body=body)
    result = router().route(facts)
    return result.route, result.profile, result.rule_name


def test_v2_example_is_accepted_as_is() -> None:
    r = router()
    assert r.problems == []
    assert r.routes_to_agent


def test_forwarded_from_by_sender_header_reply_to_and_body() -> None:
    expected = ("agent", "pharmacy", "pharmacy_support")
    assert route("info@pharmacy.cz", "Drug inquiry") == expected
    assert route("fwd@crisp.io", **{"X-Forwarded-From": "info@pharmacy.cz"}) == expected
    assert route("fwd@crisp.io", **{"Reply-To": "Pharmacy <info@pharmacy.cz>"}) == expected
    body = "Some text\nFrom: Patient Name <info@pharmacy.cz>\nMessage body"
    assert route("fwd@crisp.io", body=body) == expected
    # An address merely mentioned in the text is not a forward.
    assert route("fwd@crisp.io", body="write to info@pharmacy.cz")[0] == "pipeline"


def test_domain_subject_and_sender_conditions() -> None:
    assert route("vip@Important-Client.COM".lower())[1] == "vip_handler"
    assert route("a@eu.important-client.com")[1] == "vip_handler"  # subdomain
    assert route("a@notimportant-client.com")[1] is None
    assert route("someone@random.com", "this is urgent!")[1] == "urgent_handler"
    assert route("ceo@company.com")[1] == "exec_handler"


def test_first_match_wins_and_default_is_pipeline() -> None:
    assert route("info@pharmacy.cz", "URGENT drug query")[2] == "pharmacy_support"
    assert route("random@random.com") == ("pipeline", None, "default")
    empty = Router([], profiles={}).route(MailFacts(sender_email="x@y.z"))
    assert (empty.route, empty.rule_name) == ("pipeline", "default_fallback")


def test_all_conditions_of_a_rule_must_hold_and_header_match_is_a_regex() -> None:
    routing = RoutingSettings.model_validate(
        {
            "rules": [
                {
                    "name": "helpdesk",
                    "match": {
                        "sender_domain": "crisp.io",
                        "header_match": {"X-Crisp-Website": "^shop-\\d+$"},
                    },
                    "route": "agent",
                    "profile": "p",
                }
            ]
        }
    )
    r = Router(routing.rules, profiles={"p"})
    hit = MailFacts(sender_email="a@crisp.io", headers={"x-crisp-website": "shop-12"})
    miss = MailFacts(sender_email="a@crisp.io", headers={"X-Crisp-Website": "blog"})
    other = MailFacts(sender_email="a@other.io", headers={"X-Crisp-Website": "shop-12"})
    assert r.route(hit).profile == "p"
    assert r.route(miss).route == r.route(other).route == "pipeline"


def test_unreadable_rules_never_match_and_are_reported() -> None:
    routing = RoutingSettings.model_validate(
        {
            "rules": [
                {
                    "name": "typo",
                    "match": {"sender_emial": "a@b.c"},
                    "route": "agent",
                    "profile": "p",
                },
                {
                    "name": "regex",
                    "match": {"header_match": {"X": "("}},
                    "route": "agent",
                    "profile": "p",
                },
                {"name": "ghost", "match": {"all": True}, "route": "agent", "profile": "nope"},
            ]
        }
    )
    r = Router(routing.rules, profiles={"p"})
    assert len(r.problems) == 3 and not r.routes_to_agent
    assert r.route(MailFacts(sender_email="a@b.c", headers={"X": "("})).route == "pipeline"
