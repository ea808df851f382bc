"""One settings class for the whole service.

Sources, strongest first: keyword arguments, `GMA_*` environment variables, `config/app.yml`.
Environment variables map onto sections by their first word: `GMA_SERVER_WORKER_CONCURRENCY`
is `server.worker_concurrency`, `GMA_DB_SQLITE_PATH` is `db.sqlite_path`. Every check runs at
start, and a failure names the variable (`SettingsError`), never later inside a job.

`config/app.yml` may be v2.3.0's: its `database:` section is `db:`, its top-level
`sentry_dsn` is `sentry.dsn`, `auth.service_account_file` is the key file of
`service_account` mode, and its `routing:` and `agent:` sections are kept for the agent flow.
A key the file has and these settings do not use is named in one warning at start, never
dropped silently (the v2.3.0 keys this version does not use are named with the reason).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "AgentSettings",
    "AuthSettings",
    "BackupSettings",
    "DatabaseSettings",
    "GmailSettings",
    "HttpToolSettings",
    "LlmSettings",
    "RoutingSettings",
    "ServerSettings",
    "Settings",
    "SettingsError",
    "SyncSettings",
    "load_settings",
    "read_config_file",
]

log = logging.getLogger(__name__)

DEFAULT_CONFIG_FILE = Path("config/app.yml")
GOOGLE_GMAIL_ENDPOINT = "https://gmail.googleapis.com"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(ValueError):
    """A setting is wrong; the message names the environment variable."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSettings(_Section):
    host: str = "0.0.0.0"
    port: int = Field(8000, ge=1, le=65535)
    log_level: str = "INFO"
    worker_concurrency: int = Field(3, ge=1, le=64)
    admin_user: str = ""
    admin_password: str = ""
    shutdown_grace_seconds: float = Field(20.0, ge=0)
    scheduler_enabled: bool = True
    workers_enabled: bool = True

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> str:
        level = str(value).upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
        return level

    @property
    def basic_auth_enabled(self) -> bool:
        return bool(self.admin_user and self.admin_password)


class DatabaseSettings(_Section):
    backend: Literal["sqlite", "postgresql"] = "sqlite"
    sqlite_path: Path = Path("data/inbox.db")
    postgresql_url: str = ""
    pool_size: int = Field(10, ge=1, le=100)

    def sqlalchemy_url(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite+aiosqlite:///{self.sqlite_path}"
        url = self.postgresql_url
        for prefix in ("postgresql://", "postgres://", "postgresql+psycopg://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        return url


class AuthSettings(_Section):
    mode: Literal["personal_oauth", "service_account"] = "personal_oauth"
    credentials_file: Path = Path("config/credentials.json")
    token_file: Path = Path("config/token.json")
    # Where a refreshed token may be kept across restarts; never the read-only config mount.
    token_cache_file: Path | None = None
    # service_account mode: the Workspace user to impersonate (domain-wide delegation).
    subject: str = ""


class LlmSettings(_Section):
    classify_model: str = "gemini/gemini-2.0-flash"
    draft_model: str = "gemini/gemini-2.5-pro"
    # Reserved: v2.3.0 configs set it; the classify call proposes the related-mail queries.
    context_model: str = "gemini/gemini-2.0-flash"
    agent_model: str = "gemini/gemini-2.5-pro"
    api_base: str = ""
    timeout_seconds: float = Field(60.0, gt=0)
    max_retries: int = Field(3, ge=0, le=10)
    max_concurrency_per_model: int = Field(8, ge=1, le=64)


class SyncSettings(_Section):
    pubsub_topic: str = ""
    fallback_interval_minutes: float = Field(15, gt=0)
    full_sync_interval_hours: float = Field(1, gt=0)
    full_sync_days: int = Field(10, ge=1, le=365)
    watch_renewal_hours: float = Field(24, gt=0)


class GmailSettings(_Section):
    api_endpoint: str = GOOGLE_GMAIL_ENDPOINT
    quota_units_per_second: float = Field(250, gt=0)
    max_retries: int = Field(5, ge=0, le=20)


class WebhookSettings(_Section):
    # Shared secret expected as `?token=` on the push URL.
    token: str = ""
    # Pub/Sub OIDC verification: audience of the push subscription and the signing account.
    audience: str = ""
    service_account: str = ""
    certs_url: str = "https://www.googleapis.com/oauth2/v1/certs"

    @property
    def auth_configured(self) -> bool:
        return bool(self.token or self.audience)


class SentrySettings(_Section):
    dsn: str = ""


class JobsSettings(_Section):
    max_attempts: int = Field(5, ge=1, le=50)
    lease_seconds: float = Field(60, gt=1)
    poll_interval_seconds: float = Field(2.0, gt=0)
    retention_days: float = Field(7, gt=0)


class BackupSettings(_Section):
    """Scheduled copies of the SQLite database (PostgreSQL is pg_dump's job)."""

    enabled: bool = True
    interval_hours: float = Field(24, gt=0)
    keep: int = Field(7, ge=1)
    dir: Path | None = None  # default: `backups/` next to the database
    # An S3-compatible bucket each copy is uploaded to; off while `s3_bucket` is empty.
    s3_endpoint: str = ""
    s3_bucket: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = Field("", repr=False)
    s3_region: str = "us-east-1"
    s3_prefix: str = ""


class _Loose(BaseModel):
    """Kept as written (unknown keys included) for a flow that is not built yet."""

    model_config = ConfigDict(extra="allow", frozen=True)


class RoutingRule(_Loose):
    name: str = ""
    match: dict[str, Any] = Field(default_factory=dict)
    route: Literal["pipeline", "agent"] = "pipeline"
    profile: str | None = None


class RoutingSettings(_Section):
    """v2.3.0's `routing:`: which mail goes to the classic pipeline, which to an agent."""

    rules: tuple[RoutingRule, ...] = ()


class AgentProfile(_Loose):
    model: str = ""  # empty: llm.agent_model
    max_tokens: int = Field(4096, ge=1)
    temperature: float = Field(0.3, ge=0, le=2)
    max_iterations: int = Field(10, ge=1, le=100)
    system_prompt_file: Path | None = None
    tools: tuple[str, ...] = ()
    preprocessor: str = "default"  # or "crisp" (helpdesk forwards)


class HttpToolSettings(_Section):
    """An `http` tool: the model's arguments go to a service as JSON (or the query string)."""

    kind: Literal["http"] = "http"
    description: str = ""
    url: str
    method: Literal["GET", "POST", "PUT", "PATCH"] = "POST"
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    timeout_seconds: float = Field(10.0, gt=0, le=120)
    auth_header: str = "Authorization"
    auth_env: str = ""  # the environment variable holding the header's value
    # The owner's word that the service only reads (a lookup, a search): `debug-agent` then
    # calls it for real. GET tools only; every other tool a dry run only notes.
    read_only: bool = False

    @model_validator(mode="after")
    def _read_only_is_get(self) -> HttpToolSettings:
        if self.read_only and self.method != "GET":
            raise ValueError(
                f"read_only: true is for GET tools only (this one is {self.method}); "
                "a dry run never calls a tool that sends a body"
            )
        return self


class AgentSettings(_Section):
    """v2.3.0's `agent:`: the profiles routing rules may name, plus this version's `http`
    tools and the per-run caps."""

    profiles: dict[str, AgentProfile] = Field(default_factory=dict)
    tools: dict[str, HttpToolSettings] = Field(default_factory=dict)
    max_tool_calls: int = Field(20, ge=1, le=200)
    max_tokens_per_run: int = Field(60_000, ge=1)
    max_cost_usd_per_run: float = Field(0.50, ge=0)
    run_timeout_seconds: float = Field(300.0, gt=0)
    tool_timeout_seconds: float = Field(20.0, gt=0)
    search_max_results: int = Field(10, ge=1, le=50)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="GMA_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="ignore",
        frozen=True,
    )

    environment: Literal["development", "production"] = "development"
    server: ServerSettings = ServerSettings()
    db: DatabaseSettings = DatabaseSettings()
    auth: AuthSettings = AuthSettings()
    llm: LlmSettings = LlmSettings()
    sync: SyncSettings = SyncSettings()
    gmail: GmailSettings = GmailSettings()
    webhook: WebhookSettings = WebhookSettings()
    sentry: SentrySettings = SentrySettings()
    jobs: JobsSettings = JobsSettings()
    backup: BackupSettings = BackupSettings()
    routing: RoutingSettings = RoutingSettings()
    agent: AgentSettings = AgentSettings()

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        data, _notes = read_config_file(config_file())
        if data:
            sources.append(InitSettingsSource(settings_cls, init_kwargs=data))
        return tuple(sources)


def config_file() -> Path:
    return Path(os.environ.get("GMA_CONFIG_FILE", DEFAULT_CONFIG_FILE))


# v2.3.0 keys this version reads differently or not at all, with what becomes of them.
_V2_UNUSED = {
    ("server", "webhook_secret"): "not checked by v2.3.0 either; set webhook.token "
    "(GMA_WEBHOOK_TOKEN) to require ?token= on the push URL",
    ("llm", "max_classify_tokens"): "this version sets each call's token limit itself",
    ("llm", "max_draft_tokens"): "this version sets each call's token limit itself",
    ("llm", "max_context_tokens"): "this version sets each call's token limit itself",
    ("sync", "history_max_results"): "this version pages through history by itself",
}


def _section_fields(name: str) -> set[str] | None:
    field = Settings.model_fields.get(name)
    annotation = field.annotation if field else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return set(annotation.model_fields)
    return None


def read_config_file(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The file's settings in this version's layout, and a note for every key left out."""
    if not path.is_file():
        return {}, []
    import yaml  # only when there is a file to read

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SettingsError(f"GMA_CONFIG_FILE: {path}: cannot read: {exc}") from None
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        raise SettingsError(f"GMA_CONFIG_FILE: {path}: expected a mapping at the top")
    notes: list[str] = []
    raw = dict(raw)
    if isinstance(raw.get("database"), dict):  # v2.3.0's name for `db:`
        raw["db"] = {**raw.pop("database"), **(raw.get("db") or {})}
    if "sentry_dsn" in raw:  # v2.3.0 kept it at the top
        raw["sentry"] = {"dsn": raw.pop("sentry_dsn"), **(raw.get("sentry") or {})}
    auth = raw.get("auth")
    if isinstance(auth, dict):
        auth = raw["auth"] = dict(auth)
        key_file = auth.pop("service_account_file", None)
        if key_file and auth.get("mode") == "service_account":
            auth.setdefault("credentials_file", key_file)
        scopes = auth.pop("scopes", None)
        if scopes and list(scopes) != ["https://www.googleapis.com/auth/gmail.modify"]:
            notes.append(f"{path}: auth.scopes ignored: this version asks for gmail.modify only")
    data: dict[str, Any] = {}
    for name, value in raw.items():
        fields = _section_fields(str(name))
        if name not in Settings.model_fields:
            notes.append(f"{path}: unknown key {name!r} ignored")
        elif fields is None or not isinstance(value, dict):
            data[name] = value  # a plain field, or a wrong type pydantic will name
        else:
            data[name] = {k: v for k, v in value.items() if k in fields}
            for key in value.keys() - fields:
                reason = _V2_UNUSED.get((name, key), "unknown key")
                notes.append(f"{path}: {name}.{key} ignored ({reason})")
    return data, sorted(notes)


_warned: set[str] = set()


def _warn_once(note: str) -> None:
    if note not in _warned:
        _warned.add(note)
        log.warning(note)


def _env_name(loc: tuple[Any, ...]) -> str:
    return "GMA_" + "_".join(str(part) for part in loc if not isinstance(part, int)).upper()


def _check(settings: Settings) -> None:
    """Cross-field checks that pydantic cannot express per field."""
    db = settings.db
    if db.backend == "postgresql" and not db.postgresql_url:
        raise SettingsError("GMA_DB_POSTGRESQL_URL: required when GMA_DB_BACKEND=postgresql")
    if db.backend == "sqlite":
        folder = db.sqlite_path.expanduser().resolve().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingsError(
                f"GMA_DB_SQLITE_PATH: cannot create folder {folder}: {exc.strerror}"
            ) from exc
        if not os.access(folder, os.W_OK):
            raise SettingsError(f"GMA_DB_SQLITE_PATH: folder {folder} is not writable")
    backup = settings.backup
    if backup.s3_bucket:
        for name in ("s3_endpoint", "s3_access_key_id", "s3_secret_access_key"):
            if not getattr(backup, name):
                raise SettingsError(
                    f"GMA_BACKUP_{name.upper()}: required when GMA_BACKUP_S3_BUCKET is set"
                )
    # No admin credentials in production is not an error here: the pod must start with only
    # the documented secrets. The app keeps its data surfaces closed instead (web/auth.py).


def load_settings(**overrides: Any) -> Settings:
    """Build and validate the settings; raise `SettingsError` naming the bad variable."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise SettingsError(f"{_env_name(error['loc'])}: {error['msg']}") from None
    _check(settings)
    for note in read_config_file(config_file())[1]:
        _warn_once(note)
    _check_routing(settings)
    return settings


def _check_routing(settings: Settings) -> None:
    profiles = settings.agent.profiles
    for rule in settings.routing.rules:
        if rule.route == "agent" and rule.profile not in profiles:
            _warn_once(
                f"routing rule {rule.name!r} names agent profile {rule.profile!r}, "
                f"which agent.profiles does not define"
            )
