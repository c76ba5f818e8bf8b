#!/usr/bin/env bash
# image: python:3.11-slim
#
# Stand-in for the official python:3.11-slim, which cannot be pulled here: Debian
# bookworm's own Python 3.11 with pip, venv, setuptools and wheel, `python` and `pip` on
# PATH, and pip allowed to install into the system Python (PEP 668), as the official
# image allows. Run by scripts/base-images.sh.
set -euo pipefail
docker build -q -t python:3.11-slim - <<'DOCKERFILE' >/dev/null
FROM debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      python3 python3-pip python3-venv python3-setuptools python3-wheel python-is-python3 \
 && ln -sf pip3 /usr/bin/pip \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_BREAK_SYSTEM_PACKAGES=1 LANG=C.UTF-8
LABEL dev.devenv.standin="Debian bookworm's Python 3.11 (python3, pip, venv, setuptools, wheel from Debian's packages), not the official python:3.11-slim"
CMD ["python3"]
DOCKERFILE
