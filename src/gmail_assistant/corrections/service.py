"""Corrections derived from `email_events`, and the figures built on them.

| event                    | example                                                        |
|--------------------------|----------------------------------------------------------------|
| manual_draft_requested   | the owner put Needs Response on a mail: `reclassify` when the   |
|                          | model had said otherwise, else `manual_draft`                  |
| rework_requested         | `rework`, with the owner's instruction                         |
| owner_reclassified       | `reclassify`: the owner put another category label on the mail |
|                          | (sync records it; the assistant's own label changes never)     |
| sent_detected with score | `sent_edited` (some of the draft changed) or `sent_unchanged`  |

`predicted` is the model's category at the time (the classification the owner corrected, or
the latest classify event before the correction); `corrected` is the owner's: the category
label they moved the mail to, or needs_response for a draft asked for, reworked or sent.
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gmail_assistant.db.models import Email, EmailEvent
from gmail_assistant.events import EventType
from gmail_assistant.gmail.addresses import SHARED_MAIL_DOMAINS
from gmail_assistant.labels import CATEGORIES

__all__ = [
    "Correction",
    "CorrectionKind",
    "CorrectionsHealth",
    "OverrideSuggestion",
    "WeekAcceptance",
    "accuracy",
    "examples",
    "health",
    "labelled_pairs",
    "override_suggestions",
    "weekly_acceptance",
]

# A correction this often for one sender (or one domain) is worth a contact override.
SUGGEST_AFTER = 2
_CLASSIFY_EVENTS = (EventType.CLASSIFIED, EventType.RECLASSIFIED)
_CORRECTION_EVENTS = (
    EventType.MANUAL_DRAFT_REQUESTED,
    EventType.REWORK_REQUESTED,
    EventType.SENT_DETECTED,
    EventType.OWNER_RECLASSIFIED,
)
_WAS = re.compile(r"\(was (\w+)\)")
_MOVED_TO = re.compile(r"moved the thread to (\w+)")
_REWORK = re.compile(r"^rework \d+/\d+: ")


class CorrectionKind(enum.StrEnum):
    RECLASSIFY = "reclassify"
    MANUAL_DRAFT = "manual_draft"
    REWORK = "rework"
    SENT_EDITED = "sent_edited"
    SENT_UNCHANGED = "sent_unchanged"


@dataclass(frozen=True)
class Correction:
    kind: CorrectionKind
    at: datetime
    user_id: int
    email_id: int
    thread_id: str
    message_id: str
    subject: str
    sender_email: str
    predicted: str | None  # the model's category; None when it never classified the mail
    corrected: str  # the owner's category
    similarity: float | None = None  # sent drafts: how much of our text survived
    instruction: str | None = None  # rework: what the owner asked for

    @property
    def sender_domain(self) -> str:
        return self.sender_email.rpartition("@")[2].lower()


@dataclass(frozen=True)
class OverrideSuggestion:
    scope: str  # "sender" | "domain"
    key: str
    category: str
    count: int


@dataclass(frozen=True)
class WeekAcceptance:
    week: date  # the Monday
    sent: int
    mean_similarity: float
    unchanged_share: float


async def examples(
    session: AsyncSession, *, user_id: int | None = None, since: datetime | None = None
) -> list[Correction]:
    """Every correction (of one user, or all), oldest first."""
    query = (
        select(EmailEvent, Email)
        .join(Email, Email.id == EmailEvent.email_id)
        .where(EmailEvent.event_type.in_(_CORRECTION_EVENTS))
        .order_by(EmailEvent.created_at, EmailEvent.id)
    )
    if user_id is not None:
        query = query.where(EmailEvent.user_id == user_id)
    if since is not None:
        query = query.where(EmailEvent.created_at >= since)
    rows = (await session.execute(query)).all()
    if not rows:
        return []
    history = await _classifications(session, {email.id for _, email in rows})
    found = []
    for event, email in rows:
        example = _example(event, email, history.get(email.id, []))
        if example is not None:
            found.append(example)
    return found


_History = list[tuple[datetime, int, str]]  # (when, event id, category), in order


async def _classifications(session: AsyncSession, email_ids: set[int]) -> dict[int, _History]:
    """email id → its classify events."""
    result = await session.execute(
        select(EmailEvent.email_id, EmailEvent.created_at, EmailEvent.id, EmailEvent.detail)
        .where(EmailEvent.email_id.in_(email_ids), EmailEvent.event_type.in_(_CLASSIFY_EVENTS))
        .order_by(EmailEvent.created_at, EmailEvent.id)
    )
    history: dict[int, _History] = defaultdict(list)
    for email_id, created_at, event_id, detail in result:
        category = (detail or "").split(" ", 1)[0]
        if email_id is not None and category in CATEGORIES:
            history[email_id].append((created_at, event_id, category))
    return history


def _example(event: EmailEvent, email: Email, history: _History) -> Correction | None:
    before = [c for at, i, c in history if (at, i) < (event.created_at, event.id)]
    predicted = before[-1] if before else None
    detail = event.detail or ""
    similarity = None
    instruction = None
    corrected = "needs_response"
    if event.event_type == EventType.OWNER_RECLASSIFIED:
        moved = _MOVED_TO.search(detail)
        if moved is None or moved.group(1) not in CATEGORIES:
            return None
        corrected = moved.group(1)
        was = _WAS.search(detail)
        if predicted is None and was and was.group(1) in CATEGORIES:
            predicted = was.group(1)  # classified by no model call (an agent, say)
        kind = CorrectionKind.RECLASSIFY
    elif event.event_type == EventType.MANUAL_DRAFT_REQUESTED:
        was = _WAS.search(detail)
        if was and was.group(1) in CATEGORIES:
            predicted = was.group(1)
        kind = (
            CorrectionKind.RECLASSIFY
            if predicted not in (None, "needs_response")
            else CorrectionKind.MANUAL_DRAFT
        )
    elif event.event_type == EventType.REWORK_REQUESTED:
        kind = CorrectionKind.REWORK
        instruction = _REWORK.sub("", detail)
    else:
        if email.draft_similarity is None:
            return None  # the draft was deleted, nothing sent: no score to learn from
        similarity = email.draft_similarity
        kind = CorrectionKind.SENT_UNCHANGED if similarity >= 1.0 else CorrectionKind.SENT_EDITED
    return Correction(
        kind=kind,
        at=event.created_at,
        user_id=email.user_id,
        email_id=email.id,
        thread_id=email.gmail_thread_id,
        message_id=email.last_message_id or email.gmail_message_id,
        subject=email.subject or "",
        sender_email=email.sender_email.lower(),
        predicted=predicted,
        corrected=corrected,
        similarity=similarity,
        instruction=instruction,
    )


def labelled_pairs(found: Iterable[Correction]) -> list[tuple[str, str]]:
    """(owner's category, model's category), once per email: its latest correction decides."""
    latest: dict[int, Correction] = {}
    for example in found:
        latest[example.email_id] = example
    return [(c.corrected, c.predicted) for c in latest.values() if c.predicted is not None]


def accuracy(pairs: Sequence[tuple[str, str]]) -> float | None:
    return sum(e == p for e, p in pairs) / len(pairs) if pairs else None


def override_suggestions(found: Iterable[Correction]) -> list[OverrideSuggestion]:
    """Senders (and domains, across senders) the owner reclassified the same way repeatedly."""
    by_sender: dict[tuple[str, str], set[int]] = defaultdict(set)
    for example in found:
        if example.kind is CorrectionKind.RECLASSIFY and example.predicted != example.corrected:
            by_sender[(example.sender_email, example.corrected)].add(example.email_id)
    suggestions = [
        OverrideSuggestion("sender", sender, category, len(ids))
        for (sender, category), ids in by_sender.items()
        if len(ids) >= SUGGEST_AFTER
    ]
    by_domain: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (sender, category), ids in by_sender.items():
        domain = sender.rpartition("@")[2]
        if domain and domain not in SHARED_MAIL_DOMAINS:
            by_domain[(domain, category)][sender] = len(ids)
    suggestions += [
        OverrideSuggestion("domain", domain, category, sum(senders.values()))
        for (domain, category), senders in by_domain.items()
        if len(senders) >= SUGGEST_AFTER  # one sender alone is the sender suggestion
    ]
    return sorted(suggestions, key=lambda s: (-s.count, s.scope, s.key))


def weekly_acceptance(found: Iterable[Correction]) -> list[WeekAcceptance]:
    """Per week (oldest first): drafts sent, their mean similarity, the share sent unchanged."""
    weeks: dict[date, list[float]] = defaultdict(list)
    for example in found:
        if example.similarity is not None:
            day = example.at.date()
            weeks[day - timedelta(days=day.weekday())].append(example.similarity)
    return [
        WeekAcceptance(
            week=week,
            sent=len(scores),
            mean_similarity=sum(scores) / len(scores),
            unchanged_share=sum(s >= 1.0 for s in scores) / len(scores),
        )
        for week, scores in sorted(weeks.items())
    ]


@dataclass(frozen=True)
class CorrectionsHealth:
    """The health page's section: accuracy over the last 30 days, acceptance per week."""

    accuracy: float | None
    labelled: int  # mails the accuracy is over
    corrections: int
    weeks: list[WeekAcceptance]
    suggestions: list[OverrideSuggestion]


ACCURACY_DAYS = 30
TREND_WEEKS = 8


async def health(session: AsyncSession, *, now: datetime) -> CorrectionsHealth:
    found = await examples(session, since=now - timedelta(weeks=TREND_WEEKS))
    recent = [c for c in found if c.at >= now - timedelta(days=ACCURACY_DAYS)]
    pairs = labelled_pairs(recent)
    return CorrectionsHealth(
        accuracy=accuracy(pairs),
        labelled=len(pairs),
        corrections=len(recent),
        weeks=weekly_acceptance(found),
        suggestions=override_suggestions(found),
    )
