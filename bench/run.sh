#!/usr/bin/env bash
# devenv benchmarks: warm start (against docker run and the Dev Containers CLI),
# repository-size independence, build-context size, `devenv watch` latency and footprint,
# the rebuild after a new Go module or npm package, the interactive shell's start-up.
#
#   bash bench/run.sh                 # full: 1 GB / 50,000-file junk tree, 20 runs each, 20 watch saves
#   BENCH_QUICK=1 bash bench/run.sh   # smoke: 64 MB / 2,000 files, 5 runs each, 5 watch saves
#
# Environment (all optional):
#   BENCH_QUICK=1        small junk tree and 5 runs (each default below can still be overridden)
#   BENCH_JUNK_MB        size of the junk tree in MiB           (default 1024; quick 64)
#   BENCH_JUNK_FILES     number of files in it                  (default 50000; quick 2000)
#   BENCH_RUNS           hyperfine --runs per command           (default 20; quick 5)
#   BENCH_WARMUP         hyperfine --warmup per command         (default 3)
#   BENCH_BLOCKS         blocks per command inside the one hyperfine invocation of a
#                        comparison, in A B B A B A A B ... order, times pooled by command
#                        (default 2: A B B A; 1: plain A B). hyperfine runs each command's
#                        runs back to back, so with 1 block the first command pays for drift.
#   BENCH_SKIP_REF_BUILD=1  skip the plain `docker build` of the junk tree (the slow reference)
#   BENCH_WATCH_SAVES    saves of deps.txt under `devenv watch`  (default 20; quick 5)
#   BENCH_WATCH_SPACING  seconds from one save to the next      (default 2.5)
#   BENCH_WATCH_IDLE     seconds of the idle-CPU window          (default 10)
#   BENCH_SKIP_WATCH=1   skip the `devenv watch` rows (4a-4d)
#   BENCH_SKIP_GO=1      skip the examples/go incremental rebuild rows (5a, 5b) and the [env] row (8)
#   BENCH_SKIP_NODE=1    skip the examples/node incremental rebuild rows (6a, 6b)
#   BENCH_NODE_PKG       the npm package the node rows add        (default ms@2.1.3: no dependencies)
#   BENCH_SKIP_DEVCONTAINER=1  skip the Dev Containers CLI rows (1b, 1c, 3b)
#   BENCH_DEVCONTAINER_CLI     what npm installs for them         (default @devcontainers/cli)
#   BENCH_SKIP_SHELL=1   skip the interactive shell rows (7a, 7b)
#   BENCH_SHELL_RUNS     `devenv shell` / `docker run -it` runs on a pty (default 20; quick 6)
#   BENCH_SKIP_SPARE=1   skip the spare rows (9a-9c: spare = true against docker run and docker exec)
#   BENCH_KEEP_IMAGES=1  keep the bench images (devenv/bench-*) at the end
#   BENCH_STRICT=1       exit 1 when a measurement misses its target
#
# Prints a table and writes it as markdown to bench/out/results-<date>-<time>.md
# (bench/out/ is git-ignored), with hyperfine's JSON next to it. See bench/README.md.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$REPO/bench"

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- settings
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
  JUNK_MB=${BENCH_JUNK_MB:-64}; JUNK_FILES=${BENCH_JUNK_FILES:-2000}; RUNS=${BENCH_RUNS:-5}
  WATCH_SAVES=${BENCH_WATCH_SAVES:-5}; SHELL_RUNS=${BENCH_SHELL_RUNS:-6}
else
  JUNK_MB=${BENCH_JUNK_MB:-1024}; JUNK_FILES=${BENCH_JUNK_FILES:-50000}; RUNS=${BENCH_RUNS:-20}
  WATCH_SAVES=${BENCH_WATCH_SAVES:-20}; SHELL_RUNS=${BENCH_SHELL_RUNS:-20}
fi
WARMUP=${BENCH_WARMUP:-3}
BLOCKS=${BENCH_BLOCKS:-2}
WATCH_SPACING=${BENCH_WATCH_SPACING:-2.5}
WATCH_IDLE=${BENCH_WATCH_IDLE:-10}
NODE_PKG=${BENCH_NODE_PKG:-ms@2.1.3}
DC_SPEC=${BENCH_DEVCONTAINER_CLI:-@devcontainers/cli}
for v in JUNK_MB JUNK_FILES RUNS WARMUP BLOCKS WATCH_SAVES SHELL_RUNS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v=${!v}: want a whole number"
done
for v in WATCH_SPACING WATCH_IDLE; do
  [[ ${!v} =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "$v=${!v}: want a number of seconds"
done
[ "$WATCH_SAVES" -ge 1 ] || die "need BENCH_WATCH_SAVES >= 1"
[ "$JUNK_FILES" -ge 1 ] && [ "$RUNS" -ge 2 ] && [ "$BLOCKS" -ge 1 ] || die "need BENCH_JUNK_FILES >= 1, BENCH_RUNS >= 2, BENCH_BLOCKS >= 1"

# The exact command to run this again, with the overrides that were set.
RERUN="bash bench/run.sh"
for v in BENCH_RUNS BENCH_WARMUP BENCH_BLOCKS BENCH_JUNK_FILES BENCH_JUNK_MB BENCH_WATCH_SAVES BENCH_WATCH_SPACING BENCH_WATCH_IDLE \
    BENCH_SKIP_WATCH BENCH_SKIP_GO BENCH_SKIP_NODE BENCH_NODE_PKG BENCH_SKIP_DEVCONTAINER BENCH_DEVCONTAINER_CLI \
    BENCH_SKIP_SHELL BENCH_SHELL_RUNS BENCH_SKIP_SPARE BENCH_QUICK BENCH_SKIP_REF_BUILD BENCH_KEEP_IMAGES BENCH_STRICT; do
  [ -n "${!v:-}" ] && RERUN="$v=${!v} $RERUN"
done
RERUN="cd $REPO && $RERUN"

# ---------------------------------------------------------------- tools
command -v go >/dev/null || die "go is not installed"
command -v python3 >/dev/null || die "python3 is not installed"
[ "${BENCH_SKIP_WATCH:-0}" = 1 ] || [ -r /proc/self/fdinfo ] || die "the watch rows read /proc/<pid>/fdinfo: Linux only (BENCH_SKIP_WATCH=1 skips them)"
if ! command -v hyperfine >/dev/null; then
  log "installing hyperfine (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
fi

# ---------------------------------------------------------------- temp dir and cleanup
WORK=$(mktemp -d "${TMPDIR:-/tmp}/devenv-bench.XXXXXX")
[[ $WORK =~ [[:space:]] ]] && die "temp dir $WORK has a space; hyperfine -N splits on spaces: set TMPDIR"
PROXY_PID=""
IMAGES=()
DCP=""  # the Dev Containers project: its containers carry devcontainer.local_folder=$DCP
PERS=""  # the persistent = true project of row 1d: `devenv rm -f` removes its warm container
SPP="" EXEC_CTR=""  # rows 9a-9c: the spare = true project (`devenv stop` ends its spare), docker exec's container
cleanup() {
  local rc=$?
  if [ -n "$PROXY_PID" ]; then kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; fi
  if [ -n "$PERS" ]; then "$DEVENV" -C "$PERS" rm -f >/dev/null 2>&1 || true; fi
  if [ -n "$SPP" ]; then "$DEVENV" -C "$SPP" stop >/dev/null 2>&1 || true; fi
  if [ -n "$EXEC_CTR" ]; then docker rm -f "$EXEC_CTR" >/dev/null 2>&1 || true; fi
  if [ -n "$DCP" ]; then
    local ids
    ids=$(docker ps -aq --filter "label=devcontainer.local_folder=$DCP" 2>/dev/null || true)
    if [ -n "$ids" ]; then docker rm -f $ids >/dev/null 2>&1 || true; fi
  fi
  if [ "${BENCH_KEEP_IMAGES:-0}" != 1 ]; then
    # The go and node rows' images, by name (devenv/bench-go:*, devenv/bench-node:*):
    # only this script makes them.
    IMAGES+=($(docker images --format '{{.Repository}}:{{.Tag}}' devenv/bench-go 2>/dev/null || true))
    IMAGES+=($(docker images --format '{{.Repository}}:{{.Tag}}' devenv/bench-node 2>/dev/null || true))
    if [ ${#IMAGES[@]} -gt 0 ]; then docker image rm "${IMAGES[@]}" >/dev/null 2>&1 || true; fi
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- devenv and the engine
log "building devenv into $WORK/bin"
(cd "$REPO" && go build -o "$WORK/bin/devenv" ./cmd/devenv) || die "go build ./cmd/devenv failed"
DEVENV="$WORK/bin/devenv"
bash "$REPO/scripts/engine-up.sh"
ENGINE=$(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')

# ---------------------------------------------------------------- fixtures
EMPTY="$WORK/empty"
BIG="$WORK/big"
write_project() { # dir name
  mkdir -p "$1"
  cat >"$1/devenv.toml" <<EOF
name = "$2"
base = "busybox:devenv"
dependencies = ["deps.txt"]
install = ["wc -l deps.txt > /tmp/deps.count"]
EOF
  printf 'alpha==1.2.3\nbeta==4.5.6\ngamma==7.8.9\n' >"$1/deps.txt"
}
write_project "$EMPTY" bench-empty
write_project "$BIG" bench-big

# The junk tree: random bytes (nothing compresses, nothing is shared) in up to 100
# directories, each filled by one `head -c | split`, two directories at a time.
per_file=$(( JUNK_MB * 1048576 / JUNK_FILES ))
[ "$per_file" -ge 1 ] || die "BENCH_JUNK_MB=$JUNK_MB over BENCH_JUNK_FILES=$JUNK_FILES is under a byte per file"
ndirs=$(( JUNK_FILES < 100 ? JUNK_FILES : 100 ))
log "writing the junk tree: $JUNK_FILES files of $per_file bytes in $ndirs directories"
t0=$(date +%s.%N)
fill_dir() { # index
  local d=$1 n dir
  n=$(( JUNK_FILES / ndirs + (d < JUNK_FILES % ndirs ? 1 : 0) ))
  dir=$(printf '%s/junk/d%03d' "$BIG" "$d")
  mkdir -p "$dir"
  head -c $(( n * per_file )) /dev/urandom | split -b "$per_file" -a 6 -d - "$dir/f"
}
for ((d = 0; d < ndirs; d++)); do
  fill_dir "$d" &
  if (( d % 2 == 1 )); then wait; fi
done
wait
JUNK_BYTES=$(( per_file * JUNK_FILES ))
sync  # the junk tree's dirty pages are written back now, not during the timings
got_files=$(find "$BIG/junk" -type f | wc -l)
[ "$got_files" -eq "$JUNK_FILES" ] || die "junk tree has $got_files files, wanted $JUNK_FILES"
TREE_BYTES=$(du -sb "$BIG" | cut -f1)
log "junk tree: $got_files files, $JUNK_BYTES bytes of data, in $(python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)") s"
JUNK_LABEL=$(python3 -c "import sys; b=int(sys.argv[1]); print('%.0f MB' % (b/1e6) if b < 1e9 else '%.2f GB' % (b/1e9))" "$JUNK_BYTES")

# Warm images: build both once, then read the tag from the up-to-date line.
tag_of() { # dir
  "$DEVENV" -C "$1" build --progress quiet >/dev/null 2>"$WORK/build.err" || { cat "$WORK/build.err" >&2; die "devenv build in $1 failed"; }
  "$DEVENV" -C "$1" build 2>&1 | sed -n 's|^\(devenv/[^ ]*\) is up to date$|\1|p'
}
TAG_EMPTY=$(tag_of "$EMPTY")
TAG_BIG=$(tag_of "$BIG")
[ -n "$TAG_EMPTY" ] && [ -n "$TAG_BIG" ] || die "devenv build did not print '<tag> is up to date' on its second run"
IMAGES+=("$TAG_EMPTY" "$TAG_BIG")
docker image inspect "$TAG_EMPTY" "$TAG_BIG" >/dev/null || die "the tags devenv printed are not in the engine"
log "images: $TAG_EMPTY $TAG_BIG"
"$DEVENV" -C "$BIG" run -- true || die "devenv run -- true fails in $BIG"

# ---------------------------------------------------------------- timings
RUNS_PER_BLOCK=$(( (RUNS + BLOCKS - 1) / BLOCKS ))
[ "$RUNS_PER_BLOCK" -ge 2 ] || RUNS_PER_BLOCK=2
OUT_JSON="$WORK/json"
mkdir -p "$OUT_JSON"
# compare ID NAME_A CMD_A NAME_B CMD_B: ONE hyperfine invocation with both commands.
# hyperfine does not interleave: it runs all of a command's runs, then the next command's.
# So each command is listed BENCH_BLOCKS times in the order A B B A (A B B A B A A B for
# 4, ...) with RUNS/BLOCKS runs (and its own warmup) per block; report.py pools the
# times by name. JSON in $OUT_JSON/ID-1.json.
compare() {
  local id=$1 na=$2 ca=$3 nb=$4 cb=$5 i runs=$RUNS_PER_BLOCK args=()
  local bits parity
  for ((i = 0; i < BLOCKS; i++)); do
    # Thue-Morse order: block i starts with B when i has an odd number of 1 bits.
    bits=$i parity=0
    while (( bits > 0 )); do parity=$(( parity ^ (bits & 1) )); bits=$(( bits >> 1 )); done
    if (( parity == 1 )); then
      args+=(-n "$nb" "$cb" -n "$na" "$ca")
    else
      args+=(-n "$na" "$ca" -n "$nb" "$cb")
    fi
  done
  log "hyperfine $id: $BLOCKS block(s) of $runs runs per command"
  hyperfine -N --style basic --warmup "$WARMUP" --runs "$runs" \
    --export-json "$OUT_JSON/$id-1.json" "${args[@]}" >&2
}
compare warm devenv "$DEVENV -C $EMPTY run -- true" docker "docker run --rm $TAG_EMPTY true"
compare size-run big "$DEVENV -C $BIG run -- true" empty "$DEVENV -C $EMPTY run -- true"
compare size-check big "$DEVENV -C $BIG build" empty "$DEVENV -C $EMPTY build"

# compare_multi ID NAME CMD PREPARE [NAME CMD PREPARE ...]: like compare, for any number of
# commands, each with its own --prepare command (run before each of its runs, warmup
# included). Blocks alternate the order: forward, reversed, reversed, forward, ...
compare_multi() {
  local id=$1 i j bits parity runs=$RUNS_PER_BLOCK args=() preps=() names=() cmds=() pres=()
  shift
  while [ $# -ge 3 ]; do names+=("$1"); cmds+=("$2"); pres+=("$3"); shift 3; done
  local n=${#names[@]}
  for ((i = 0; i < BLOCKS; i++)); do
    bits=$i parity=0
    while (( bits > 0 )); do parity=$(( parity ^ (bits & 1) )); bits=$(( bits >> 1 )); done
    for ((j = 0; j < n; j++)); do
      local k=$(( parity == 1 ? n - 1 - j : j ))
      args+=(-n "${names[k]}" "${cmds[k]}")
      preps+=(--prepare "${pres[k]}")
    done
  done
  log "hyperfine $id: $BLOCKS block(s) of $runs runs per command, $n commands"
  hyperfine -N --style basic --warmup "$WARMUP" --runs "$runs" \
    --export-json "$OUT_JSON/$id-1.json" "${preps[@]}" "${args[@]}" >&2
}

# ---------------------------------------------------------------- interactive shell (rows 7a, 7b)
# bench/shellbench.py starts `devenv shell` (the empty project, up to date: no build
# output) and `docker run --rm -it <same tag> sh` on a pseudo-terminal, alternating, and
# stamps the first byte of output and the first "# " or "$ " (the prompt); it answers
# busybox ash's ESC[6n with ESC[1;1R and sends `exit` after the prompt.
SHELL_JSON=""
if [ "${BENCH_SKIP_SHELL:-0}" != 1 ]; then
  log "shell: devenv shell vs docker run --rm -it on a pty, $SHELL_RUNS runs each (+$WARMUP warmup)"
  SHELL_JSON="$WORK/shell.json"
  python3 "$BENCH/shellbench.py" "$SHELL_JSON" "$SHELL_RUNS" "$WARMUP" \
    "devenv=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$DEVENV" -C "$EMPTY" shell)" \
    "docker=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' docker run --rm -it "$TAG_EMPTY" sh)" \
    || die "shellbench.py failed"
fi

# ---------------------------------------------------------------- Dev Containers CLI (rows 1b, 1c)
# @devcontainers/cli from npm, in $WORK/dc. Its project: deps.txt and a
# .devcontainer/devcontainer.json whose "image" is the empty project's devenv image (so
# nothing is built or pulled), the folder bind-mounted at /workspace. One hyperfine
# invocation, three commands:
#   devenv     devenv run -- true (a new container every time, as in row 1)
#   dc-up      devcontainer up + devcontainer exec true, after `docker rm -f` of the
#              project's container (hyperfine --prepare): the container is created
#   dc-exec    devcontainer exec true into the running container (--prepare: up if none)
# The CLI runs with TMPDIR=$WORK/dctmp (its feature files and control-manifest cache).
DC="" DC_VERSION="" DC_NOTE="" DC_ERR="" PERS_NOTE=""
if [ "${BENCH_SKIP_DEVCONTAINER:-0}" != 1 ]; then
  if ! command -v npm >/dev/null; then
    DC_NOTE="npm is not installed: no Dev Containers CLI column"
  else
    log "devcontainer: npm install --prefix $WORK/dc $DC_SPEC"
    if timeout 300 npm install --prefix "$WORK/dc" --no-audit --no-fund --loglevel=error "$DC_SPEC" >"$WORK/dc-npm.log" 2>&1 \
        && [ -x "$WORK/dc/node_modules/.bin/devcontainer" ]; then
      DC="$WORK/dc/node_modules/.bin/devcontainer"
      DC_VERSION=$("$DC" --version 2>/dev/null || echo '?')
    else
      DC_NOTE="npm install $DC_SPEC failed, so no Dev Containers CLI column (the registry unreachable?): $(grep -v '^ *$' "$WORK/dc-npm.log" | grep -vE 'complete log|behind a proxy|npm help config' | head -n 4 | tr '\n' ' ' | cut -c1-360)"
    fi
  fi
fi
if [ -n "$DC" ]; then
  DCP="$WORK/dcproj"
  mkdir -p "$DCP/.devcontainer" "$WORK/dctmp"
  cp "$EMPTY/deps.txt" "$DCP/"
  cat >"$DCP/.devcontainer/devcontainer.json" <<EOF
{
  "name": "bench-dc",
  "image": "$TAG_EMPTY",
  "workspaceFolder": "/workspace",
  "workspaceMount": "source=\${localWorkspaceFolder},target=/workspace,type=bind"
}
EOF
  cat >"$WORK/dc-rm.sh" <<EOF
ids=\$(docker ps -aq --filter label=devcontainer.local_folder=$DCP)
if [ -n "\$ids" ]; then docker rm -f \$ids >/dev/null; fi
EOF
  cat >"$WORK/dc-up-exec.sh" <<EOF
"$DC" up --workspace-folder "$DCP" >/dev/null && exec "$DC" exec --workspace-folder "$DCP" true
EOF
  cat >"$WORK/dc-ensure-up.sh" <<EOF
if [ -z "\$(docker ps -q --filter label=devcontainer.local_folder=$DCP)" ]; then "$DC" up --workspace-folder "$DCP" >/dev/null; fi
EOF
  log "devcontainer $DC_VERSION: up + exec once in $DCP"
  set +e
  TMPDIR="$WORK/dctmp" bash "$WORK/dc-rm.sh"
  TMPDIR="$WORK/dctmp" "$DC" up --workspace-folder "$DCP" >"$WORK/dc-up.log" 2>&1 \
    && TMPDIR="$WORK/dctmp" "$DC" exec --workspace-folder "$DCP" true >>"$WORK/dc-up.log" 2>&1
  dc_rc=$?
  set -e
  if [ "$dc_rc" != 0 ]; then
    DC_ERR="devcontainer up/exec against Docker $ENGINE exited $dc_rc: $(grep -iE 'error|fail' "$WORK/dc-up.log" | grep -v 'control manifest' | tail -n 3 | tr '\n' ' ' | cut -c1-400)"
    log "$DC_ERR"
  else
    set +e
    # Row 1d: devenv's own reuse of a running container, `persistent = true` (a copy of
    # the empty project with that line; its warm container is made by the check below
    # and kept, so every timed run is an exec into it).
    pers_cmd=()
    PERS="$WORK/persist"
    write_project "$PERS" bench-persist
    printf 'persistent = true\n' >>"$PERS/devenv.toml"
    if "$DEVENV" -C "$PERS" build --progress quiet >"$WORK/persist.log" 2>&1 \
        && "$DEVENV" -C "$PERS" run -- true >>"$WORK/persist.log" 2>&1; then
      IMAGES+=($(docker images --format '{{.Repository}}:{{.Tag}}' devenv/bench-persist 2>/dev/null || true))
      pers_cmd=(devenv-persist "$DEVENV -C $PERS run -- true" "true")
    else
      PERS_NOTE="devenv with persistent = true failed: $(grep -v '^ *$' "$WORK/persist.log" | tail -n 2 | tr '\n' ' ' | cut -c1-300)"
      log "$PERS_NOTE"
    fi
    TMPDIR="$WORK/dctmp" compare_multi dc \
      devenv "$DEVENV -C $EMPTY run -- true" "true" \
      dc-up "bash $WORK/dc-up-exec.sh" "bash $WORK/dc-rm.sh" \
      dc-exec "$DC exec --workspace-folder $DCP true" "bash $WORK/dc-ensure-up.sh" \
      "${pers_cmd[@]}"
    dc_rc=$?
    set -e
    [ "$dc_rc" = 0 ] || DC_ERR="hyperfine of the Dev Containers CLI commands exited $dc_rc (see the log above)"
  fi
fi

# ---------------------------------------------------------------- spares (rows 9a-9c)
# A copy of the empty project with spare = true. Its `devenv run -- true` (9a, 9b) and
# `devenv shell` to the prompt (9c) each find the spare the previous command left: an
# untimed --prepare waits until it is up, as a person's next command finds it. The
# references use the empty project's image: `docker run --rm IMAGE true`, `docker exec`
# into a container of it kept running, `docker run --rm -it IMAGE sh` on a pty.
SPARE_JSON=""
if [ "${BENCH_SKIP_SPARE:-0}" != 1 ]; then
  SPP="$WORK/spare"
  write_project "$SPP" bench-spare
  printf 'spare = true\n' >>"$SPP/devenv.toml"
  "$DEVENV" -C "$SPP" build --progress quiet >"$WORK/spare.log" 2>&1 && "$DEVENV" -C "$SPP" run -- true >>"$WORK/spare.log" 2>&1 \
    || die "devenv with spare = true failed: $(tail -n 3 "$WORK/spare.log")"
  IMAGES+=($(docker images --format '{{.Repository}}:{{.Tag}}' devenv/bench-spare 2>/dev/null || true))
  cat >"$WORK/spare-ready.sh" <<EOF
until [ -n "\$(docker ps -q --filter label=dev.devenv.project=$SPP --filter label=dev.devenv.container=spare --filter name=bench-spare-spare- --filter status=running)" ]; do sleep 0.02; done
EOF
  EXEC_CTR=$(docker run -d --rm "$TAG_EMPTY" sleep 86400)
  compare_multi spare \
    devenv-spare "$DEVENV -C $SPP run -- true" "bash $WORK/spare-ready.sh" \
    docker-run "docker run --rm $TAG_EMPTY true" "true" \
    docker-exec "docker exec $EXEC_CTR true" "true"
  if [ "${BENCH_SKIP_SHELL:-0}" != 1 ]; then
    SPARE_JSON="$WORK/spare-shell.json"
    python3 "$BENCH/sparebench.py" shell "$SPARE_JSON" "$SHELL_RUNS" "$WARMUP" "bash $WORK/spare-ready.sh" \
      "devenv-spare=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$DEVENV" -C "$SPP" shell)" \
      "docker=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1:]))' docker run --rm -it "$TAG_EMPTY" sh)" \
      || die "sparebench.py shell failed"
  fi
  docker rm -f "$EXEC_CTR" >/dev/null; EXEC_CTR=""
  "$DEVENV" -C "$SPP" stop >/dev/null; SPP=""
fi

# ---------------------------------------------------------------- build context bytes
# Every client goes through ctxproxy.py, which counts the HTTP body of each build request
# exactly (the tar stream of the context). BuildKit's "transferring context" line is
# read too where a client prints one (docker build with buildx, session transport).
SOCK="$WORK/engine-proxy.sock"
ENGINE_SOCK=${DOCKER_HOST:-unix:///var/run/docker.sock}
[[ $ENGINE_SOCK == unix://* ]] || die "context bytes are counted through a unix-socket proxy: DOCKER_HOST=$ENGINE_SOCK is not unix://"
mkdir -p "$WORK/bodies"
python3 "$BENCH/ctxproxy.py" "$SOCK" "${ENGINE_SOCK#unix://}" "$WORK/ctx.jsonl" "$WORK/bodies" &
PROXY_PID=$!
for _ in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || die "ctxproxy.py did not start"
: >"$WORK/ctx.jsonl"

now() { date +%s.%N; }
log "devenv build --rebuild --progress plain in the junk project"
t0=$(now)
DOCKER_HOST="unix://$SOCK" "$DEVENV" -C "$BIG" build --rebuild --progress plain >"$WORK/devenv-build.log" 2>&1 \
  || { cat "$WORK/devenv-build.log" >&2; die "devenv build --rebuild failed"; }
DEVENV_BUILD_S=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$(now)")
DEVENV_CTX_LINE=$(grep -m1 'transferring context' "$WORK/devenv-build.log" || true)
sleep 0.2
DEVENV_CTX=$(python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(r[-1]['body_bytes'] if r else '')" "$WORK/ctx.jsonl")
[ -n "$DEVENV_CTX" ] || die "the proxy saw no build request from devenv"
DEVENV_CTX_LIST=$(tar -tvf "$WORK/bodies/build-1.tar" 2>/dev/null | awk '{printf "%s (%s B); ", $6, $3}' || true)

REF_CTX="" REF_BUILD_S="" REF_NOTE="skipped (BENCH_SKIP_REF_BUILD=1)" REF_CTX_LINE=""
if [ "${BENCH_SKIP_REF_BUILD:-0}" != 1 ]; then
  mkdir -p "$WORK/ref"
  "$DEVENV" -C "$BIG" dockerfile -o "$WORK/ref/Dockerfile" 2>/dev/null
  REF_TAG="devenv-bench-ref:$(basename "$WORK" | tr 'A-Z' 'a-z' | tr -cd 'a-z0-9')"
  IMAGES+=("$REF_TAG")
  if docker buildx version >/dev/null 2>&1; then
    REF_MODE="DOCKER_BUILDKIT=1 docker build --progress plain (BuildKit, session transport)"
    ref_env=(DOCKER_BUILDKIT=1); ref_flags=(--progress plain)
  else
    # The docker CLI here has no buildx, so `docker build` can only use the legacy
    # builder, which sends the context as one tar over HTTP: the proxy counts it.
    REF_MODE="DOCKER_BUILDKIT=0 docker build (legacy builder: this docker CLI has no buildx)"
    ref_env=(DOCKER_BUILDKIT=0); ref_flags=()
  fi
  log "reference: $REF_MODE of the junk project ($JUNK_LABEL)"
  n_before=$(wc -l <"$WORK/ctx.jsonl")
  t0=$(now)
  set +e
  env DOCKER_HOST="unix://$SOCK" "${ref_env[@]}" docker build "${ref_flags[@]}" --force-rm -t "$REF_TAG" \
    -f "$WORK/ref/Dockerfile" "$BIG" >"$WORK/ref-build.log" 2>&1
  ref_rc=$?
  set -e
  REF_BUILD_S=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$(now)")
  sleep 0.2
  REF_CTX_LINE=$(grep -m1 -E 'transferring context|Sending build context' "$WORK/ref-build.log" || true)
  if [ "$(wc -l <"$WORK/ctx.jsonl")" -gt "$n_before" ]; then
    REF_CTX=$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])['body_bytes'])" "$WORK/ctx.jsonl")
  elif [[ $REF_CTX_LINE =~ transferring\ context:\ ([0-9.]+)([kMG]?B) ]]; then
    # Session transport: no HTTP body to count; BuildKit's line (decimal units) instead.
    REF_CTX=$(python3 -c "import sys; print(int(float(sys.argv[1]) * {'B':1,'kB':1e3,'MB':1e6,'GB':1e9}[sys.argv[2]]))" \
      "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
  fi
  [ -n "$REF_CTX" ] || { tail -n 20 "$WORK/ref-build.log" >&2; die "could not measure the reference build's context"; }
  # The legacy builder leaves the untagged images of the steps it ran: remove the last
  # one (docker then prunes its untagged parents), never a tagged image such as the base.
  leaf=$(sed -n 's/^ ---> \([0-9a-f]\{12,\}\)$/\1/p' "$WORK/ref-build.log" | tail -n 1)
  if [ -n "$leaf" ] && [ "$(docker image inspect -f '{{len .RepoTags}}' "$leaf" 2>/dev/null)" = 0 ]; then
    docker image rm "$leaf" >/dev/null 2>&1 || true
  fi
  REF_NOTE="$REF_MODE: exit $ref_rc"
  if [ "$ref_rc" != 0 ]; then
    REF_NOTE="$REF_NOTE ($(grep -v '^ *$' "$WORK/ref-build.log" | tail -n 1 | cut -c1-160)); the context was sent in full before that"
  fi
fi
# The Dev Containers CLI builds only for a build-based devcontainer.json (an "image"
# one, as in rows 1b/1c, builds nothing). So: the junk project gets, for this one build,
# a .devcontainer/ with a Dockerfile doing what devenv's does (FROM the same base, COPY
# deps.txt, RUN the install command; no RUN --mount, so the legacy builder can run it)
# and "build": {"context": ".."}, the project root, as its usual setup has it.
# `devcontainer build` goes through the proxy like the others.
DC_CTX="" DC_BUILD_S="" DC_CTX_NOTE="" DC_CTX_LINE=""
if [ -n "$DC" ] && [ -z "$DC_ERR" ]; then
  mkdir -p "$BIG/.devcontainer"
  cat >"$BIG/.devcontainer/Dockerfile" <<'EOF'
FROM busybox:devenv
WORKDIR /workspace
COPY deps.txt /workspace/
RUN wc -l deps.txt > /tmp/deps.count
EOF
  cat >"$BIG/.devcontainer/devcontainer.json" <<'EOF'
{
  "name": "bench-dc-build",
  "build": { "dockerfile": "Dockerfile", "context": ".." },
  "workspaceFolder": "/workspace",
  "workspaceMount": "source=${localWorkspaceFolder},target=/workspace,type=bind"
}
EOF
  DC_BUILD_TAG="devenv-bench-dcbuild:$(basename "$WORK" | tr 'A-Z' 'a-z' | tr -cd 'a-z0-9')"
  IMAGES+=("$DC_BUILD_TAG")
  log "devcontainer build of the junk project ($JUNK_LABEL), through the proxy"
  n_before=$(wc -l <"$WORK/ctx.jsonl")
  t0=$(now)
  set +e
  DOCKER_HOST="unix://$SOCK" TMPDIR="$WORK/dctmp" "$DC" build --workspace-folder "$BIG" --image-name "$DC_BUILD_TAG" \
    >"$WORK/dc-build.log" 2>&1
  dcb_rc=$?
  set -e
  DC_BUILD_S=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$t0" "$(now)")
  sleep 0.2
  rm -rf "$BIG/.devcontainer"
  DC_CTX_LINE=$(grep -m1 -oE 'transferring context: .*|Sending build context.*' "$WORK/dc-build.log" || true)
  DC_CTX_CMD=$(grep -m1 -oE 'Run: docker (buildx )?build .*' "$WORK/dc-build.log" | cut -c6-400 || true)
  if [ "$(wc -l <"$WORK/ctx.jsonl")" -gt "$n_before" ]; then
    DC_CTX=$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])['body_bytes'])" "$WORK/ctx.jsonl")
  fi
  DC_CTX_NOTE="devcontainer build (build-based devcontainer.json, context = project root): exit $dcb_rc; it ran \`${DC_CTX_CMD:-?}\`"
  if [ "$dcb_rc" != 0 ]; then
    DC_CTX_NOTE="$DC_CTX_NOTE; failed: $(grep -iE 'error' "$WORK/dc-build.log" | tail -n 2 | tr '\n' ' ' | cut -c1-300)"
  fi
  leaf=$(sed -n 's/^.* ---> \([0-9a-f]\{12,\}\)$/\1/p' "$WORK/dc-build.log" | tail -n 1)
  if [ -n "$leaf" ] && [ "$(docker image inspect -f '{{len .RepoTags}}' "$leaf" 2>/dev/null)" = 0 ]; then
    docker image rm "$leaf" >/dev/null 2>&1 || true
  fi
fi
kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; PROXY_PID=""

# ---------------------------------------------------------------- devenv watch (rows 4a-4d)
# bench/watchbench.py starts `devenv watch` in the junk project with its output on a pipe,
# stamps each line as it arrives (time.monotonic), saves deps.txt WATCH_SAVES times and
# reads the watcher's inotify watches, VmRSS and idle CPU from /proc. It puts deps.txt
# back before it stops the watcher, and lists the tags it built for the cleanup.
WATCH_JSON=""
if [ "${BENCH_SKIP_WATCH:-0}" != 1 ]; then
  log "devenv watch in the junk project: $WATCH_SAVES saves of deps.txt, ${WATCH_SPACING} s apart, then ${WATCH_IDLE} s idle"
  WATCH_JSON="$WORK/watch.json"
  set +e
  python3 "$BENCH/watchbench.py" "$DEVENV" "$BIG" deps.txt "$WATCH_SAVES" "$WATCH_SPACING" "$WATCH_IDLE" \
    "$WATCH_JSON" "$WORK/watch.log" "$WORK/watch.tags"
  watch_rc=$?
  set -e
  if [ -f "$WORK/watch.tags" ]; then
    while read -r t; do
      if [ -n "$t" ] && [ "$t" != "$TAG_BIG" ]; then IMAGES+=("$t"); fi
    done <"$WORK/watch.tags"
  fi
  [ "$watch_rc" = 0 ] || { [ -f "$WORK/watch.log" ] && tail -n 20 "$WORK/watch.log" >&2; die "watchbench.py failed (exit $watch_rc)"; }
fi

# ---------------------------------------------------------------- go: one module added (rows 5a, 5b)
# A copy of examples/go named bench-go. Three builds, one run each:
#   image-cold:  `build --rebuild` with no bench-go image; BuildKit's layer cache is as
#                the engine has it (warm when examples/go was built before: all CACHED).
#   cold:        the same after one ENV line unique to this run is added to [build.env], so no
#                layer from the OS packages on can come from the cache (apt's .deb cache
#                mount may still be warm). The reference of row 5a.
#   rebuild:     `go get golang.org/x/text@v0.14.0` on the host, then `build`.
GO_DIR="$WORK/go"
GO_IMAGE_COLD_S="" GO_COLD_S="" GO_REBUILD_S="" GO_GET_NOTE=""
elapsed() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(now)"; }
go_build() { # log-name devenv-build-flags...
  local name=$1 t0; shift
  t0=$(now)
  "$DEVENV" -C "$GO_DIR" build "$@" --progress plain >"$WORK/$name.log" 2>&1 \
    || { tail -n 30 "$WORK/$name.log" >&2; die "devenv build $* in the bench-go copy failed"; }
  elapsed "$t0"
}
if [ "${BENCH_SKIP_GO:-0}" != 1 ]; then
  cp -r "$REPO/examples/go" "$GO_DIR"
  rm -rf "$GO_DIR/.devenv"
  sed -i 's/^name = .*/name = "bench-go"/' "$GO_DIR/devenv.toml"
  grep -q '^name = "bench-go"$' "$GO_DIR/devenv.toml" || die "could not rename the examples/go copy"
  old=$(docker images --format '{{.Repository}}:{{.Tag}}' devenv/bench-go)
  [ -z "$old" ] || docker image rm $old >/dev/null
  log "go: cold build of the examples/go copy (no bench-go image; layer cache as it is)"
  GO_IMAGE_COLD_S=$(go_build go-image-cold --rebuild)
  # The cache-busting line goes into [build.env] ([env] values no longer reach the image).
  printf '\n[build.env]\nBENCH_COLD = "%s"\n' "$(basename "$WORK")-$(date +%s%N)" >>"$GO_DIR/devenv.toml"
  log "go: cold build with the layer cache bypassed (one unique ENV line)"
  GO_COLD_S=$(go_build go-cold --rebuild)
  go_before=$(grep -E '^go ' "$GO_DIR/go.mod")
  (cd "$GO_DIR" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go get golang.org/x/text@v0.14.0) >"$WORK/go-get.log" 2>&1 \
    || { cat "$WORK/go-get.log" >&2; die "go get golang.org/x/text@v0.14.0 failed"; }
  go_after=$(grep -E '^go ' "$GO_DIR/go.mod")
  [ "$go_before" = "$go_after" ] || die "go get changed the go directive: '$go_before' -> '$go_after' (Debian's Go 1.19 builds the image)"
  ! grep -qE '^(toolchain|godebug) ' "$GO_DIR/go.mod" || die "go get added a toolchain or godebug line Go 1.19 cannot read"
  GO_GET_NOTE="$go_after kept; $(tr '\n' ' ' <"$WORK/go-get.log" | sed 's/ *$//')"
  log "go: rebuild after go get golang.org/x/text@v0.14.0"
  GO_REBUILD_S=$(go_build go-rebuild)
fi

# ---------------------------------------------------------------- go: one [env] value changed (row 8)
# The bench-go copy of rows 5a/5b, up to date: before each timed `run -- true` a new
# value of one [env] variable (BENCH_ENV) is written; the reference is 5a's cold build.
# Then once more, with the output kept: no build step may run, no image may be added.
ENVCHG_NOTE="" ENVCHG_STEPS="" ENVCHG_IMAGES=""
if [ -n "$GO_COLD_S" ]; then
  sed -i '/^\[env\]$/a BENCH_ENV = "0"' "$GO_DIR/devenv.toml"
  printf '#!/bin/sh\nexec sed -i "s/^BENCH_ENV = .*/BENCH_ENV = \\"$(date +%%s%%N)\\"/" %s\n' "$GO_DIR/devenv.toml" >"$WORK/bump-env.sh"
  chmod +x "$WORK/bump-env.sh"
  "$DEVENV" -C "$GO_DIR" build >"$WORK/envchg.log" 2>&1 || die "devenv build after adding BENCH_ENV failed: $(tail -n 3 "$WORK/envchg.log")"
  images_before=$(docker images -q devenv/bench-go | wc -l)
  log "hyperfine envchg: $RUNS runs, a new BENCH_ENV value before each"
  hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --prepare "$WORK/bump-env.sh" \
    --export-json "$OUT_JSON/envchg-1.json" -n devenv "$DEVENV -C $GO_DIR run -- true" >&2
  "$WORK/bump-env.sh"
  want=$(sed -n 's/^BENCH_ENV = "\(.*\)"$/\1/p' "$GO_DIR/devenv.toml")
  got=$("$DEVENV" -C "$GO_DIR" run -- sh -c 'echo "$BENCH_ENV"' 2>"$WORK/envchg.log")
  [ "$got" = "$want" ] || ENVCHG_NOTE="the container saw BENCH_ENV=$got, devenv.toml says $want"
  ENVCHG_STEPS=$(grep -cE '^#[0-9]+ ' "$WORK/envchg.log" || true)
  ENVCHG_IMAGES=$(( $(docker images -q devenv/bench-go | wc -l) - images_before ))
fi

# ---------------------------------------------------------------- node: one package added (rows 6a, 6b)
# A copy of examples/node named bench-node, built like the go rows' cold and rebuild:
#   cold:     `build --rebuild` after one ENV line unique to this run is added to [build.env]
#             (no layer from the packages step on can come from the layer cache; the apt
#             and npm cache mounts may be warm). The reference of row 6a.
#   rebuild:  `npm install --package-lock-only` of NODE_PKG with the host's npm (it
#             changes package.json and package-lock.json, resolves nothing else), then `build`.
# A failure here (npm on the host, or the registry from the build) is a note, not fatal.
NODE_DIR="$WORK/node"
NODE_COLD_S="" NODE_REBUILD_S="" NODE_NOTE="" NODE_NPM_NOTE=""
node_build() { # log-name devenv-build-flags...: prints the seconds, or fails
  local name=$1 t0; shift
  t0=$(now)
  "$DEVENV" -C "$NODE_DIR" build "$@" --progress plain >"$WORK/$name.log" 2>&1 || return 1
  elapsed "$t0"
}
if [ "${BENCH_SKIP_NODE:-0}" != 1 ]; then
  cp -r "$REPO/examples/node" "$NODE_DIR"
  rm -rf "$NODE_DIR/.devenv" "$NODE_DIR/node_modules"
  sed -i 's/^name = .*/name = "bench-node"/' "$NODE_DIR/devenv.toml"
  grep -q '^name = "bench-node"$' "$NODE_DIR/devenv.toml" || die "could not rename the examples/node copy"
  old=$(docker images --format '{{.Repository}}:{{.Tag}}' devenv/bench-node)
  [ -z "$old" ] || docker image rm $old >/dev/null
  printf '\n[build.env]\nBENCH_COLD = "%s"\n' "$(basename "$WORK")-$(date +%s%N)" >>"$NODE_DIR/devenv.toml"
  log "node: cold build of the examples/node copy (one unique ENV line)"
  if ! NODE_COLD_S=$(node_build node-cold --rebuild); then
    NODE_COLD_S=""
    NODE_NOTE="the cold build failed: $(grep -v '^ *$' "$WORK/node-cold.log" | tail -n 3 | tr '\n' ' ' | cut -c1-300)"
  elif ! command -v npm >/dev/null; then
    NODE_NOTE="npm is not installed on the host: no dependency to add"
  else
    log "node: npm install --package-lock-only $NODE_PKG (host npm $(npm --version))"
    if (cd "$NODE_DIR" && timeout 300 npm install --package-lock-only --omit-lockfile-registry-resolved=false \
          --save-exact --no-audit --no-fund --loglevel=error "$NODE_PKG") >"$WORK/node-npm.log" 2>&1; then
      NODE_NPM_NOTE="npm $(npm --version): $(cd "$NODE_DIR" && python3 -c "
import json
lock = json.load(open('package-lock.json'))
pk = {k: v for k, v in lock['packages'].items() if k}
print('package.json dependencies %s; lockfile v%s: %d packages: %s' % (
    json.dumps(json.load(open('package.json'))['dependencies']), lock.get('lockfileVersion'), len(pk),
    ', '.join('%s@%s (%s)' % (k[len('node_modules/'):], v.get('version'), v.get('resolved', 'no resolved')) for k, v in pk.items())))")"
      log "node: rebuild after adding $NODE_PKG"
      if ! NODE_REBUILD_S=$(node_build node-rebuild); then
        NODE_REBUILD_S=""
        NODE_NOTE="the rebuild failed: $(grep -v '^ *$' "$WORK/node-rebuild.log" | tail -n 3 | tr '\n' ' ' | cut -c1-300)"
      fi
    else
      NODE_NOTE="npm install --package-lock-only $NODE_PKG failed (the registry unreachable?): $(grep -v '^ *$' "$WORK/node-npm.log" | grep -vE 'complete log|behind a proxy|npm help config' | head -n 4 | tr '\n' ' ' | cut -c1-360)"
    fi
  fi
  [ -z "$NODE_NOTE" ] || log "node: $NODE_NOTE"
fi

# ---------------------------------------------------------------- report
mkdir -p "$BENCH/out"
STAMP=$(date +%Y-%m-%d-%H%M%S)
SUFFIX=""; [ "$QUICK" = 1 ] && SUFFIX="-quick"
MD="$BENCH/out/results-$STAMP$SUFFIX.md"
JSON_KEEP="$BENCH/out/json-$STAMP$SUFFIX"
cp -r "$OUT_JSON" "$JSON_KEEP"
cp "$WORK/ctx.jsonl" "$WORK/devenv-build.log" "$JSON_KEEP/" 2>/dev/null || true
[ -f "$WORK/ref-build.log" ] && cp "$WORK/ref-build.log" "$JSON_KEEP/"
for f in watch.json watch.log go-image-cold.log go-cold.log go-get.log go-rebuild.log \
    shell.json dc-npm.log dc-up.log dc-build.log persist.log node-cold.log node-npm.log node-rebuild.log envchg.log; do
  if [ -f "$WORK/$f" ]; then cp "$WORK/$f" "$JSON_KEEP/"; fi
done
if [ -f "$GO_DIR/go.mod" ]; then cp "$GO_DIR/go.mod" "$JSON_KEEP/go-rebuild.go.mod"; fi
if [ -f "$NODE_DIR/package.json" ]; then
  cp "$NODE_DIR/package.json" "$JSON_KEEP/node-rebuild.package.json"
  cp "$NODE_DIR/package-lock.json" "$JSON_KEEP/node-rebuild.package-lock.json"
fi
if [ -n "$DCP" ]; then cp "$DCP/.devcontainer/devcontainer.json" "$JSON_KEEP/devcontainer.json"; fi

# The junk project's one dependency file, deps.txt, sits in the project root: one
# dependency directory, so the watcher may hold 1 + 1 = 2 inotify watches (1 is enough:
# devenv.toml is in the same directory).
WATCH_DEP_DIRS=1
export BENCH_R_JSON="$OUT_JSON" BENCH_R_MD="$MD" BENCH_R_RERUN="$RERUN" BENCH_R_ENGINE="$ENGINE" \
  BENCH_R_JUNK="$JUNK_LABEL in $JUNK_FILES files ($per_file B each; tree on disk $TREE_BYTES B)" \
  BENCH_R_RUNS="$(( RUNS_PER_BLOCK * BLOCKS ))" BENCH_R_WARMUP="$WARMUP" BENCH_R_BLOCKS="$BLOCKS" \
  BENCH_R_DEVENV_CTX="$DEVENV_CTX" BENCH_R_REF_CTX="$REF_CTX" BENCH_R_REF_NOTE="$REF_NOTE" \
  BENCH_R_DEVENV_BUILD_S="$DEVENV_BUILD_S" BENCH_R_REF_BUILD_S="$REF_BUILD_S" \
  BENCH_R_DEVENV_CTX_LIST="$DEVENV_CTX_LIST" BENCH_R_DEVENV_CTX_LINE="$DEVENV_CTX_LINE" BENCH_R_REF_CTX_LINE="$REF_CTX_LINE" \
  BENCH_R_TAGS="$TAG_EMPTY $TAG_BIG" BENCH_R_QUICK="$QUICK" BENCH_R_JSON_KEEP="$JSON_KEEP" \
  BENCH_R_WATCH_JSON="$WATCH_JSON" BENCH_R_WATCH_DEP_DIRS="$WATCH_DEP_DIRS" \
  BENCH_R_GO_LOGS="$( [ -n "$GO_REBUILD_S" ] && echo "$WORK" )" BENCH_R_GO_IMAGE_COLD_S="$GO_IMAGE_COLD_S" \
  BENCH_R_GO_COLD_S="$GO_COLD_S" BENCH_R_GO_REBUILD_S="$GO_REBUILD_S" BENCH_R_GO_GET_NOTE="$GO_GET_NOTE" \
  BENCH_R_SHELL_JSON="$SHELL_JSON" \
  BENCH_R_DC_SKIP="${BENCH_SKIP_DEVCONTAINER:-0}" BENCH_R_DC_VERSION="$DC_VERSION" BENCH_R_DC_NOTE="$DC_NOTE" \
  BENCH_R_DC_ERR="$DC_ERR" BENCH_R_DC_CTX="$DC_CTX" BENCH_R_DC_CTX_NOTE="$DC_CTX_NOTE" BENCH_R_DC_CTX_LINE="$DC_CTX_LINE" \
  BENCH_R_DC_BUILD_S="$DC_BUILD_S" BENCH_R_DC_PROJECT="$DCP" BENCH_R_PERS_NOTE="$PERS_NOTE" \
  BENCH_R_NODE_SKIP="${BENCH_SKIP_NODE:-0}" BENCH_R_NODE_LOGS="$WORK" BENCH_R_NODE_COLD_S="$NODE_COLD_S" \
  BENCH_R_NODE_REBUILD_S="$NODE_REBUILD_S" BENCH_R_NODE_NOTE="$NODE_NOTE" BENCH_R_NODE_NPM_NOTE="$NODE_NPM_NOTE" \
  BENCH_R_NODE_PKG="$NODE_PKG" \
  BENCH_R_ENVCHG_STEPS="$ENVCHG_STEPS" BENCH_R_ENVCHG_IMAGES="$ENVCHG_IMAGES" BENCH_R_ENVCHG_NOTE="$ENVCHG_NOTE" \
  BENCH_R_REV="$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?') ($(cd "$REPO" && git status --porcelain 2>/dev/null | wc -l) uncommitted paths)"
set +e
python3 "$BENCH/report.py"
report_rc=$?
if [ "${BENCH_SKIP_SPARE:-0}" != 1 ] && [ "$report_rc" != 1 ]; then
  python3 "$BENCH/sparebench.py" report "$OUT_JSON/spare-1.json" "$SPARE_JSON" "$MD"
  spare_rc=$?
  [ "$spare_rc" = 0 ] || report_rc=$spare_rc
  [ -z "$SPARE_JSON" ] || cp "$SPARE_JSON" "$JSON_KEEP/"
fi
set -e
log "markdown: $MD"
if [ "$report_rc" = 3 ] && [ "${BENCH_STRICT:-0}" = 1 ]; then exit 1; fi
[ "$report_rc" = 0 ] || [ "$report_rc" = 3 ] || die "report.py failed"
