#!/usr/bin/env bash
# A machine with many projects: N projects (100 by default), each with its image and
# a warm container (busybox base, persistent), plus a foreign image and a foreign
# container that are not devenv's. Times `devenv ps --all`, `devenv images --all` and
# `devenv clean --all --dry-run` with hyperfine, and checks that clean would remove
# exactly the projects' images: every one of them, and neither the foreign image nor
# anything of the foreign container.
#
#   bash bench/many.sh                     # 100 projects, 20 runs per command
#   BENCH_PROJECTS=20 BENCH_RUNS=5 bash bench/many.sh
#
# clean runs only as --dry-run: the engine is shared, and a real `clean --all` removes
# every devenv image on it, not only the bench's. The removal itself is proven by
# tests/testdata/images_clean.txtar.
#
# Writes hyperfine's JSON and a markdown table to bench/out/many-<date>-<time>.*.
# Needs: Go, hyperfine, a Docker Engine with busybox:devenv.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${BENCH_PROJECTS:-100}
RUNS=${BENCH_RUNS:-20}
STAMP=$(date +%Y-%m-%d-%H%M%S)
OUT="$REPO/bench/out"
mkdir -p "$OUT"

bash "$REPO/scripts/engine-up.sh" >/dev/null
command -v hyperfine >/dev/null || { echo "many.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

TMP=$(mktemp -d)
FOREIGN="bench-many-foreign-$$"
cleanup() {
  for d in "$TMP"/p*; do
    [ -d "$d" ] || continue
    "$TMP/devenv" -C "$d" rm --force >/dev/null 2>&1 || true
    docker images -q "devenv/bench-many-$(basename "$d")" | xargs -r docker rmi -f >/dev/null 2>&1 || true
  done
  docker rm -f "$FOREIGN" >/dev/null 2>&1 || true
  docker rmi -f "$FOREIGN:1" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

(cd "$REPO" && go build -o "$TMP/devenv" ./cmd/devenv)
export HOME="$TMP/home"
mkdir -p "$HOME"
unset SSH_AUTH_SOCK

# Not devenv's: an image of its own (a label that merely looks like devenv's) and a
# running container of it.
printf 'FROM busybox:devenv\nLABEL dev.devenv.bench=foreign\n' | docker build -q -t "$FOREIGN:1" - >/dev/null
docker run -d --name "$FOREIGN" "$FOREIGN:1" sleep 3600 >/dev/null

start=$(date +%s)
for i in $(seq -w 1 "$N"); do
  d="$TMP/p$i"
  mkdir -p "$d"
  printf 'name = "bench-many-p%s"\nbase = "busybox:devenv"\npersistent = true\ndependencies = ["deps.txt"]\ninstall = ["cat deps.txt"]\n[identity]\nssh_agent = false\nknown_hosts = false\ngit = false\nworktree = false\n' "$i" >"$d/devenv.toml"
  echo "project $i $$" >"$d/deps.txt"
  "$TMP/devenv" -C "$d" run -- true >/dev/null 2>&1
done
echo "set up $N projects (an image and a warm container each) in $(( $(date +%s) - start )) s"

FIRST="$TMP/p$(seq -w 1 "$N" | head -n1)"
json="$OUT/many-$STAMP.json"
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$json" --export-markdown "$OUT/many-$STAMP.md" \
  -n "ps --all" "$TMP/devenv -C $FIRST ps --all" \
  -n "images --all" "$TMP/devenv -C $FIRST images --all" \
  -n "clean --all --dry-run" "$TMP/devenv -C $FIRST clean --all --dry-run"
cat "$OUT/many-$STAMP.md"

# What each touches: ps lists every project's container; clean would remove every
# project's image and nothing foreign.
"$TMP/devenv" -C "$FIRST" ps --all >"$TMP/ps.txt"
"$TMP/devenv" -C "$FIRST" clean --all --dry-run >"$TMP/clean.txt" 2>&1
fail=0
for i in $(seq -w 1 "$N"); do
  grep -q "bench-many-p$i" "$TMP/ps.txt" || { echo "ps --all misses project p$i"; fail=1; }
  grep -q "devenv/bench-many-p$i:" "$TMP/clean.txt" || { echo "clean --all --dry-run misses project p$i"; fail=1; }
done
if grep -q "$FOREIGN" "$TMP/ps.txt" "$TMP/clean.txt"; then echo "the foreign image or container is listed"; fail=1; fi
docker image inspect "$FOREIGN:1" >/dev/null && docker inspect "$FOREIGN" >/dev/null || { echo "the foreign image or container is gone"; fail=1; }
[ "$fail" = 0 ] && echo "ps --all lists all $N projects' containers; clean --all --dry-run names all $N projects' images and nothing foreign"
exit "$fail"
