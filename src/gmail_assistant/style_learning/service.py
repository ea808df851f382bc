"""`StyleLearner`: sample the sent replies, derive the traits, ask the model once, propose.

`learn_for` runs it for one user: without `apply` nothing changes; with it the changed
settings rows are written and the stored proposal, if any, is dropped. `propose_for_all` is
the monthly run: it never writes the owner's styles, it stores the proposal (summary and
diff) as the `style_proposal` row, where the health page and the settings API show it.
Nothing keeps a sent body: the rows hold the derived style and one-sentence examples.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from gmail_assistant.db import utcnow
from gmail_assistant.gmail.api import GmailApi
from gmail_assistant.llm.port import LlmApi
from gmail_assistant.llm.records import CallContext
from gmail_assistant.style_learning.model_pass import ModelAdvice, StyleModelPass
from gmail_assistant.style_learning.profile import StyleProfile, build_profile
from gmail_assistant.style_learning.proposal import Proposal, propose, render_diff
from gmail_assistant.style_learning.sample import DEFAULT_LIMIT, read_sent_replies, sent_query
from gmail_assistant.users import UserRecord, UserService
from gmail_assistant.users.preferences import STYLE_PROPOSAL

__all__ = ["MONTHLY", "TASK_NAME", "LearnResult", "StyleLearner"]

# The scheduled run (`StyleLearner.propose_for_all`) only proposes: styles the owner may have
# edited by hand are never overwritten behind their back; `learn-style --apply` writes.
MONTHLY = timedelta(days=30)
TASK_NAME = "learn_style_proposals"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LearnResult:
    user: UserRecord
    query: str
    profile: StyleProfile
    advice: ModelAdvice
    proposal: Proposal
    applied: bool

    def summary(self) -> list[str]:
        profile = self.profile
        languages = ", ".join(f"{lang} {n}" for lang, n in profile.languages.items()) or "-"
        lines = [f"{self.user.email}: {profile.replies} sent replies ({self.query}); {languages}"]
        for group in profile.groups:
            lines.append(
                f"  {group.name}: {group.replies} replies, median {group.median_words} words, "
                f"{len(group.contacts)} contacts"
            )
        for found in profile.contacts:
            lines.append(f"  {found.kind} {found.key} → {found.style} ({found.replies} replies)")
        if self.advice.error:
            lines.append(f"  model pass failed ({self.advice.error}); statistics only")
        return lines

    def render(self) -> str:
        lines = self.summary()
        if not self.profile.replies:
            lines.append("no sent replies to learn from: nothing to propose")
            return "\n".join(lines) + "\n"
        lines += ["", render_diff(self.proposal).rstrip("\n")]
        if self.applied:
            lines.append(f"applied: {', '.join(self.proposal.changed)} written")
        elif not self.proposal.empty:
            lines.append("nothing was changed; run again with --apply to write these settings")
        return "\n".join(lines) + "\n"


class StyleLearner:
    def __init__(
        self,
        *,
        users: UserService,
        gmail_for: Callable[[str], GmailApi],
        llm: LlmApi,
        model: str,
        limit: int = DEFAULT_LIMIT,
    ) -> None:
        self.users = users
        self.gmail_for = gmail_for
        self.model_pass = StyleModelPass(llm=llm, model=model)
        self.limit = limit

    async def learn_for(
        self,
        user: UserRecord,
        *,
        since: date | None = None,
        apply: bool = False,
        limit: int | None = None,
    ) -> LearnResult:
        gmail = self.gmail_for(user.email)
        replies = await read_sent_replies(
            gmail, owner_email=user.email, since=since, limit=limit or self.limit
        )
        profile = build_profile(replies)
        advice = await self.model_pass.advise(
            profile, replies, owner_email=user.email, context=CallContext(user_id=user.id)
        )
        settings = await self.users.settings(user.id)
        proposal = propose(settings, profile, advice)
        applied = False
        if apply and profile.replies and not proposal.empty:
            for key in proposal.changed:
                await self.users.set_setting(user.id, key, proposal.after[key])
            applied = True
            log.info(
                "learned style applied",
                extra={
                    "user_id": user.id,
                    "replies": profile.replies,
                    "changed": list(proposal.changed),
                },
            )
        if apply:
            await self.users.delete_setting(user.id, STYLE_PROPOSAL)
        return LearnResult(user, sent_query(since), profile, advice, proposal, applied)

    async def propose_for_all(self) -> int:
        """The monthly run: a proposal per active, onboarded user; never applied. Returns
        how many proposals are waiting."""
        waiting = 0
        for user in await self.users.list(active_only=True, onboarded_only=True):
            try:
                result = await self.learn_for(user)
            except Exception as exc:  # one mailbox's failure must not stop the others
                log.warning(
                    "style learning failed",
                    extra={"user_id": user.id, "error": f"{type(exc).__name__}: {exc}"[:300]},
                )
                continue
            if result.proposal.empty or not result.profile.replies:
                await self.users.delete_setting(user.id, STYLE_PROPOSAL)
                continue
            await self.users.set_setting(
                user.id,
                STYLE_PROPOSAL,
                {
                    "created_at": utcnow().isoformat(timespec="seconds"),
                    "replies": result.profile.replies,
                    "summary": result.summary(),
                    "diff": render_diff(result.proposal),
                    "apply_with": f"gmail-assistant learn-style --user {user.email} --apply",
                },
            )
            waiting += 1
            log.info("style proposal stored", extra={"user_id": user.id})
        return waiting
