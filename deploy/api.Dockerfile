# syntax=docker/dockerfile:1
# The API image: FastAPI + plain onnxruntime, no torch (the gateway never imports it), ~300 MB.
# Also runs `seqcast migrate`. Build from the repository root:
#   docker build -f deploy/api.Dockerfile -t seqcast/api:0.1.0 .
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY workers ./workers
COPY migrations ./migrations
# The gateway's dependencies plus the `cpu` extra (onnxruntime) and `s3` (s3fs, for an
# s3:// SEQCAST_ARTIFACT_ROOT) only: never `worker` (torch) or `gpu` (onnxruntime-gpu shares
# onnxruntime's import folder and breaks it).
# Versions: pyproject.toml's ranges (no lock file yet), hence the DL3013 ignore.
# hadolint ignore=DL3013
RUN pip install ".[cpu,s3]"

FROM python:${PYTHON_VERSION}-slim AS runtime
# Same uid/gid in the API and worker images, so both can write the shared artifact volume.
RUN groupadd --system --gid 10001 seqcast \
    && useradd --system --uid 10001 --gid seqcast --home-dir /var/lib/seqcast --no-create-home \
       --shell /usr/sbin/nologin seqcast \
    && mkdir -p /var/lib/seqcast/artifacts \
    && chown -R seqcast:seqcast /var/lib/seqcast
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SEQCAST_DATA_DIR=/var/lib/seqcast \
    SEQCAST_ARTIFACT_ROOT=/var/lib/seqcast/artifacts \
    SEQCAST_HOST=0.0.0.0 \
    SEQCAST_PORT=8000
WORKDIR /var/lib/seqcast
USER 10001:10001
EXPOSE 8000
# /healthz only says the process answers; slim images have no curl, so Python asks.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ['SEQCAST_PORT'], timeout=4)"]
CMD ["seqcast", "api", "--host", "0.0.0.0"]
