# rtx-migrate in a container: the seed's "Docker" example. The default command applies every
# pending version (`rtx-migrate -up`) and exits with its documented exit code.
#
# Configured only through the environment (DB_HOST, DB_NAME, ... or DATABASE_URL; see
# .env.example); no .env file goes into the image. Build and run:
#   docker build -t rtx-schema .
#   docker run --rm --init -e DB_HOST=db.internal -e DB_PASSWORD=... rtx-schema
#   docker run --rm --init -e DB_HOST=db.internal rtx-schema rtx-migrate -status -json
#
# The base image is pinned by tag. To pin it by digest as well, build with
#   --build-arg PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:<digest of the tag you checked>
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}

LABEL org.opencontainers.image.title="rtx-schema" \
      org.opencontainers.image.description="rtx-migrate: the RTX Trading Engine's schema migrations"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# An unprivileged user with no home and no shell; files stay root-owned, so it can read the
# code but not change it.
RUN groupadd --system --gid 10001 rtx \
    && useradd --system --uid 10001 --gid rtx --no-create-home --shell /usr/sbin/nologin rtx

WORKDIR /app
# .dockerignore lets in only what the image needs: pyproject.toml, README.md, manage.py and
# the Python packages (no tests, no .env, no .venv, no .git).
COPY . /app

# Editable install: the settings find the project root from the package's location (the
# default RTX_VERSIONS_LOCK, rtx/versions.lock.json, is a file of the source tree, not of the
# wheel), so the code stays in /app exactly as in a checkout. psycopg[binary] brings libpq,
# so nothing is installed with apt. Compiling here means the read-only code never needs to.
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir -e /app \
    && /opt/venv/bin/python -m compileall -q /app \
    && /opt/venv/bin/rtx-migrate --help > /dev/null

USER 10001:10001

# The seed's `migrate -up`, waiting up to 60 s for a database that starts after the container.
CMD ["rtx-migrate", "-up", "-connect-wait", "60"]
