#!/usr/bin/env bash
# image: php:8.2-cli
# Stand-in for the official php:8.2-cli: Debian bookworm's PHP 8.2 with the extensions the
# official image builds in (mbstring, xml, curl). Like the official image it has no Composer
# and no unzip: devenv's php stack adds them, and the tests prove that it does.
set -euo pipefail
docker build -q -t php:8.2-cli - <<'DOCKERFILE' >/dev/null
FROM debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends php8.2-cli php8.2-mbstring php8.2-xml php8.2-curl >/dev/null \
 && rm -rf /var/lib/apt/lists/*
LABEL dev.devenv.standin="debian:bookworm with Debian's php8.2-cli (mbstring, xml, curl); no Composer, as in the official image"
CMD ["php", "-a"]
DOCKERFILE
