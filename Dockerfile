# syntax=docker/dockerfile:1
# Build: docker build -t transparency-registry .
# Run:   docker run -e REGISTRY_DATABASE_URL=postgresql://user:pass@db/registry \
#                   -e REGISTRY_SECRET_KEY=... -p 8000:8000 transparency-registry
# Apply migrations once per release: docker run ... transparency-registry registry db upgrade

FROM python:3.11.10-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY registry ./registry
COPY search ./search
COPY importers ./importers
COPY migrations ./migrations
# Wheels only: the image has no compiler, and needs none (tests/test_packaging.py runs this
# step's resolution; scripts/setup installs the same way on every test run).
RUN python -m venv /opt/registry \
 && /opt/registry/bin/pip install --only-binary=:all: --upgrade pip \
 && /opt/registry/bin/pip install --only-binary=:all: .

FROM python:3.11.10-slim-bookworm AS runtime
RUN groupadd --system registry && useradd --system --gid registry --home-dir /var/lib/registry \
      --create-home registry
COPY --from=build /opt/registry /opt/registry
ENV PATH=/opt/registry/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    REGISTRY_DATA_DIR=/var/lib/registry
USER registry
WORKDIR /var/lib/registry
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health').status != 200)"
CMD ["registry", "serve", "--host", "0.0.0.0", "--port", "8000"]
