# The web and worker image: `python -m service serve` (default) or `python -m service worker`.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=8080

WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app

# Runtime dependencies only (the embedded database and test tools stay out of the image).
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY service/ service/
COPY schemas/ schemas/
COPY rubrics/ rubrics/
COPY migrations/ migrations/
COPY openapi.yaml pyproject.toml ./

USER app
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8080')}/healthz\", timeout=2)"]

CMD ["python", "-m", "service", "serve"]
