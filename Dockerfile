# The code location of llm-ledger for a team's Dagster: a gRPC server serving
# `pipeline.definitions` on port 4000 (deploy/workspace.yaml points the webserver and the
# daemon at it). The same image runs each refresh when runs are launched as containers or
# Kubernetes Jobs (deploy/dagster.docker.yaml, deploy/dagster.k8s.yaml).
#
# No secret is baked in: database, catalog and object-store credentials reach the container as
# environment variables when it starts (docs/scale-out.md). The warehouse, exports and Dagster's
# local files live under /data, a volume shared with the runs.
#
#   docker build -t llm-ledger-code .                                  # DockerRunLauncher
#   docker build --build-arg LEDGER_EXTRAS=k8s -t llm-ledger-code .    # K8sRunLauncher
FROM python:3.11-slim

ARG LEDGER_EXTRAS=docker
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    LEDGER_DAGSTER_STORAGE=/data/dagster \
    LEDGER_WAREHOUSE_DIR=/data/warehouse \
    LEDGER_EXPORTS_DIR=/data/exports

WORKDIR /opt/ledger
# The code reads its DDL, curated files and recorded responses from the source tree, so the
# project is installed in place (editable), with the same pins as a developer's machine.
COPY . .
RUN pip install --no-cache-dir --disable-pip-version-check -c constraints.txt -e ".[${LEDGER_EXTRAS}]" \
 && useradd --create-home --uid 10001 ledger \
 && mkdir -p /data "${DAGSTER_HOME}" \
 && chown ledger /data
COPY deploy/dagster.postgres.yaml ${DAGSTER_HOME}/dagster.yaml

USER ledger
EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s \
  CMD ["dagster", "api", "grpc-health-check", "-p", "4000"]
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "pipeline.definitions"]
