"""The read-only admin at `/admin/` (SQLAdmin): one view per table, newest rows first.

Nothing here writes: every view refuses create, edit, delete, export and import (SQLAdmin
answers 403). Emails link to their debug page, where the story of a thread is told in full.
"""

from __future__ import annotations

from typing import Any, ClassVar

from markupsafe import Markup, escape
from sqladmin import Admin, ModelView
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from gmail_assistant.db.models import (
    AgentRun,
    Email,
    EmailEvent,
    Job,
    LlmCall,
    OwnWrite,
    PaymentRequest,
    SchedulerTick,
    SyncState,
    User,
    UserLabel,
    UserSetting,
)

__all__ = ["VIEWS", "mount_admin"]


class ReadOnlyView(ModelView):
    can_create = False
    can_edit = False
    can_delete = False
    can_export = False
    can_import = False
    can_view_details = True
    page_size = 50
    page_size_options: ClassVar = [25, 50, 100, 200]


def _debug_link(model: Any, attribute: Any) -> Markup:
    value = getattr(model, str(getattr(attribute, "key", attribute)), None)
    label = escape(value if value not in (None, "") else f"#{model.id}")
    return Markup(f'<a href="/debug/emails/{int(model.id)}">{label}</a>')


def _short(limit: int) -> Any:
    def format_(model: Any, attribute: Any) -> str:
        value = getattr(model, str(getattr(attribute, "key", attribute)), None)
        text = "" if value is None else str(value)
        return text if len(text) <= limit else text[: limit - 1] + "…"

    return format_


def _email_link_by_id(model: Any, attribute: Any) -> Markup | str:
    email_id = getattr(model, "email_id", None)
    if email_id is None:
        return ""
    return Markup(f'<a href="/debug/emails/{int(email_id)}">{int(email_id)}</a>')


class EmailAdmin(ReadOnlyView, model=Email):
    name_plural = "Emails"
    icon = "fa-solid fa-envelope"
    column_list = (
        Email.id, Email.user_id, Email.subject, Email.sender_email, Email.classification,
        Email.status, Email.confidence, Email.rework_count, Email.received_at, Email.updated_at,
    )  # fmt: skip
    column_searchable_list = (
        Email.subject, Email.sender_email, Email.gmail_thread_id, Email.snippet,
    )  # fmt: skip
    column_sortable_list = (
        Email.id, Email.received_at, Email.updated_at, Email.status, Email.classification,
        Email.confidence,
    )  # fmt: skip
    column_default_sort = (Email.id, True)
    column_formatters: ClassVar = {Email.subject: _debug_link, Email.id: _debug_link}
    column_formatters_detail: ClassVar = {Email.id: _debug_link}


class JobAdmin(ReadOnlyView, model=Job):
    name_plural = "Jobs"
    icon = "fa-solid fa-gears"
    column_list = (
        Job.id, Job.job_type, Job.status, Job.user_id, Job.thread_id, Job.attempts,
        Job.max_attempts, Job.last_error, Job.run_after, Job.created_at, Job.finished_at,
    )  # fmt: skip
    column_searchable_list = (
        Job.job_type,
        Job.status,
        Job.thread_id,
        Job.last_error,
    )
    column_sortable_list = (
        Job.id,
        Job.created_at,
        Job.status,
        Job.job_type,
        Job.run_after,
    )
    column_default_sort = (Job.id, True)
    column_formatters: ClassVar = {Job.last_error: _short(80)}


class EmailEventAdmin(ReadOnlyView, model=EmailEvent):
    name = "Email event"
    name_plural = "Email events"
    icon = "fa-solid fa-timeline"
    column_list = (
        EmailEvent.id, EmailEvent.email_id, EmailEvent.thread_id, EmailEvent.event_type,
        EmailEvent.detail, EmailEvent.job_id, EmailEvent.created_at,
    )  # fmt: skip
    column_searchable_list = (
        EmailEvent.event_type,
        EmailEvent.thread_id,
        EmailEvent.detail,
    )
    column_sortable_list = (
        EmailEvent.id,
        EmailEvent.created_at,
        EmailEvent.event_type,
    )
    column_default_sort = (EmailEvent.id, True)
    column_formatters: ClassVar = {
        EmailEvent.email_id: _email_link_by_id,
        EmailEvent.detail: _short(80),
    }


class LlmCallAdmin(ReadOnlyView, model=LlmCall):
    name = "LLM call"
    name_plural = "LLM calls"
    icon = "fa-solid fa-robot"
    column_list = (
        LlmCall.id, LlmCall.email_id, LlmCall.purpose, LlmCall.model, LlmCall.total_tokens,
        LlmCall.latency_ms, LlmCall.cost_usd, LlmCall.error, LlmCall.created_at,
    )  # fmt: skip
    column_searchable_list = (
        LlmCall.purpose,
        LlmCall.model,
        LlmCall.thread_id,
        LlmCall.error,
    )
    column_sortable_list = (
        LlmCall.id, LlmCall.created_at, LlmCall.total_tokens, LlmCall.latency_ms,
        LlmCall.cost_usd,
    )  # fmt: skip
    column_default_sort = (LlmCall.id, True)
    column_formatters: ClassVar = {
        LlmCall.email_id: _email_link_by_id,
        LlmCall.error: _short(80),
    }


class AgentRunAdmin(ReadOnlyView, model=AgentRun):
    name = "Agent run"
    name_plural = "Agent runs"
    icon = "fa-solid fa-user-gear"
    column_list = (
        AgentRun.id, AgentRun.email_id, AgentRun.profile, AgentRun.status,
        AgentRun.iterations, AgentRun.error, AgentRun.created_at, AgentRun.finished_at,
    )  # fmt: skip
    column_searchable_list = (
        AgentRun.profile,
        AgentRun.status,
        AgentRun.thread_id,
    )
    column_sortable_list = (
        AgentRun.id,
        AgentRun.created_at,
        AgentRun.status,
    )
    column_default_sort = (AgentRun.id, True)
    column_formatters: ClassVar = {AgentRun.email_id: _email_link_by_id}


class PaymentRequestAdmin(ReadOnlyView, model=PaymentRequest):
    name = "Payment request"
    name_plural = "Payment requests"
    icon = "fa-solid fa-file-invoice-dollar"
    column_list = (
        PaymentRequest.id, PaymentRequest.email_id, PaymentRequest.payee, PaymentRequest.amount,
        PaymentRequest.currency, PaymentRequest.due_date, PaymentRequest.variable_symbol,
        PaymentRequest.account_display, PaymentRequest.account_changed,
        PaymentRequest.previous_iban, PaymentRequest.created_at,
    )  # fmt: skip
    column_searchable_list = (
        PaymentRequest.payee,
        PaymentRequest.payee_key,
        PaymentRequest.account_iban,
        PaymentRequest.variable_symbol,
    )
    column_sortable_list = (
        PaymentRequest.id,
        PaymentRequest.created_at,
        PaymentRequest.account_changed,
    )
    column_default_sort = (PaymentRequest.id, True)
    column_formatters: ClassVar = {PaymentRequest.email_id: _email_link_by_id}


class UserAdmin(ReadOnlyView, model=User):
    name_plural = "Users"
    icon = "fa-solid fa-user"
    column_list = (
        User.id, User.email, User.display_name, User.is_active, User.onboarded_at,
        User.created_at,
    )  # fmt: skip
    column_searchable_list = (
        User.email,
        User.display_name,
    )
    column_sortable_list = (
        User.id,
        User.email,
        User.created_at,
    )
    column_default_sort = (User.id, True)


class UserLabelAdmin(ReadOnlyView, model=UserLabel):
    name = "User label"
    name_plural = "User labels"
    icon = "fa-solid fa-tag"
    column_list = (
        UserLabel.id, UserLabel.user_id, UserLabel.label_key, UserLabel.gmail_label_id,
        UserLabel.gmail_label_name,
    )  # fmt: skip
    column_searchable_list = (
        UserLabel.label_key,
        UserLabel.gmail_label_name,
    )
    column_sortable_list = (
        UserLabel.id,
        UserLabel.user_id,
        UserLabel.label_key,
    )
    column_default_sort = (UserLabel.id, True)


class UserSettingAdmin(ReadOnlyView, model=UserSetting):
    name = "User setting"
    name_plural = "User settings"
    icon = "fa-solid fa-sliders"
    column_list = (
        UserSetting.id, UserSetting.user_id, UserSetting.key, UserSetting.value,
        UserSetting.updated_at,
    )  # fmt: skip
    column_searchable_list = (UserSetting.key,)
    column_sortable_list = (
        UserSetting.id,
        UserSetting.key,
        UserSetting.updated_at,
    )
    column_default_sort = (UserSetting.id, True)
    column_formatters: ClassVar = {UserSetting.value: _short(120)}


class SyncStateAdmin(ReadOnlyView, model=SyncState):
    name = "Sync state"
    name_plural = "Sync state"
    icon = "fa-solid fa-rotate"
    column_list = (
        SyncState.user_id, SyncState.last_history_id, SyncState.last_sync_at,
        SyncState.last_full_sync_at, SyncState.last_push_at, SyncState.watch_expiration,
    )  # fmt: skip
    column_sortable_list = (
        SyncState.user_id,
        SyncState.last_sync_at,
    )
    column_default_sort = (SyncState.user_id, True)


class SchedulerTickAdmin(ReadOnlyView, model=SchedulerTick):
    name = "Scheduler tick"
    name_plural = "Scheduler ticks"
    icon = "fa-solid fa-clock"
    column_list = (
        SchedulerTick.task, SchedulerTick.period, SchedulerTick.claimed_by,
        SchedulerTick.claimed_at,
    )  # fmt: skip
    column_searchable_list = (
        SchedulerTick.task,
        SchedulerTick.claimed_by,
    )
    column_sortable_list = (
        SchedulerTick.task,
        SchedulerTick.claimed_at,
    )
    column_default_sort = (SchedulerTick.claimed_at, True)


class OwnWriteAdmin(ReadOnlyView, model=OwnWrite):
    name = "Own write"
    name_plural = "Own writes"
    icon = "fa-solid fa-pen"
    column_list = (
        OwnWrite.id, OwnWrite.user_id, OwnWrite.thread_id, OwnWrite.action, OwnWrite.label_id,
        OwnWrite.created_at,
    )  # fmt: skip
    column_searchable_list = (OwnWrite.thread_id, OwnWrite.action)
    column_sortable_list = (OwnWrite.id, OwnWrite.created_at)
    column_default_sort = (OwnWrite.id, True)


# The order of the menu: what an operator looks at first.
VIEWS: tuple[type[ReadOnlyView], ...] = (
    EmailAdmin,
    JobAdmin,
    EmailEventAdmin,
    LlmCallAdmin,
    AgentRunAdmin,
    PaymentRequestAdmin,
    UserAdmin,
    UserLabelAdmin,
    UserSettingAdmin,
    SyncStateAdmin,
    SchedulerTickAdmin,
    OwnWriteAdmin,
)


def mount_admin(app: Starlette, engine: AsyncEngine) -> Admin:
    """Mount the admin at `/admin`. Basic Auth (when on) guards it like the rest."""
    admin = Admin(app, engine=engine, base_url="/admin", title="Gmail Assistant admin")
    for view in VIEWS:
        admin.add_view(view)
    return admin
