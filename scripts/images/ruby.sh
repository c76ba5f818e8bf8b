#!/usr/bin/env bash
# image: ruby:3.1-slim
# Stand-in for the official ruby:3.1-slim: Debian bookworm's Ruby 3.1 and Bundler 2.3, with
# the official image's environment (gems in GEM_HOME=/usr/local/bundle, its bin on PATH),
# so `bundle install` puts gems where it would on the real image.
set -euo pipefail
docker build -q -t ruby:3.1-slim - <<'DOCKERFILE' >/dev/null
FROM debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ruby ruby-bundler >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /usr/local/bundle && chmod 1777 /usr/local/bundle
ENV LANG=C.UTF-8 GEM_HOME=/usr/local/bundle BUNDLE_SILENCE_ROOT_WARNING=1 BUNDLE_APP_CONFIG=/usr/local/bundle
ENV PATH=/usr/local/bundle/bin:$PATH
LABEL dev.devenv.standin="debian:bookworm with Debian's ruby 3.1 and ruby-bundler 2.3; GEM_HOME and PATH as the official image sets them"
CMD ["irb"]
DOCKERFILE
