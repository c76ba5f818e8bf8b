#!/usr/bin/env bash
# image: rust:1-slim-bookworm
#
# A stand-in for the official Rust image: debian:bookworm with Debian's own rustc and
# cargo (Rust 1.63; rustup is not reachable from these machines), with CARGO_HOME at
# /usr/local/cargo as in the official image. It proves how devenv installs a Cargo
# project, not which Rust release it picks.
set -euo pipefail
log() { printf 'images/rust: %s\n' "$*" >&2; }
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev rustc cargo \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /usr/local/cargo/bin /usr/local/rustup && chmod -R a+rwX /usr/local/cargo
ENV CARGO_HOME=/usr/local/cargo RUSTUP_HOME=/usr/local/rustup PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL dev.devenv.standin="debian:bookworm with Debian's rustc and cargo (Rust 1.63) in /usr/bin, CARGO_HOME=/usr/local/cargo; no rustup"
DOCKERFILE
log "building rust:1-slim-bookworm"
docker build -q -t rust:1-slim-bookworm "$ctx" >/dev/null
