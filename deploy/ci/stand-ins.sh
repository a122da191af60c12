# The base images that Dockerfile and docker-compose.yml name, as stand-ins built from Debian
# where no registry can be reached; sourced by deploy/ci-containers.sh, whose settings
# (PODMAN, CACHE_DIR, REBUILD, WORK, BASE_IMAGE, STAND_IN_LABEL) and log/fail/step it uses.
# shellcheck shell=bash

# The Debian mirror this host's apt uses (deb822 sources or sources.list), else Debian's own.
debian_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' | grep -E '/debian/?$' | head -1 || true)
  if [ -z "$uri" ]; then
    uri=$(awk '$1 == "deb" && $2 !~ /^\[/ { print $2 }' /etc/apt/sources.list 2>/dev/null | grep -E '/debian/?$' | head -1 || true)
  fi
  echo "${CI_CONTAINERS_DEBIAN_MIRROR:-${uri:-http://deb.debian.org/debian}}"
}

# A minimal Debian bookworm (debootstrap), with the host's extra CA certificates, so that pip and
# npm in the builds trust what the host trusts. Its tarball is kept in CACHE_DIR.
ensure_base_image() {
  local tarball=$CACHE_DIR/debian-bookworm-minbase.tar
  if [ "$BASE_READY" = 1 ] || { [ "$REBUILD" != 1 ] && "$PODMAN" image exists "$BASE_IMAGE"; }; then
    BASE_READY=1
    return
  fi
  if [ "$REBUILD" = 1 ] || [ ! -s "$tarball" ]; then
    local mirror root
    mirror=$(debian_mirror)
    root=$CACHE_DIR/debian-bookworm-root
    mkdir -p "$CACHE_DIR"
    rm -rf "$root"
    log "debootstrap --variant=minbase bookworm from $mirror"
    if ! debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >"$WORK/debootstrap.log" 2>&1; then
      tail -30 "$WORK/debootstrap.log" >&2
      fail "debootstrap of Debian bookworm from $mirror failed"
    fi
    {
      echo "deb $mirror bookworm main"
      echo "deb $mirror bookworm-updates main"
      echo "deb ${mirror%/debian*}/debian-security bookworm-security main"
    } >"$root/etc/apt/sources.list"
    # No service starts inside an image build (mariadb-server would try), as in Docker's images.
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    if [ -d /usr/local/share/ca-certificates ]; then
      cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
    fi
    chroot "$root" update-ca-certificates >>"$WORK/debootstrap.log" 2>&1
    chroot "$root" apt-get clean
    rm -rf "$root"/var/lib/apt/lists/*
    tar --numeric-owner -C "$root" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  log "importing $tarball as $BASE_IMAGE"
  "$PODMAN" import --change 'CMD ["bash"]' "$tarball" "$BASE_IMAGE" >/dev/null
  BASE_READY=1
}

# A digest of a stand-in's files: a stand-in whose label differs is rebuilt.
stand_in_digest() {
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

# Context for the node stand-in: the host's own Node.js and npm when they are self-contained
# (no libnode), else nothing (the Containerfile then installs Debian's).
node_context() {
  local context=$1 node npm_root
  mkdir -p "$context/node/bin" "$context/node/lib/node_modules"
  node=$(command -v node || true)
  if [ -n "$node" ] && command -v npm >/dev/null && ! ldd "$(readlink -f "$node")" 2>/dev/null | grep -q libnode; then
    npm_root=$(npm root -g)
    cp "$(readlink -f "$node")" "$context/node/bin/node"
    cp -a "$npm_root/npm" "$context/node/lib/node_modules/npm"
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$context/node/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$context/node/bin/npx"
    log "node stand-in: the host's Node.js $("$node" --version) and npm $(npm --version)"
  else
    log "node stand-in: Debian's nodejs and npm (no self-contained Node.js on this host)"
  fi
}

# The image the project's files name, built from deploy/ci/stand-ins/<dir> unless it is present
# (a real one, or a stand-in of the same files) and no rebuild is asked for.
ensure_stand_in() {
  local name=$1 dir=deploy/ci/stand-ins/$2 digest label context previous
  digest=$(stand_in_digest "$dir")
  previous=$("$PODMAN" image inspect --format '{{.Id}}' "localhost/$name" 2>/dev/null || true)
  if [ "$REBUILD" != 1 ] && "$PODMAN" image exists "$name"; then
    label=$("$PODMAN" image inspect --format "{{index .Labels \"$STAND_IN_LABEL\"}}" "$name" 2>/dev/null || true)
    if [ -z "$label" ] || [ "$label" = "<no value>" ] || [ "$label" = "$digest" ]; then
      return
    fi
  fi
  ensure_base_image
  context=$WORK/stand-in-$2
  mkdir -p "$context"
  cp -a "$dir/." "$context/"
  if [ "$2" = node ]; then
    node_context "$context"
  fi
  log "building the stand-in for $name from $dir"
  if ! "$PODMAN" build --pull=never --format docker --label "$STAND_IN_LABEL=$digest" \
      -t "localhost/$name" -f "$context/Containerfile" "$context" >"$WORK/stand-in-$2.log" 2>&1; then
    tail -40 "$WORK/stand-in-$2.log" >&2
    fail "the stand-in for $name did not build"
  fi
  remove_replaced_image "$previous" "localhost/$name"
}

# The image a build replaced, once nothing names it (its layers would otherwise stay on disk).
remove_replaced_image() {
  local previous=$1 name=$2
  if [ -n "$previous" ] && [ "$previous" != "$("$PODMAN" image inspect --format '{{.Id}}' "$name")" ]; then
    "$PODMAN" rmi "$previous" >/dev/null 2>&1 || true
  fi
}

ensure_stand_ins() {
  step "base images (stand-ins where missing)"
  ensure_stand_in python:3.11-slim python
  ensure_stand_in node:20-slim node
  ensure_stand_in mysql:8.4 mysql
  ensure_stand_in redis:7-alpine redis
}
