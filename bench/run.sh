#!/usr/bin/env bash
# devenv benchmarks: warm start, repository-size independence, build-context size,
# `devenv watch` latency and footprint, the rebuild after a new Go module.
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
#   BENCH_SKIP_GO=1      skip the examples/go incremental rebuild rows (5a, 5b)
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
  WATCH_SAVES=${BENCH_WATCH_SAVES:-5}
else
  JUNK_MB=${BENCH_JUNK_MB:-1024}; JUNK_FILES=${BENCH_JUNK_FILES:-50000}; RUNS=${BENCH_RUNS:-20}
  WATCH_SAVES=${BENCH_WATCH_SAVES:-20}
fi
WARMUP=${BENCH_WARMUP:-3}
BLOCKS=${BENCH_BLOCKS:-2}
WATCH_SPACING=${BENCH_WATCH_SPACING:-2.5}
WATCH_IDLE=${BENCH_WATCH_IDLE:-10}
for v in JUNK_MB JUNK_FILES RUNS WARMUP BLOCKS WATCH_SAVES; do
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
    BENCH_SKIP_WATCH BENCH_SKIP_GO BENCH_QUICK BENCH_SKIP_REF_BUILD BENCH_KEEP_IMAGES BENCH_STRICT; do
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
cleanup() {
  local rc=$?
  if [ -n "$PROXY_PID" ]; then kill "$PROXY_PID" 2>/dev/null || true; wait "$PROXY_PID" 2>/dev/null || true; fi
  if [ "${BENCH_KEEP_IMAGES:-0}" != 1 ]; then
    # The go rows' images, by name (devenv/bench-go:*): only this script makes them.
    IMAGES+=($(docker images --format '{{.Repository}}:{{.Tag}}' devenv/bench-go 2>/dev/null || true))
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
#   cold:        the same after one ENV line unique to this run is added to [env], so no
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
  # The cache-busting line goes into [env], which must be the last table of the file.
  [ "$(grep -E '^\[' "$GO_DIR/devenv.toml" | tail -n 1)" = "[env]" ] || printf '\n[env]\n' >>"$GO_DIR/devenv.toml"
  printf 'BENCH_COLD = "%s"\n' "$(basename "$WORK")-$(date +%s%N)" >>"$GO_DIR/devenv.toml"
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

# ---------------------------------------------------------------- report
mkdir -p "$BENCH/out"
STAMP=$(date +%Y-%m-%d-%H%M%S)
SUFFIX=""; [ "$QUICK" = 1 ] && SUFFIX="-quick"
MD="$BENCH/out/results-$STAMP$SUFFIX.md"
JSON_KEEP="$BENCH/out/json-$STAMP$SUFFIX"
cp -r "$OUT_JSON" "$JSON_KEEP"
cp "$WORK/ctx.jsonl" "$WORK/devenv-build.log" "$JSON_KEEP/" 2>/dev/null || true
[ -f "$WORK/ref-build.log" ] && cp "$WORK/ref-build.log" "$JSON_KEEP/"
for f in watch.json watch.log go-image-cold.log go-cold.log go-get.log go-rebuild.log; do
  [ -f "$WORK/$f" ] && cp "$WORK/$f" "$JSON_KEEP/"
done
[ -f "$GO_DIR/go.mod" ] && cp "$GO_DIR/go.mod" "$JSON_KEEP/go-rebuild.go.mod"

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
  BENCH_R_REV="$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?') ($(cd "$REPO" && git status --porcelain 2>/dev/null | wc -l) uncommitted paths)"
set +e
python3 "$BENCH/report.py"
report_rc=$?
set -e
log "markdown: $MD"
if [ "$report_rc" = 3 ] && [ "${BENCH_STRICT:-0}" = 1 ]; then exit 1; fi
[ "$report_rc" = 0 ] || [ "$report_rc" = 3 ] || die "report.py failed"
