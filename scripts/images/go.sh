#!/usr/bin/env bash
# image: golang:1.25-bookworm
# image: golang:1.26-bookworm
#
# Stand-ins for the official Go images: debian:bookworm plus the genuine Go toolchain
# from the Go module proxy (the golang.org/toolchain module the go command itself
# fetches when GOTOOLCHAIN names a release), at /usr/local/go as in the official image,
# with the compiler and tools that image has for cgo and modules (gcc, make, git).
set -euo pipefail
cd "$(dirname "$0")"
log() { printf 'images/go: %s\n' "$*" >&2; }

# The newest patch release of each line, as the official images carry. More lines (for
# trying devenv on other projects): GO_STANDIN_VERSIONS="1.23.12 1.24.13 1.25.14 1.26.11".
versions=${GO_STANDIN_VERSIONS:-1.25.14 1.26.11}
modcache=$(go env GOMODCACHE)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# toolchain prints the folder of Go release $1 in the host's module cache, fetching it
# first. The go command downloads a release only when it is not itself that release, so
# the fetch runs through another release's go command when the host's is the one asked.
toolchain() {
  local v=$1 dir="$modcache/golang.org/toolchain@v0.0.1-go$1.linux-amd64"
  if [ ! -x "$dir/bin/go" ]; then
    local runner=go
    [ "$(go env GOVERSION)" = "go$v" ] && runner=$(toolchain 1.25.14)/bin/go
    GOTOOLCHAIN=go$v "$runner" version >&2
  fi
  [ -x "$dir/bin/go" ] || { log "go$v did not unpack into $dir"; exit 1; }
  printf '%s\n' "$dir"
}

for v in $versions; do
  line=${v%.*}
  ref=golang:$line-bookworm
  src=$(toolchain "$v")
  ctx=$work/$line
  mkdir -p "$ctx"
  cp -a "$src" "$ctx/go"
  # The module cache keeps its files read-only; the image's Go tree is root's to change.
  chmod -R u+w "$ctx/go"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev make pkg-config git \\
 && rm -rf /var/lib/apt/lists/*
COPY go /usr/local/go
ENV GOLANG_VERSION=$v GOTOOLCHAIN=local GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN mkdir -p /go/src /go/bin && chmod -R 1777 /go
WORKDIR /go
LABEL dev.devenv.standin="debian:bookworm with Go $v from the Go module proxy (golang.org/toolchain@v0.0.1-go$v.linux-amd64) at /usr/local/go, gcc, make, git"
DOCKERFILE
  log "building $ref (Go $v)"
  docker build -q -t "$ref" "$ctx" >/dev/null
  rm -rf "$ctx"
done
