# syntax=docker/dockerfile:1
# The training worker: PyTorch + ONNX export + exactly one onnxruntime flavour (the parity gate).
# Build from the repository root, GPU (default) or CPU:
#   docker build -f deploy/worker.Dockerfile -t seqcast/worker:0.1.0-gpu .
#   docker build -f deploy/worker.Dockerfile -t seqcast/worker:0.1.0-cpu \
#       --build-arg ORT=cpu --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu .
# The CUDA runtime comes from torch's nvidia-* wheels and the driver from the host (NVIDIA
# Container Toolkit), so a slim base is enough. Keep the CUDA major of TORCH_INDEX_URL equal to
# the one onnxruntime-gpu is built for, or onnxruntime falls back to CPU.
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS builder
# `gpu` -> onnxruntime-gpu, `cpu` -> onnxruntime: one extra, never both (they share one import
# folder and break each other).
ARG ORT=gpu
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cu128
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# torch first, pinned and from the index of the wanted build: a bare `torch` requirement resolved
# from PyPI picks a build on its own. This layer is cached across source changes.
RUN pip install --index-url "${TORCH_INDEX_URL}" "torch==${TORCH_VERSION}"
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
COPY workers ./workers
COPY migrations ./migrations
# Versions: pyproject.toml's ranges (no lock file yet), hence the DL3013 ignore.
# hadolint ignore=DL3013
RUN case "${ORT}" in cpu|gpu) ;; *) echo "ORT must be cpu or gpu, not '${ORT}'" >&2; exit 1 ;; esac \
    && pip install ".[${ORT},worker,s3]"

FROM python:${PYTHON_VERSION}-slim AS runtime
# Same uid/gid as the API image, so both can write the shared artifact volume.
RUN groupadd --system --gid 10001 seqcast \
    && useradd --system --uid 10001 --gid seqcast --home-dir /var/lib/seqcast --no-create-home \
       --shell /usr/sbin/nologin seqcast \
    && mkdir -p /var/lib/seqcast/artifacts \
    && chown -R seqcast:seqcast /var/lib/seqcast
COPY --from=builder /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/var/lib/seqcast \
    SEQCAST_DATA_DIR=/var/lib/seqcast \
    SEQCAST_ARTIFACT_ROOT=/var/lib/seqcast/artifacts
WORKDIR /var/lib/seqcast
USER 10001:10001
# Prometheus metrics of the worker (see deploy/prometheus/prometheus.yml).
EXPOSE 9808
# The worker has no HTTP port of its own: ask it over the broker whether it answers (Celery's
# node name defaults to celery@<hostname>; Docker and Kubernetes export $HOSTNAME).
HEALTHCHECK --interval=60s --timeout=30s --start-period=60s --retries=3 \
    CMD ["sh", "-c", "celery --app workers.celery_app inspect ping --timeout 10 --destination celery@$HOSTNAME"]
CMD ["seqcast", "worker"]
