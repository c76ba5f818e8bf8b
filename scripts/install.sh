#!/bin/sh
# Installs the devenv binary for this machine into a directory of the user's own
# (~/.local/bin), never as root and never with sudo:
#
#   curl -fsSL https://github.com/devenv/devenv/releases/latest/download/install.sh | sh
#   sh install.sh [--base-url URL] [--bin-dir DIR]
#
# It downloads checksums.txt and devenv_<os>_<arch>.tar.gz from the base URL
# (--base-url, else DEVENV_BASE_URL, else the release page), checks the archive's
# sha256 against checksums.txt, and only then puts the binary in place, in one rename:
# a failure at any step leaves nothing installed and says why in one line.
set -eu

DEFAULT_BASE_URL="https://github.com/devenv/devenv/releases/latest/download"

base_url=${DEVENV_BASE_URL:-$DEFAULT_BASE_URL}
bin_dir=${DEVENV_INSTALL_DIR:-${HOME:?HOME is not set}/.local/bin}

fail() {
	echo "devenv install: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--base-url) [ $# -ge 2 ] || fail "--base-url needs a URL"; base_url=$2; shift 2 ;;
	--base-url=*) base_url=${1#*=}; shift ;;
	--bin-dir) [ $# -ge 2 ] || fail "--bin-dir needs a directory"; bin_dir=$2; shift 2 ;;
	--bin-dir=*) bin_dir=${1#*=}; shift ;;
	-h | --help)
		echo "usage: install.sh [--base-url URL] [--bin-dir DIR]  (or DEVENV_BASE_URL, DEVENV_INSTALL_DIR)"
		exit 0 ;;
	*) fail "unknown argument $1 (see --help)" ;;
	esac
done
base_url=${base_url%/}

# The platform, as the archives name it.
os=$(uname -s)
arch=$(uname -m)
case $os in
Linux) os=linux ;;
Darwin) os=darwin ;;
MINGW* | MSYS* | CYGWIN*) fail "on Windows, use install.ps1 in PowerShell (see the README)" ;;
*) fail "no devenv release for $os ($arch): build from source (see the README)" ;;
esac
case $arch in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64) arch=arm64 ;;
*) fail "no devenv release for $os on $arch: build from source (see the README)" ;;
esac
archive="devenv_${os}_${arch}.tar.gz"

if command -v curl >/dev/null 2>&1; then
	fetch() { curl -fsSL --retry 2 -o "$2" "$1" 2>/dev/null; }
elif command -v wget >/dev/null 2>&1; then
	fetch() { wget -q --tries=2 -O "$2" "$1"; }
else
	fail "needs curl or wget to download"
fi
if command -v sha256sum >/dev/null 2>&1; then
	sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
	sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
	fail "needs sha256sum or shasum to check the download"
fi

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t devenv-install)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

fetch "$base_url/checksums.txt" "$tmp/checksums.txt" ||
	fail "cannot download $base_url/checksums.txt: is the address right and the server up? (--base-url or DEVENV_BASE_URL)"
want=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/checksums.txt")
[ -n "$want" ] || fail "$base_url/checksums.txt lists no $archive: this release has no build for $os/$arch"

# curl fails a body shorter than its Content-Length; the checksum catches the rest.
fetch "$base_url/$archive" "$tmp/$archive" ||
	fail "download of $base_url/$archive failed or was cut short; nothing installed, try again"
got=$(sha256 "$tmp/$archive")
[ "$got" = "$want" ] ||
	fail "checksum mismatch for $archive (expected $want, got $got): a tampered or incomplete download; nothing installed"

mkdir "$tmp/x"
tar -xzf "$tmp/$archive" -C "$tmp/x" devenv 2>/dev/null || fail "$archive has no devenv binary in it; nothing installed"
version=$("$tmp/x/devenv" --version 2>/dev/null) || fail "the downloaded devenv does not run on this machine ($os/$arch); nothing installed"

mkdir -p "$bin_dir" 2>/dev/null && [ -w "$bin_dir" ] ||
	fail "cannot write to $bin_dir: pick a directory of your own with --bin-dir or DEVENV_INSTALL_DIR"
# Copy beside the target, then rename: the old binary stays whole until the new one is.
cp "$tmp/x/devenv" "$bin_dir/.devenv.new.$$" && chmod 755 "$bin_dir/.devenv.new.$$" &&
	mv -f "$bin_dir/.devenv.new.$$" "$bin_dir/devenv" ||
	{ rm -f "$bin_dir/.devenv.new.$$"; fail "cannot install into $bin_dir; nothing installed"; }

echo "installed ${version#devenv version } as $bin_dir/devenv"
case ":${PATH:-}:" in
*":$bin_dir:"*) ;;
*)
	case ${SHELL:-} in
	*/zsh) rc="~/.zshrc" ;;
	*/bash) rc="~/.bashrc" ;;
	*/fish) rc="" ;;
	*) rc="~/.profile" ;;
	esac
	if [ -n "$rc" ]; then
		echo "$bin_dir is not on your PATH: add it with"
		echo "  echo 'export PATH=\"$bin_dir:\$PATH\"' >> $rc   # then open a new terminal"
	else
		echo "$bin_dir is not on your PATH: add it with"
		echo "  fish_add_path $bin_dir"
	fi
	;;
esac
