"""The agent flow: routing rules for sync, and the `agent_process` handler."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from gmail_assistant.agent.handler import AgentHandler
from gmail_assistant.agent.loop import AgentLlm
from gmail_assistant.agent.profiles import Profile, resolve_profiles
from gmail_assistant.agent.routing import Router, route_messages
from gmail_assistant.flows.deps import FlowDeps
from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.jobs import HandlerRegistry, names
from gmail_assistant.settings import Settings
from gmail_assistant.sync.rules import PlannedJob
from gmail_assistant.sync.service import Route

__all__ = ["AgentRouting", "agent_routing", "register_agent"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgentRouting:
    router: Router
    profiles: dict[str, Profile]
    # For sync: None when no rule routes to an agent (every mail is classified).
    route: Route | None
    # Configuration problems (unknown tools, rules naming no profile …), already logged.
    problems: tuple[str, ...]


def agent_routing(settings: Settings) -> AgentRouting:
    # A relative system_prompt_file is read from the working directory, as in v2.3.0.
    profiles = resolve_profiles(settings.agent, agent_model=settings.llm.agent_model)
    router = Router(settings.routing.rules, profiles=profiles)
    problems = (*router.problems, *(p for profile in profiles.values() for p in profile.problems))
    for problem in problems:
        log.warning(problem)

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

    return AgentRouting(
        router=router,
        profiles=profiles,
        route=route if router.routes_to_agent else None,
        problems=problems,
    )


def register_agent(
    registry: HandlerRegistry,
    routing: AgentRouting,
    *,
    settings: Settings,
    deps: FlowDeps,
    llm: AgentLlm,
) -> None:
    registry.register(
        names.AGENT_PROCESS,
        AgentHandler(
            deps=deps,
            llm=llm,
            profiles=routing.profiles,
            search_max_results=settings.agent.search_max_results,
        ),
        scope="thread",
    )
