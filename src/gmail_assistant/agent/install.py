"""`install_agent(container, deps, llm)`: routing in sync, the `agent_process` handler, and
the configuration problems as startup warnings (logged, and shown on the health pages)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from gmail_assistant.agent.handler import AgentHandler
from gmail_assistant.agent.loop import AgentLlm
from gmail_assistant.agent.profiles import resolve_profiles
from gmail_assistant.agent.routing import Router, route_messages
from gmail_assistant.flows.deps import FlowDeps
from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.jobs import names
from gmail_assistant.sync.install import components_of
from gmail_assistant.sync.rules import PlannedJob

if TYPE_CHECKING:
    from gmail_assistant.container import Container

__all__ = ["STARTUP_WARNINGS", "install_agent"]

log = logging.getLogger(__name__)
STARTUP_WARNINGS = "startup_warnings"  # container.extras key: list of str


def install_agent(container: Container, deps: FlowDeps, llm: AgentLlm) -> Router:
    settings = container.settings
    # A relative system_prompt_file is read from the working directory, as in v2.3.0.
    profiles = resolve_profiles(settings.agent, agent_model=settings.llm.agent_model)
    router = Router(settings.routing.rules, profiles=profiles)
    problems = [*router.problems, *(p for profile in profiles.values() for p in profile.problems)]
    warnings = container.extras.setdefault(STARTUP_WARNINGS, [])
    for problem in problems:
        log.warning(problem)
        warnings.append(problem)

    async def route(gmail: GmailApi, message_ids: list[str]) -> dict[str, PlannedJob]:
        routes = await route_messages(router, gmail, message_ids)
        return {
            message_id: PlannedJob(
                names.AGENT_PROCESS,
                "",
                {"message_id": message_id, "profile": r.profile, "rule": r.rule_name},
            )
            for message_id, r in routes.items()
        }

    if router.routes_to_agent:
        components_of(container).sync.route = route
    container.registry.register(
        names.AGENT_PROCESS,
        AgentHandler(
            deps=deps,
            llm=llm,
            profiles=profiles,
            search_max_results=settings.agent.search_max_results,
        ),
        scope="thread",
    )
    container.extras["agent"] = profiles
    return router
