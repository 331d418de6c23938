# One image for every process of the platform; compose.yaml picks the command
# (`python -m stack migrate`, or uvicorn with a service's app factory).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# A fixed uid so volume ownership and security policies can name it.
RUN groupadd --system --gid 10001 xuefei \
 && useradd --system --uid 10001 --gid xuefei --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin xuefei

WORKDIR /app

# Dependencies first, in their own layer: a source change then rebuilds only the last layers.
# constraints.txt is the lock (pip freeze), so the image gets exactly the tested versions.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install --no-cache-dir -c constraints.txt -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY kit ./kit
COPY services ./services
COPY gateway ./gateway
COPY stack ./stack
COPY migrations ./migrations
COPY contracts ./contracts
COPY alembic.ini ./
RUN pip install --no-cache-dir -c constraints.txt . \
 && rm -rf build ./*.egg-info

# Code and config stay root-owned: the app user can read them but not change them.
USER xuefei
# No CMD of its own: every compose service states its command.
