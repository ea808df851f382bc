# syntax=docker/dockerfile:1
# Gmail Assistant image: a builder stage resolves the locked dependencies with uv into a
# virtualenv; the runtime stage copies only that venv and the application code.

ARG PYTHON_IMAGE=python:3.12-slim

FROM ${PYTHON_IMAGE} AS builder

# uv from PyPI, so the build needs no registry other than PyPI and Docker Hub.
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"

ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.12

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when the lock file changes.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project

# Then the project itself, installed into the venv (not editable) so the
# `gmail-assistant` command works in the container.
COPY src/ ./src/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable


FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.source="https://github.com/landovsky/gmail-assistant" \
      org.opencontainers.image.description="Self-hosted Gmail triage and reply-draft assistant" \
      org.opencontainers.image.licenses="MIT"

# Same uid/gid as the pod securityContext (runAsUser/fsGroup 1000).
RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app

# Code and venv stay root-owned (read-only for the app); only /app/data is writable.
COPY --from=builder /app/.venv /app/.venv
COPY --from=builder /app/src /app/src
# alembic.ini is optional: the pattern may match nothing while pyproject.toml always matches.
COPY pyproject.toml alembic.ini* ./
COPY config/app.example.yml /app/config/app.example.yml
RUN mkdir -p /app/data && chown app:app /app/data

ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    GMA_DB_SQLITE_PATH=/app/data/inbox.db \
    GMA_AUTH_CREDENTIALS_FILE=/app/config/credentials.json \
    GMA_AUTH_TOKEN_FILE=/app/config/token.json \
    GMA_AUTH_TOKEN_CACHE_FILE=/app/data/token-cache.json

USER 1000:1000

EXPOSE 8000

# slim has no curl; python's urllib raises on a non-2xx answer or a refused connection.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4)"]

CMD ["uvicorn", "src.main:app", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--forwarded-allow-ips", "*"]
