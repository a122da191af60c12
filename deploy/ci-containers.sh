#!/usr/bin/env bash
# CI: prove the Docker deployment with podman, with the Dockerfile and docker-compose.yml as they are.
#  1. build the image from Dockerfile (HEALTHCHECK kept), and check that it runs as uid 10001;
#  2. on a network of its own with database and Redis containers: `flask db upgrade`, then the
#     image's own command; wait for the image's HEALTHCHECK, tell a user's story over HTTP
#     (deploy/ci/story.py);
#  3. bring up docker-compose.yml with podman-compose, in its dependency order; every service
#     running, those with a healthcheck healthy; the story again on port 5000, down to the low-stock
#     email that the worker sends;
#  4. tear it all down, volumes included, whatever happened; report the image's size and the time.
# Where podman cannot run (not installed nor installable, not root, no container starts) it prints
# "SKIPPED: <why>" and exits 0; once podman runs, any failure exits non-zero.
# No registry is needed: the base images the files name are stand-ins built here from Debian
# (deploy/ci/stand-ins). docs/DEPLOY.md, "The containers in CI", says what this proves and what not.
set -euo pipefail
cd "$(dirname "$0")/.."

# Knobs.
CACHE_DIR=${CI_CONTAINERS_CACHE:-/var/cache/stockflow-ci}
REBUILD=${CI_CONTAINERS_REBUILD:-0}
WAIT_SECONDS=${CI_CONTAINERS_WAIT:-300}
EMAIL_WAIT_SECONDS=${CI_CONTAINERS_EMAIL_WAIT:-180}
PODMAN=${CI_CONTAINERS_PODMAN:-podman}
SKIP=${CI_CONTAINERS_SKIP:-0}

PODMAN_COMPOSE_VERSION=1.6.0
PROJECT=stockflow-ci                      # names every container, network and volume made here
IMAGE=localhost/stockflow-ci/app:latest
BASE_IMAGE=localhost/stockflow-ci/debian:bookworm
STAND_IN_LABEL=org.stockflow.ci.stand-in
COMPOSE_PORT=5000                         # docker-compose.yml publishes 5000:5000

WORK=""
FAILED_STEP=""
SKIPPED=0
PODMAN_COMPOSE=()
BUILD_SECONDS=0
BASE_READY=0
OWN_CONTAINERS=("$PROJECT-app" "$PROJECT-db" "$PROJECT-redis")

log() { printf '[containers %4ss] %s\n' "$SECONDS" "$*"; }
skip() { echo "SKIPPED: $*"; SKIPPED=1; exit 0; }
fail() { echo "FAILED: $*" >&2; exit 1; }

# Standard input as it may be printed: the throwaway passwords and secret key of this run's
# containers, and the password of a database URL, masked (podman-compose logs its command lines).
redact() {
  sed -E 's/((PASSWORD|SECRET_KEY)=)[^ ]*/\1***/g; s#(://[^:/@ ]*:)[^@ ]*@#\1***@#g'
}

# Runs a command with its output in a file, shown only if it fails (podman's warnings about the
# systemd it does not find here would drown the rest).
quietly() {
  if ! "$@" >"$WORK/quietly.log" 2>&1; then
    redact <"$WORK/quietly.log" >&2
    fail "$(printf '%s' "$*" | redact)"
  fi
}

# The step under way, named in the failure message.
step() {
  FAILED_STEP=$1
  log "== $1"
}

# --- Can podman run here? -------------------------------------------------------------------------

ensure_podman() {
  if [ "$SKIP" = 1 ]; then
    skip "CI_CONTAINERS_SKIP=1"
  fi
  if [ "$(id -u)" != 0 ]; then
    skip "not root: the stand-ins are made with debootstrap and the stack runs on rootful podman"
  fi
  local missing=()
  # buildah's command is not needed (podman builds), but Debian's podman is tested with it.
  for tool in "$PODMAN" runc debootstrap; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$PODMAN" != podman ]; then
      skip "$PODMAN is not installed (CI_CONTAINERS_PODMAN names it; only 'podman' is installed here)"
    fi
    if ! command -v apt-get >/dev/null; then
      skip "${missing[*]} not installed, and no apt-get to install them"
    fi
    log "installing podman buildah runc debootstrap from Debian's archive (${missing[*]} missing)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah runc debootstrap >/dev/null; }; then
      skip "podman could not be installed with apt-get"
    fi
  fi
  command -v "$PODMAN" >/dev/null || skip "podman is not installed"
}

# podman's settings for this machine, in a file of the run's own, not /etc: runc (crun aborts on
# hybrid cgroups), cgroupfs (no systemd), events in a file, and default ulimits no higher than this
# shell's hard limits (podman's defaults would be refused).
write_containers_conf() {
  local nofile nproc
  nofile=$(ulimit -Hn)
  nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
  cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  export CONTAINERS_CONF="$WORK/containers.conf"
  # HEALTHCHECK is part of the Docker image format only; OCI images drop it.
  export BUILDAH_FORMAT=docker
}

# --- Stand-ins for the base images (deploy/ci/stand-ins.sh) ----------------------------------------

# shellcheck source=deploy/ci/stand-ins.sh
. deploy/ci/stand-ins.sh

# A tiny container: if none starts, podman cannot run here.
ensure_containers_start() {
  local output
  if ! output=$("$PODMAN" run --rm --network none "$BASE_IMAGE" true 2>&1); then
    echo "$output" >&2
    skip "podman is installed but cannot start a container here (podman run $BASE_IMAGE true failed)"
  fi
}

# --- The image --------------------------------------------------------------------------------------

build_image() {
  step "podman build: the image from Dockerfile"
  local previous started
  previous=$("$PODMAN" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
  started=$SECONDS
  if ! "$PODMAN" build --pull=never --format docker -t "$IMAGE" -f Dockerfile . >"$WORK/build.log" 2>&1; then
    tail -60 "$WORK/build.log" >&2
    fail "podman build failed (the end of its log is above)"
  fi
  BUILD_SECONDS=$((SECONDS - started))
  remove_replaced_image "$previous" "$IMAGE"
  if [ "$("$PODMAN" image inspect --format '{{.HealthCheck}}' "$IMAGE")" = "<nil>" ]; then
    fail "the image has no HEALTHCHECK (built in OCI format?)"
  fi
  local uid
  uid=$("$PODMAN" run --rm --network none "$IMAGE" id -u 2>/dev/null)
  [ "$uid" = 10001 ] || fail "the image runs as uid $uid, not as the non-root stockflow (10001)"
  log "built in ${BUILD_SECONDS}s; runs as uid $uid; HEALTHCHECK kept"
}

# --- Waits --------------------------------------------------------------------------------------------

# Runs the container's own healthcheck until it passes: podman runs none by itself without systemd.
wait_healthy() {
  local container=$1 deadline=$((SECONDS + WAIT_SECONDS)) started=$SECONDS reported=0 state
  log "waiting for $container to be healthy (at most ${WAIT_SECONDS}s)"
  while true; do
    state=$("$PODMAN" inspect --format '{{.State.Status}}' "$container" 2>/dev/null || echo missing)
    if [ "$state" != running ]; then
      fail "$container is $state, not running"
    fi
    if "$PODMAN" healthcheck run "$container" >"$WORK/health.log" 2>&1; then
      log "$container is healthy"
      return
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      redact <"$WORK/health.log" >&2
      fail "$container was not healthy within ${WAIT_SECONDS}s"
    fi
    if [ $((SECONDS - started)) -ge $((reported + 30)) ]; then
      reported=$((SECONDS - started))
      log "$container not healthy yet after ${reported}s: $(tr '\n' ' ' <"$WORK/health.log")"
    fi
    sleep 2
  done
}

# Healthy when the container has a healthcheck (its own or its image's), else running: a service
# that inherits a check it cannot pass fails here as it would show "unhealthy" under Docker.
wait_ready() {
  local container=$1 test
  test=$("$PODMAN" inspect --format '{{if .Config.Healthcheck}}{{index .Config.Healthcheck.Test 0}}{{end}}' "$container" 2>/dev/null || true)
  if [ -n "$test" ] && [ "$test" != NONE ]; then
    wait_healthy "$container"
  else
    wait_running "$container"
  fi
}

# Running, and still running a few seconds later without a restart (no healthcheck to ask).
wait_running() {
  local container=$1 state restarts
  sleep 5
  state=$("$PODMAN" inspect --format '{{.State.Status}} {{.RestartCount}}' "$container" 2>/dev/null || echo "missing 0")
  read -r state restarts <<<"$state"
  if [ "$state" != running ] || [ "$restarts" != 0 ]; then
    fail "$container is $state after $restarts restarts"
  fi
  log "$container is running (no healthcheck)"
}

# After the story: every service still up, none restarted.
check_still_running() {
  local service state
  for service in db redis app worker scheduler; do
    state=$("$PODMAN" inspect --format '{{.State.Status}} {{.RestartCount}}' "$(service_container "$service")" 2>/dev/null || echo "missing 0")
    [ "$state" = "running 0" ] || fail "$service: $state (status, restarts) after the story"
  done
  log "every service still running, none restarted"
}

# --- 2. The image against a database -------------------------------------------------------------

run_image() {
  step "the image: flask db upgrade, then its own command, with database and Redis containers"
  local password root_password secret port
  password=$(random_secret)
  root_password=$(random_secret)
  secret=$(random_secret)
  quietly "$PODMAN" network create "$PROJECT"
  # The healthchecks are docker-compose.yml's, expanded in the container.
  # shellcheck disable=SC2016
  quietly "$PODMAN" run -d --name "$PROJECT-db" --network "$PROJECT" --network-alias db \
    -e MYSQL_DATABASE=stockflow -e MYSQL_USER=stockflow -e MYSQL_PASSWORD="$password" \
    -e MYSQL_ROOT_PASSWORD="$root_password" \
    --health-cmd 'mysqladmin ping -h 127.0.0.1 -u stockflow -p$MYSQL_PASSWORD --silent' \
    mysql:8.4 --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci
  quietly "$PODMAN" run -d --name "$PROJECT-redis" --network "$PROJECT" --network-alias redis \
    --health-cmd 'redis-cli ping' redis:7-alpine redis-server --save "" --appendonly no
  wait_healthy "$PROJECT-db"
  wait_healthy "$PROJECT-redis"

  # What production sets (docs/DEPLOY.md): Redis shared for the rate limits and as the broker.
  local environment=(-e STOCKFLOW_ENV=production -e SECRET_KEY="$secret"
    -e DATABASE_URL="mysql+pymysql://stockflow:$password@db:3306/stockflow?charset=utf8mb4"
    -e RATELIMIT_STORAGE_URI=redis://redis:6379/0 -e BROKER_URL=redis://redis:6379/1)
  quietly "$PODMAN" run --rm --network "$PROJECT" "${environment[@]}" "$IMAGE" flask db upgrade
  log "flask db upgrade: $(grep -c 'Running upgrade' "$WORK/quietly.log") migrations applied"

  quietly "$PODMAN" run -d --name "$PROJECT-app" --network "$PROJECT" -p 127.0.0.1::5000 "${environment[@]}" "$IMAGE"
  wait_healthy "$PROJECT-app"
  port=$("$PODMAN" port "$PROJECT-app" 5000/tcp | head -1)
  step "the story against the image (http://$port)"
  python3 deploy/ci/story.py "http://$port"
  remove_own_containers
}

# --- 3. docker-compose.yml -------------------------------------------------------------------------

# podman-compose, pinned, in a virtual environment of its own under CACHE_DIR (not the project's
# .venv, which `make clean` removes and whose python-dotenv pin it would have to share).
ensure_podman_compose() {
  local venv=$CACHE_DIR/podman-compose-$PODMAN_COMPOSE_VERSION
  if [ ! -x "$venv/bin/podman-compose" ]; then
    log "installing podman-compose $PODMAN_COMPOSE_VERSION into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "podman-compose==$PODMAN_COMPOSE_VERSION" \
      || fail "pip could not install podman-compose==$PODMAN_COMPOSE_VERSION"
  fi
  PODMAN_COMPOSE=("$venv/bin/podman-compose" --podman-path "$(command -v "$PODMAN")"
    -p "$PROJECT" -f docker-compose.yml --env-file "$WORK/compose.env")
}

# The compose file publishes 5000 on every address: it must be free (it is not changed to fit).
ensure_port_free() {
  if ! python3 -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("0.0.0.0", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$COMPOSE_PORT"; then
    fail "port $COMPOSE_PORT is in use on this host; docker-compose.yml publishes it: stop what listens there"
  fi
}

# The container of a compose service.
service_container() {
  "$PODMAN" ps -a --filter "label=io.podman.compose.project=$PROJECT" \
    --filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | head -1
}

# podman-compose ignores `condition: service_healthy` on podman < 4.6: the services are started in
# the order the file's depends_on asks for, each group once the one before is healthy.
run_compose() {
  step "docker-compose.yml with podman-compose"
  ensure_port_free
  # Only what this run sets, not a developer's .env; compose requires SECRET_KEY.
  {
    echo "SECRET_KEY=$(random_secret)"
    echo "MYSQL_PASSWORD=$(random_secret)"
    echo "MYSQL_ROOT_PASSWORD=$(random_secret)"
  } >"$WORK/compose.env"
  set -a
  # shellcheck disable=SC1091
  . "$WORK/compose.env"
  set +a
  ensure_podman_compose
  "${PODMAN_COMPOSE[@]}" build --pull never >"$WORK/compose-build.log" 2>&1 \
    || { tail -40 "$WORK/compose-build.log" | redact >&2; fail "podman-compose build failed"; }
  compose_up db redis
  wait_ready "$(service_container db)"
  wait_ready "$(service_container redis)"
  compose_up app
  wait_ready "$(service_container app)"
  compose_up worker scheduler
  wait_ready "$(service_container worker)"
  wait_ready "$(service_container scheduler)"
  "$PODMAN" ps --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}\t{{.Status}}\t{{.Ports}}'

  step "the story against the compose stack (http://127.0.0.1:$COMPOSE_PORT), down to the worker's email"
  local sku
  python3 deploy/ci/story.py "http://127.0.0.1:$COMPOSE_PORT" --email-wait "$EMAIL_WAIT_SECONDS" | tee "$WORK/story.log"
  sku=$(sed -n 's/^SKU //p' "$WORK/story.log")
  # Without MAIL_SERVER the worker writes the email to its log.
  "$PODMAN" logs "$(service_container worker)" >"$WORK/worker.log" 2>&1
  grep -q "SKU $sku" "$WORK/worker.log" || fail "the worker's log does not show the email about $sku"
  log "the worker logged the email about $sku"
  check_still_running
  step "podman-compose down -v"
  timeout 180 "${PODMAN_COMPOSE[@]}" down -v >"$WORK/compose-down.log" 2>&1 \
    || { redact <"$WORK/compose-down.log" >&2; fail "podman-compose down -v failed"; }
}

compose_up() {
  log "podman-compose up -d $*"
  timeout 300 "${PODMAN_COMPOSE[@]}" up -d --no-build --no-deps "$@" >>"$WORK/compose-up.log" 2>&1 \
    || { tail -40 "$WORK/compose-up.log" | redact >&2; fail "podman-compose up -d $* failed"; }
}

# --- Teardown -----------------------------------------------------------------------------------------

random_secret() {
  python3 -c 'import secrets; print(secrets.token_hex(16))'
}

# Every container this script made, by name or by the compose project's label.
all_containers() {
  {
    "$PODMAN" ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}'
    for name in "${OWN_CONTAINERS[@]}"; do
      "$PODMAN" container exists "$name" && echo "$name"
    done
  } 2>/dev/null || true
}

remove_own_containers() {
  for name in "${OWN_CONTAINERS[@]}"; do
    "$PODMAN" rm -f -v -t 5 "$name" >/dev/null 2>&1 || true
  done
  "$PODMAN" network rm -f "$PROJECT" >/dev/null 2>&1 || true
}

# Whatever this script made but its images: containers (with their anonymous volumes), the
# compose pod, networks and named volumes. Also run first, for the leftovers of an interrupted run.
remove_all() {
  local container
  for container in $(all_containers); do
    "$PODMAN" rm -f -v -t 5 "$container" >/dev/null 2>&1 || true
  done
  "$PODMAN" pod rm -f "pod_$PROJECT" >/dev/null 2>&1 || true
  remove_own_containers
  "$PODMAN" network rm -f "${PROJECT}_default" >/dev/null 2>&1 || true
  "$PODMAN" volume ls -q --filter "label=io.podman.compose.project=$PROJECT" 2>/dev/null \
    | xargs -r "$PODMAN" volume rm -f >/dev/null 2>&1 || true
}

print_logs() {
  local container
  for container in $(all_containers); do
    echo "----- podman logs --tail 80 $container ($("$PODMAN" inspect --format '{{.State.Status}}' "$container" 2>/dev/null))" >&2
    "$PODMAN" logs --tail 80 "$container" >&2 2>&1 || true
  done
}

teardown() {
  local status=$? outcome
  set +e
  if [ "$status" != 0 ]; then
    echo "FAILED during: $FAILED_STEP" >&2
    print_logs
  fi
  log "tearing down: containers, pod, networks, volumes"
  if [ ${#PODMAN_COMPOSE[@]} -gt 0 ]; then
    timeout 180 "${PODMAN_COMPOSE[@]}" down -v >/dev/null 2>&1
  fi
  remove_all
  # Compose's images are other names of the same build; the build itself stays as the next run's cache.
  for service in app worker scheduler; do
    "$PODMAN" rmi "localhost/${PROJECT}_$service" >/dev/null 2>&1
  done
  [ "$SKIPPED" = 1 ] || ! "$PODMAN" image exists "$IMAGE" || report_image
  rm -rf "$WORK"
  outcome=passed
  [ "$SKIPPED" = 1 ] && outcome=skipped
  [ "$status" = 0 ] || outcome="FAILED, exit $status"
  log "done in ${SECONDS}s: $outcome"
  exit "$status"
}

report_image() {
  local bytes
  bytes=$("$PODMAN" image inspect --format '{{.Size}}' "$IMAGE")
  log "image $IMAGE: $((bytes / 1000000)) MB ($bytes bytes)"
}

main() {
  ensure_podman
  WORK=$(mktemp -d /tmp/stockflow-ci-containers.XXXXXX)
  write_containers_conf
  trap teardown EXIT
  trap 'exit 130' INT TERM
  log "podman $("$PODMAN" version --format '{{.Client.Version}}'), cache in $CACHE_DIR"
  mkdir -p "$CACHE_DIR"
  ensure_base_image
  ensure_containers_start
  # Leftovers of an interrupted run would hold the names and the port.
  remove_all
  ensure_stand_ins
  build_image
  run_image
  run_compose
  step "passed"
}

main "$@"
