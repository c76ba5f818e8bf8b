#!/usr/bin/env bash
# Makes the stand-in images the stack tests build on: these machines can pull no image,
# so each scripts/images/<stack>.sh builds, from debian:bookworm and toolchains these
# machines can reach (Debian's packages, the Go module proxy, the npm registry), local
# images under the names devenv's stacks start from (python:3.11-slim, golang:1.25-bookworm,
# ...). Each carries the label dev.devenv.standin saying what it really holds.
#
# Slow to make, so each image is kept as a `docker save` archive in a cache outside the
# checkout ($DEVENV_IMAGE_CACHE, default /var/cache/devenv-ci/images), keyed by the hash
# of the script that made it; a later run loads it in seconds.
# Run after scripts/engine-up.sh. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${DEVENV_IMAGE_CACHE:-/var/cache/devenv-ci/images}
mkdir -p "$cache"
log() { printf 'base-images: %s\n' "$*" >&2; }

for script in scripts/images/*.sh; do
  [ -e "$script" ] || continue
  name=$(basename "$script" .sh)
  key=$(sha256sum "$script" | cut -c1-16)
  archive="$cache/$name-$key.tar"
  # The images a script makes are the lines `# image: REF` at its top.
  refs=$(sed -n "s/^# image: *//p" "$script" | tr "\n" " ")
  missing=0
  for ref in $refs; do
    docker image inspect "$ref" >/dev/null 2>&1 || missing=1
  done
  if [ "$missing" = 0 ] && [ -z "${DEVENV_IMAGES_REBUILD:-}" ]; then
    continue
  fi
  if [ -f "$archive" ] && [ -z "${DEVENV_IMAGES_REBUILD:-}" ]; then
    log "loading $name from $archive"
    docker load -q -i "$archive" >/dev/null
    continue
  fi
  log "making $name ($refs)"
  start=$(date +%s)
  bash "$script"
  # shellcheck disable=SC2086
  docker save -o "$archive.tmp" $refs && mv "$archive.tmp" "$archive"
  # Archives of older versions of the script are of no more use.
  find "$cache" -name "$name-*.tar" ! -name "$(basename "$archive")" -delete
  log "made $name in $(( $(date +%s) - start )) s"
done
