# The app's image: `streamlit run server.py` (what `make run` serves) as a non-root user, with
# Debian's Chromium and the fonts the board PDF is drawn and typeset with.
#
# The install steps are the ones `make run` takes: scripts/install-system-deps.sh run (Debian's
# packages for the PDF, through apt-get as root), then pip -r requirements.txt (the pinned runtime).
#
#   docker build -t ics-readiness .          # or: podman build --format docker -t ics-readiness .
#   docker compose up                        # PostgreSQL, two replicas and nginx: see compose.yaml
#
# BASE_IMAGE is any Debian bookworm image with Python 3.11+, python3 -m venv and apt-get; where no
# image registry is reachable, build one from Debian's packages (deploy/image-test.sh does).
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH
WORKDIR /app

# 1. Debian's packages for the PDF (Chromium for its charts, the Liberation and DejaVu fonts).
COPY scripts/install-system-deps.sh scripts/install-system-deps.sh
RUN bash scripts/install-system-deps.sh run \
    && rm -rf /var/lib/apt/lists/*

# 2. The pinned Python requirements, in a virtualenv of the image's own.
COPY requirements.txt requirements.txt
RUN python3 -m venv "$VIRTUAL_ENV" \
    && pip install --no-cache-dir -r requirements.txt

# 3. The app. It runs as `ics` (uid 10001), who may write only its home (the chart browser's profile) and
# data/ (the SQLite file, when DATABASE_URL is not set: give it a volume).
COPY . .
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/ics ics \
    && mkdir -p /app/data \
    && chown ics:ics /app/data
USER 10001:10001
ENV HOME=/home/ics \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0
VOLUME ["/app/data"]
EXPOSE 8501

# On the port the server listens on (STREAMLIT_SERVER_PORT, 8501 unless changed at `run`).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('STREAMLIT_SERVER_PORT', '8501') + '/_stcore/health', timeout=4)"]

CMD ["python", "-m", "streamlit", "run", "server.py", \
     "--server.headless", "true", "--server.fileWatcherType", "none", \
     "--browser.gatherUsageStats", "false"]
