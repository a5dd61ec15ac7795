# github-status-exporter: a hardened container image.
#
#   docker build -t github-status-exporter .
#   docker run -p 9747:9747 github-status-exporter
#   docker run -p 9747:9747 -v /etc/gse:/etc/gse:ro -e WEB_CONFIG_FILE=/etc/gse/web.yml \
#       -e HEALTHCHECK_USERNAME=prometheus -e HEALTHCHECK_PASSWORD_FILE=/etc/gse/healthcheck.password \
#       github-status-exporter              # TLS and basic auth (README: Securing the endpoints)
#
# BASE_IMAGE may be any image with Python 3.11 and its venv module (`python3 -m venv` must work):
# the official slim image by default, or a plain Debian bookworm with python3 + python3-venv.
# Only the classic builder is assumed (no BuildKit features such as `RUN --mount`).
ARG BASE_IMAGE=python:3.11-slim-bookworm

# --- stage 1: build the wheel from this source tree ------------------------------------------
FROM ${BASE_IMAGE} AS build
# The build backend named in pyproject.toml, pinned; no build isolation, so nothing else is fetched.
RUN python3 -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --disable-pip-version-check \
        setuptools==75.8.0 wheel==0.45.1
WORKDIR /src
# The whole (allow-listed, see .dockerignore) context: the package, its metadata and README.md.
COPY . ./
RUN /opt/build/bin/pip wheel --no-cache-dir --disable-pip-version-check \
        --no-deps --no-build-isolation --wheel-dir /dist .

# --- stage 2: the runtime ---------------------------------------------------------------------
# Metadata first, so that a change of source rebuilds only the last layers.
FROM ${BASE_IMAGE}
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="github-status-exporter" \
      org.opencontainers.image.description="Prometheus exporter for the GitHub status page (any Atlassian Statuspage page)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="https://github.com/github-status-exporter/github-status-exporter" \
      org.opencontainers.image.url="https://github.com/github-status-exporter/github-status-exporter" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LISTEN_ADDRESS=:9747
EXPOSE 9747
# No curl in the image: the venv's Python asks /-/healthy (exporter/healthcheck.py) on the address
# LISTEN_ADDRESS names, with the WEB_CONFIG_FILE's TLS (https) and basic auth, read at run time so
# it follows changes. With basic auth on, set HEALTHCHECK_USERNAME and HEALTHCHECK_PASSWORD_FILE;
# with client certificates required, HEALTHCHECK_CERT_FILE and HEALTHCHECK_KEY_FILE.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/opt/venv/bin/python", "-m", "exporter.healthcheck"]
# Exec form: the exporter is PID 1 and gets SIGTERM from `docker stop` directly.
ENTRYPOINT ["github-status-exporter"]

# Third-party dependencies: exactly the versions and hashes of the lock file. This layer is
# cached until the lock file changes.
COPY requirements.lock /tmp/requirements.lock
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check \
        --require-hashes --only-binary=:all: -r /tmp/requirements.lock \
    && rm /tmp/requirements.lock

# The exporter itself, without dependencies (they are all above); then pip and setuptools leave
# the venv (owned by root, read-only for the exporter): nothing at run time installs anything.
COPY --from=build /dist/ /tmp/dist/
RUN /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps --no-index /tmp/dist/*.whl \
    && /opt/venv/bin/pip uninstall --yes --disable-pip-version-check pip setuptools \
    && rm -rf /tmp/dist \
    && github-status-exporter --version

# A fixed, unprivileged UID/GID with no login entry: works with --read-only and runAsNonRoot.
USER 10001:10001
