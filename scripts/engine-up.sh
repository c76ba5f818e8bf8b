#!/usr/bin/env bash
# Makes sure a Docker Engine answers and the local base images exist.
#
# These machines can pull no image from any registry, so the base images the tests and the
# examples use are made here from Debian's own packages:
#   debian:bookworm  debootstrap --variant=minbase, imported (about 40 s, once per engine)
#   busybox:devenv   Debian's static busybox in a one-file image (instant)
# Safe to run again: every step checks first and does nothing when it is already done.
set -euo pipefail

log() { printf 'engine-up: %s\n' "$*" >&2; }

engine_answers() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

need_packages=()
command -v docker >/dev/null 2>&1 || need_packages+=(docker.io)
engine_answers || command -v dockerd >/dev/null 2>&1 || need_packages+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_packages+=(debootstrap)
# The image needs a busybox that runs without shared libraries.
dpkg -s busybox-static >/dev/null 2>&1 || need_packages+=(busybox-static)
# The registry tests push to and pull from a real registry.
command -v docker-registry >/dev/null 2>&1 || need_packages+=(docker-registry)
# The Podman tests (tests/podman_test.go) run Podman's Docker-compatible service; devenv's
# containers are created with an init, which Podman finds in catatonit.
command -v podman >/dev/null 2>&1 || need_packages+=(podman)
dpkg -s catatonit >/dev/null 2>&1 || need_packages+=(catatonit)
# The rootless tests (tests/rootless_test.go) run Podman as a non-root user in its own user
# namespace: newuidmap/newgidmap (uidmap) map its subordinate IDs, slirp4netns gives its
# containers a network.
command -v newuidmap >/dev/null 2>&1 || need_packages+=(uidmap)
command -v slirp4netns >/dev/null 2>&1 || need_packages+=(slirp4netns)
# Rootless Docker: docker.io's contrib/dockerd-rootless.sh runs dockerd under rootlesskit.
command -v rootlesskit >/dev/null 2>&1 || need_packages+=(rootlesskit)
# The TLS engine test (tests/tls_test.go) makes its CA and certificates with openssl.
command -v openssl >/dev/null 2>&1 || need_packages+=(openssl)
# The ssh:// engine tests run a real sshd on loopback, and docker/cli's helper runs `ssh`.
[ -x /usr/sbin/sshd ] || need_packages+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need_packages+=(openssh-client)
# The identity tests (tests/identity_test.go) serve a bare git repository over that
# sshd, with a key in a real ssh-agent (openssh-client, above).
command -v git >/dev/null 2>&1 || need_packages+=(git)
# That sshd listens in a network namespace the test makes, joined to the host by a veth
# pair (ip netns, ip link) and entered with nsenter (util-linux, always there).
command -v ip >/dev/null 2>&1 || need_packages+=(iproute2)
# The release tests (tests/install_test.go) read the .rpm's header with rpm, and the
# install script downloads with curl, checks with sha256sum and the Windows zip with file.
command -v rpm >/dev/null 2>&1 || need_packages+=(rpm)
command -v curl >/dev/null 2>&1 || need_packages+=(curl)
command -v file >/dev/null 2>&1 || need_packages+=(file)
command -v unzip >/dev/null 2>&1 || need_packages+=(unzip)
# The hang-up tests (tests/hangup_test.go) close a tmux session under devenv; the
# full-disk ones mount tmpfs (util-linux) and give a second dockerd a bridge (ip).
command -v tmux >/dev/null 2>&1 || need_packages+=(tmux)
# The devenv.lock tests (tests/lock_test.go) index a local Debian repository they make.
command -v dpkg-scanpackages >/dev/null 2>&1 || need_packages+=(dpkg-dev)
# ... and through sudo, with a sudoers rule the test writes and removes.
command -v sudo >/dev/null 2>&1 || need_packages+=(sudo)
if [ ${#need_packages[@]} -gt 0 ]; then
  log "installing ${need_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

if ! engine_answers; then
  if [ -n "${DOCKER_HOST:-}" ]; then
    log "DOCKER_HOST=$DOCKER_HOST does not answer; unset it to start a local engine"
    exit 1
  fi
  # An engine killed without a chance to clean up leaves its pid file, and a new one
  # refuses to start while it is there.
  # A killed engine can also linger as a zombie, or its pid be reused: only a live
  # dockerd counts.
  if [ -f /var/run/docker.pid ]; then
    pid=$(cat /var/run/docker.pid)
    state=$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
    if [ "$comm" != dockerd ] || [ "$state" = Z ]; then
      rm -f /var/run/docker.pid
    fi
  fi
  log "starting dockerd (log: /tmp/devenv-dockerd.log)"
  # setsid: the engine must outlive this script and the shell that ran it.
  setsid dockerd >/tmp/devenv-dockerd.log 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    engine_answers && break
    sleep 1
  done
  if ! engine_answers; then
    log "dockerd did not answer within 60 s; its last lines:"
    tail -n 20 /tmp/devenv-dockerd.log >&2
    exit 1
  fi
fi
# The ssh:// tests log in as devenv-ssh, a user who may use the engine's socket, as a
# remote engine's user would (tests/engines_test.go); sshd wants its privilege
# separation directory, which only its service would otherwise make.
if [ "$(id -u)" = 0 ]; then
  getent group docker >/dev/null || groupadd --system docker
  id devenv-ssh >/dev/null 2>&1 || useradd --create-home --shell /bin/sh --groups docker --password '*' devenv-ssh
  mkdir -p /run/sshd
fi
# A rootless engine's network (slirp4netns) opens /dev/net/tun as its user: Debian's udev
# makes it 0666, these sandboxes ship it 0600.
if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  chmod 0666 /dev/net/tun
fi
log "engine $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

if ! docker image inspect busybox:devenv >/dev/null 2>&1; then
  log "making busybox:devenv"
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - busybox:devenv >/dev/null
  rm -rf "$root"
fi

if ! docker image inspect debian:bookworm >/dev/null 2>&1; then
  log "making debian:bookworm with debootstrap (about a minute)"
  root=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/tmp/devenv-debootstrap.log 2>&1 || {
    tail -n 20 /tmp/devenv-debootstrap.log >&2; exit 1; }
  # As in the official image: no apt lists, a plain-HTTP mirror, no recommends.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  printf 'APT::Install-Recommends "false";\n' >"$root/etc/apt/apt.conf.d/90devenv-norecommends"
  tar -C "$root" -c . | docker import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'CMD ["bash"]' - debian:bookworm >/dev/null
  rm -rf "$root"
fi
log "base images ready: busybox:devenv debian:bookworm"
