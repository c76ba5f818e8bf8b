#!/usr/bin/env bash
# image: maven:3-eclipse-temurin-17
# image: devenv-e2e/maven-mirror:bookworm
#
# maven:3-eclipse-temurin-17 stands in for the official image of that name: Debian's
# OpenJDK 17 and Maven 3.8.7 instead of Temurin and Maven 3.9, with the JDK also at
# /opt/java/openjdk (the official layout) and JAVA_HOME set the same way.
#
# devenv-e2e/maven-mirror:bookworm is the tests' private Maven repository: Maven Central
# cannot be reached here, so it serves, with busybox httpd from /www, the Maven plugins
# (compiler, resources, surefire, dependency, ...) and JUnit that Debian packages under
# /usr/share/maven-repo, links resolved, with the metadata through which Maven finds the
# plugin of `mvn dependency:...` (Debian ships none). A test adds its own artifacts.
set -euo pipefail

docker build -q -t maven:3-eclipse-temurin-17 - >/dev/null <<'DOCKERFILE'
FROM debian:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless maven >/dev/null \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /opt/java && ln -s "$(dirname "$(dirname "$(readlink -f /usr/bin/javac)")")" /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk MAVEN_HOME=/usr/share/maven
LABEL dev.devenv.standin="Debian bookworm openjdk-17-jdk-headless and maven 3.8.7, standing in for maven:3-eclipse-temurin-17"
DOCKERFILE

docker build -q -t devenv-e2e/maven-mirror:bookworm - >/dev/null <<'DOCKERFILE'
FROM debian:bookworm AS plugins
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libmaven-dependency-plugin-java libmaven-compiler-plugin-java libmaven-resources-plugin-java \
      libsurefire-java libmaven-jar-plugin-java libmaven-install-plugin-java libmaven-deploy-plugin-java \
      libmaven-clean-plugin-java libmaven-site-plugin-java junit4 >/dev/null \
 && mkdir /www && cp -rL /usr/share/maven-repo/. /www/ \
 && printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>' '<metadata><plugins>' \
      '<plugin><name>Apache Maven Dependency Plugin</name><prefix>dependency</prefix><artifactId>maven-dependency-plugin</artifactId></plugin>' \
      '</plugins></metadata>' > /www/org/apache/maven/plugins/maven-metadata.xml \
 && printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>' \
      '<metadata><groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId>' \
      '<versioning><latest>3.5.0</latest><release>3.5.0</release><versions><version>3.5.0</version></versions></versioning></metadata>' \
      > /www/org/apache/maven/plugins/maven-dependency-plugin/maven-metadata.xml
FROM busybox:devenv
COPY --from=plugins /www /www
LABEL dev.devenv.standin="Debian bookworm's Maven plugins and JUnit 4 from /usr/share/maven-repo, as a Maven repository served by busybox httpd from /www"
DOCKERFILE
