#!/usr/bin/env bash
# The shared cache (cache = "REGISTRY/PATH"): how long a second machine takes to a
# ready `devenv run -- true` when the environment is in the cache, against the first
# machine's cold build, for examples/node and examples/go (target: <= 0.15 each).
#
#   first engine:  the host's dockerd. A copy of the example with a unique [build.env]
#                  line (so no layer from the packages step on comes from BuildKit's
#                  layer cache; apt's and npm's cache mounts may be warm, as in
#                  bench/run.sh rows 5a/6a), `devenv run -- true` with the cache set
#                  and empty: one timed run (the reference). Then `devenv push --cache`.
#   second engine: a dockerd with its own data root and bridge that shares nothing
#                  with the first. `devenv run -- true` with no image on it at all:
#                  pull, the user's layer, the container (hyperfine, --prepare removes
#                  every image of the second engine).
#   user layer:    on the second engine, `run -- true` with only the shared image there
#                  (the user's layer added) against `run -- true` with the image there.
#
#   sudo bash bench/cache.sh
#   BENCH_RUNS=5 BENCH_EXAMPLES="go" sudo bash bench/cache.sh
#
# Writes bench/out/cache-<date>-<time>.md. Needs root (a second dockerd), hyperfine,
# Debian's docker-registry, iproute2, util-linux's unshare; runs devenv as the test user
# devenv-e2e when there is one (so the user's layer is real), else as root.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-5}
EXAMPLES=${BENCH_EXAMPLES:-"node go"}
STAMP=$(date +%Y-%m-%d-%H%M%S)
OUT="$REPO/bench/out"
mkdir -p "$OUT"
log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root for a second dockerd"
for bin in hyperfine dockerd docker unshare ip /usr/bin/docker-registry python3; do
  command -v "$bin" >/dev/null || die "$bin is missing: run scripts/engine-up.sh"
done

TMP=$(mktemp -d /tmp/devenv-bench-cache-XXXXXX)
chmod 755 "$TMP"
ENGINE="$TMP/engine"
mkdir -p "$ENGINE" "$TMP/registry"
BRIDGE=dvbc$$
BRIDGE=${BRIDGE:0:15}
DPID="" RPID=""
cleanup() {
  for p in $(grep -l -a "$ENGINE" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do
    [ "$p" = $$ ] || kill "$p" 2>/dev/null || true
  done
  [ -n "$DPID" ] && wait "$DPID" 2>/dev/null || true
  [ -n "$RPID" ] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null || true
  ip link del "$BRIDGE" 2>/dev/null || true
  for ex in $EXAMPLES; do
    ids=$(docker images -q "devenv/bench-cache-$ex") && [ -z "$ids" ] || docker rmi -f $ids >/dev/null 2>&1 || true
  done
  ids=$(docker images --format '{{.Repository}}:{{.Tag}}' | grep "^127.0.0.1:$PORT/" || true)
  [ -z "$ids" ] || docker rmi $ids >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap cleanup EXIT

(cd "$REPO" && go build -o "$TMP/devenv" ./cmd/devenv)
DEVENV="$TMP/devenv"
AS=()
if id devenv-e2e >/dev/null 2>&1; then
  AS=(setpriv --reuid devenv-e2e --regid devenv-e2e --groups "$(id -g devenv-e2e),$(getent group docker | cut -d: -f3)" env HOME=/tmp USER=devenv-e2e)
fi

# The registry, on loopback.
cat >"$TMP/registry/config.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $TMP/registry/storage
http:
  addr: 127.0.0.1:$PORT
YML
/usr/bin/docker-registry serve "$TMP/registry/config.yml" >"$TMP/registry/log" 2>&1 &
RPID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/v2/" >/dev/null && break; sleep 0.1; done

# The second engine: its own data root and a bridge of its own (never --bridge=none:
# it would delete the host's docker0).
n=250
while ip -4 -o addr | grep -q "10\.215\.$n\."; do n=$((n - 1)); done
ip link add name "$BRIDGE" type bridge
ip addr add "10.215.$n.1/24" dev "$BRIDGE"
ip link set "$BRIDGE" up
SOCK="$ENGINE/engine2.sock"
unshare --mount --propagation private dockerd --data-root "$ENGINE/data" --exec-root "$ENGINE/exec" \
  --pidfile "$ENGINE/dockerd.pid" -H "unix://$SOCK" --bridge="$BRIDGE" --iptables=false --ip6tables=false --ip-masq=false \
  >"$ENGINE/dockerd.log" 2>&1 &
DPID=$!
E2="unix://$SOCK"
for _ in $(seq 300); do docker -H "$E2" version >/dev/null 2>&1 && break; sleep 0.2; done
docker -H "$E2" version >/dev/null
chgrp docker "$SOCK"

ROWS=()
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.3f' % (a/b))" "$1" "$2"; }
median() { python3 -c "import json,sys; print('%.3f' % json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]['median'])" "$1" "$2"; }
for ex in $EXAMPLES; do
  dir="$TMP/$ex"
  cp -r "$REPO/examples/$ex" "$dir"
  rm -rf "$dir/.devenv" "$dir/node_modules"
  sed -i "s/^name = .*/name = \"bench-cache-$ex\"/" "$dir/devenv.toml"
  # Top-level keys go before the first table.
  python3 - "$dir/devenv.toml" "127.0.0.1:$PORT/cache" <<'PY'
import sys
p, cache = sys.argv[1], sys.argv[2]
s = open(p).read()
i = s.find("\n[")
head, tail = (s, "") if i < 0 else (s[:i + 1], s[i + 1:])
open(p, "w").write(head + 'cache = "%s"\n' % cache + tail)
PY
  printf '\n[build.env]\nBENCH_COLD = "%s"\n' "$(basename "$TMP")-$(date +%s%N)" >>"$dir/devenv.toml"
  chmod -R a+rwX "$dir"
  log "$ex: cold run on the first engine (cache empty)"
  t0=$(date +%s.%N)
  (cd "$dir" && "${AS[@]}" "$DEVENV" run -- true) >"$TMP/$ex-cold.log" 2>&1 || { tail -n 30 "$TMP/$ex-cold.log" >&2; die "$ex: cold run failed"; }
  COLD=$(python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)")
  grep -q 'building here' "$TMP/$ex-cold.log" || die "$ex: the cold run did not build"
  (cd "$dir" && "${AS[@]}" "$DEVENV" push --cache) >"$TMP/$ex-push.log" 2>&1 || { cat "$TMP/$ex-push.log" >&2; die "$ex: push --cache failed"; }
  size=$(docker image inspect --format '{{.Size}}' "$(grep -o "127.0.0.1:$PORT/cache/[^ ]*" "$TMP/$ex-push.log" | head -1)")
  log "$ex: second engine, nothing there: pull + user layer + run ($RUNS runs)"
  hyperfine --runs "$RUNS" --export-json "$TMP/$ex-pull.json" \
    --prepare "ids=\$(docker -H $E2 images -aq); [ -z \"\$ids\" ] || docker -H $E2 rmi -f \$ids >/dev/null" \
    "cd $dir && DOCKER_HOST=$E2 ${AS[*]} $DEVENV run -- true" >&2
  PULL=$(median "$TMP/$ex-pull.json" 0)
  REF=$(grep -o "127.0.0.1:$PORT/cache/[^ ]*" "$TMP/$ex-push.log" | head -1)
  log "$ex: second engine, the engine's own \`docker pull\` of the same image ($RUNS runs)"
  hyperfine --runs "$RUNS" --export-json "$TMP/$ex-dpull.json" \
    --prepare "ids=\$(docker -H $E2 images -aq); [ -z \"\$ids\" ] || docker -H $E2 rmi -f \$ids >/dev/null" \
    "docker -H $E2 pull -q $REF" >&2
  DPULL=$(median "$TMP/$ex-dpull.json" 0)
  # Proof that the measured runs pulled and built nothing.
  (cd "$dir" && docker -H "$E2" rmi -f $(docker -H "$E2" images -aq) >/dev/null 2>&1; DOCKER_HOST=$E2 "${AS[@]}" "$DEVENV" run -- true) >"$TMP/$ex-pull.log" 2>&1
  grep -q 'from the cache: nothing to build' "$TMP/$ex-pull.log" || die "$ex: the second engine did not pull: $(cat "$TMP/$ex-pull.log")"
  ! grep -q 'building here' "$TMP/$ex-pull.log" || die "$ex: the second engine built"
  local_tag=$(docker -H "$E2" images --filter "label=dev.devenv.project=$dir" --format '{{.Repository}}:{{.Tag}}' | head -1)
  log "$ex: second engine, the user's layer: shared image only vs image there ($RUNS runs)"
  hyperfine --runs "$RUNS" --export-json "$TMP/$ex-layer.json" \
    --prepare "docker -H $E2 rmi $local_tag >/dev/null 2>&1 || true" \
    "cd $dir && DOCKER_HOST=$E2 ${AS[*]} $DEVENV run -- true" \
    --prepare "true" \
    "cd $dir && DOCKER_HOST=$E2 ${AS[*]} $DEVENV run -- true" >&2
  WITH=$(median "$TMP/$ex-layer.json" 0)
  WITHOUT=$(median "$TMP/$ex-layer.json" 1)
  LAYER=$(python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) - float(sys.argv[2])))" "$WITH" "$WITHOUT")
  r=$(ratio "$PULL" "$COLD")
  res=$(python3 -c "import sys; print('PASS' if float(sys.argv[1]) <= 0.15 else 'MISS')" "$r")
  ROWS+=("| $ex: second engine \`run -- true\` (pull + user layer + run) vs first engine's cold \`run -- true\` | ${PULL} s | ${COLD} s | $r | <= 0.15 | $res |")
  ROWS+=("| $ex: of which the pull: \`docker pull\` of the same image on the second engine | ${DPULL} s | - | $(ratio "$DPULL" "$COLD") of the cold run | - | - |")
  ROWS+=("| $ex: the user's layer on the second engine (\`run -- true\` with the shared image only, minus with the image there) | ${LAYER} s | ${WITHOUT} s | - | well under 1 s | $(python3 -c "import sys; print('PASS' if float(sys.argv[1]) < 0.5 else 'MISS')" "$LAYER") |")
  ROWS+=("| $ex: shared image size | $(python3 -c "import sys; print('%.0f MB' % (int(sys.argv[1]) / 1e6))" "$size") | - | - | - | - |")
done

{
  echo "# bench/cache.sh, $STAMP"
  echo
  echo "runs: $RUNS per hyperfine row; cold: one run; user: ${AS[*]:-root}; $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| measurement | devenv median | reference median | ratio | target | result |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} | tee "$OUT/cache-$STAMP.md"
