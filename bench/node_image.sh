#!/usr/bin/env bash
# The Node image with node_modules installed and moved in one step, against the shape
# devenv had before (npm ci, then the move to /node_modules in a step of its own, which
# stored the packages twice: once in the install layer, again in the move's).
#
#   bash bench/node_image.sh                  # typescript@5.6.3 (a 23 MB node_modules)
#   BENCH_NODE_DEPS='{"typescript":"5.6.3","lodash":"4.17.21"}' bash bench/node_image.sh
#
# Both images are built by devenv from the same package.json and package-lock.json (from
# the npm registry); the old shape is written out as an explicit two-command `install`.
# Needs an engine and the node:24-bookworm-slim image (scripts/engine-up.sh and
# scripts/base-images.sh make a stand-in where none can be pulled), node and npm on
# the host to write the lock file.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEPS=${BENCH_NODE_DEPS:-'{"typescript":"5.6.3"}'}
log() { printf 'bench-node-image: %s\n' "$*" >&2; }

work=$(mktemp -d)
cleanup() {
  for d in "$work"/bench-node-*; do [ -d "$d" ] && "$work/devenv" -C "$d" clean --all >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
(cd "$REPO" && go build -o "$work/devenv" ./cmd/devenv)

for shape in onestep twostep; do
  d=$work/bench-node-$shape
  mkdir -p "$d"
  printf '{"name":"bench","version":"1.0.0","private":true,"dependencies":%s}\n' "$DEPS" >"$d/package.json"
done
(cd "$work/bench-node-onestep" && npm install --package-lock-only --silent >/dev/null)
cp "$work/bench-node-onestep/package-lock.json" "$work/bench-node-twostep/"
printf 'name = "bench-node-onestep"\ntemplate = "node"\nbase = "node:24-bookworm-slim"\n' >"$work/bench-node-onestep/devenv.toml"
cat >"$work/bench-node-twostep/devenv.toml" <<'TOML'
name = "bench-node-twostep"
template = "node"
base = "node:24-bookworm-slim"
dependencies = ["package.json", "package-lock.json"]
install = ["npm ci", "rm -rf /node_modules && mv node_modules /node_modules"]
TOML

printf '\n| shape | image size | node_modules | layers |\n|---|---|---|---|\n'
for shape in twostep onestep; do
  d=$work/bench-node-$shape
  log "building $shape"
  "$work/devenv" -C "$d" build --progress quiet
  tag=$("$work/devenv" -C "$d" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["image"])')
  size=$(docker image inspect -f '{{.Size}}' "$tag")
  mods=$("$work/devenv" -C "$d" run -T -- du -sb /node_modules | cut -f1)
  layers=$(docker image inspect -f '{{len .RootFS.Layers}}' "$tag")
  printf '| %s | %s bytes (%.1f MB) | %.1f MB | %s |\n' "$shape" "$size" "$(echo "$size/1000000" | bc -l)" "$(echo "$mods/1000000" | bc -l)" "$layers"
done
