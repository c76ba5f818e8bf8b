#!/usr/bin/env bash
# The release build, without publishing: GoReleaser on .goreleaser.yaml makes, in
# $DEVENV_DIST (default dist/), the archives (zip for Windows), checksums.txt (sha256),
# the .deb and .rpm, the Homebrew formula (homebrew/Formula/devenv.rb), the Scoop
# manifest (scoop/devenv.json), and `latest`: the version, for the install scripts
# and `devenv version --check`.
#
#   scripts/release.sh                          # all five platforms
#   DEVENV_VERSION=1.2.3 scripts/release.sh     # stamp this version (no tag needed)
#   DEVENV_TARGETS=linux/amd64 scripts/release.sh   # only these (the tests: faster)
#
# On a commit tagged vX.Y.Z (and no DEVENV_VERSION) the version is the tag's; else the
# build is a GoReleaser snapshot. GoReleaser comes from the Go module proxy, built once
# into $DEVENV_TOOLS (default ~/.cache/devenv-release), outside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

GORELEASER_VERSION=v2.15.1
tools=${DEVENV_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/devenv-release}
goreleaser=$tools/goreleaser-$GORELEASER_VERSION
if [ ! -x "$goreleaser" ]; then
  echo "release: building GoReleaser $GORELEASER_VERSION into $tools (once; a few minutes)" >&2
  mkdir -p "$tools/bin"
  GOBIN=$tools/bin GOFLAGS=-mod=mod go install "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION"
  mv "$tools/bin/goreleaser" "$goreleaser"
fi

dist=${DEVENV_DIST:-dist}
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)
# GoReleaser's --clean removes the whole directory: only an empty one or a former dist.
if [ -n "$(ls -A "$dist")" ] && [ ! -f "$dist/metadata.json" ]; then
  echo "release: $dist holds other files; DEVENV_DIST must name an empty directory or a former dist" >&2
  exit 2
fi

# A derived configuration: dist/ where asked, and only the targets asked for.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
targets=${DEVENV_TARGETS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64}
keep=" $(echo "$targets" | tr '/,' '_ ') "
for t in $keep; do
  grep -q "^      - $t\$" .goreleaser.yaml || { echo "release: unknown target ${t/_//} (DEVENV_TARGETS)" >&2; exit 2; }
done
awk -v keep="$keep" -v dist="$dist" '
  /^dist:/ { print "dist: " dist; next }
  /# targets begin/ { inside = 1; print; next }
  /# targets end/ { inside = 0; print; next }
  inside && /^      - / { t = $2; if (index(keep, " " t " ")) print; next }
  { print }
' .goreleaser.yaml >"$work/goreleaser.yaml"

skip=publish,announce,validate
# The formula and the manifest need their platforms' archives.
case "$keep" in *windows_*) ;; *) skip=$skip,scoop ;; esac
case "$keep" in *darwin_*|*linux_*) ;; *) skip=$skip,homebrew ;; esac

mode=(--snapshot)
if [ -z "${DEVENV_VERSION:-}" ] && git describe --exact-match --tags --match 'v[0-9]*' >/dev/null 2>&1; then
  mode=()
fi

"$goreleaser" release --clean --config "$work/goreleaser.yaml" --skip="$skip" "${mode[@]}"

version=$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' "$dist/metadata.json")
[ -n "$version" ] || { echo "release: no version in $dist/metadata.json" >&2; exit 1; }
echo "$version" >"$dist/latest"
# Published beside the archives, so the one-line install reads from the same place.
cp scripts/install.sh scripts/install.ps1 "$dist/"
echo "release: devenv $version in $dist" >&2
