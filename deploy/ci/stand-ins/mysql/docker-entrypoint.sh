#!/bin/bash
# The stand-in's entrypoint, after the official mysql image's: arguments that start with "-" go to
# the server; on an empty data directory it creates the database, the user and the root password
# of MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD and MYSQL_ROOT_PASSWORD (or MYSQL_ALLOW_EMPTY_PASSWORD)
# on a server that listens on no port, so that nothing connects before it is ready.
set -euo pipefail

DATADIR=/var/lib/mysql
INIT_SOCKET=/run/mysqld/init.sock

log() { echo "[stand-in entrypoint] $*"; }

# Quoted for a single-quoted SQL string.
sql_string() {
  local value=${1//\\/\\\\}
  printf "'%s'" "${value//\'/\\\'}"
}

initialize() {
  if [ -z "${MYSQL_ROOT_PASSWORD:-}" ] && [ -z "${MYSQL_ALLOW_EMPTY_PASSWORD:-}" ]; then
    log "the database is uninitialized: set MYSQL_ROOT_PASSWORD (or MYSQL_ALLOW_EMPTY_PASSWORD)" >&2
    exit 1
  fi
  log "initializing $DATADIR"
  mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db \
    --auth-root-authentication-method=normal >/dev/null
  "$@" --skip-networking --socket="$INIT_SOCKET" &
  local pid=$!
  for _ in $(seq 1 60); do
    mariadb-admin --socket="$INIT_SOCKET" -uroot ping --silent 2>/dev/null && break
    sleep 1
  done
  local root_password
  root_password=$(sql_string "${MYSQL_ROOT_PASSWORD:-}")
  {
    echo "DELETE FROM mysql.global_priv WHERE User = '';"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $root_password;"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $root_password;"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    if [ -n "${MYSQL_DATABASE:-}" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\`;"
    fi
    if [ -n "${MYSQL_USER:-}" ]; then
      echo "CREATE USER $(sql_string "$MYSQL_USER")@'%' IDENTIFIED BY $(sql_string "${MYSQL_PASSWORD:-}");"
      if [ -n "${MYSQL_DATABASE:-}" ]; then
        echo "GRANT ALL ON \`$MYSQL_DATABASE\`.* TO $(sql_string "$MYSQL_USER")@'%';"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket="$INIT_SOCKET" -uroot
  mariadb-admin --socket="$INIT_SOCKET" -uroot --password="${MYSQL_ROOT_PASSWORD:-}" shutdown
  wait "$pid"
  log "initialized"
}

if [ "${1:0:1}" = "-" ]; then
  set -- mariadbd "$@"
fi
if [ "$1" = mariadbd ] || [ "$1" = mysqld ]; then
  shift
  set -- mariadbd --user=mysql --datadir="$DATADIR" "$@"
  if [ "$(id -u)" = 0 ]; then
    mkdir -p /run/mysqld
    chown -R mysql:mysql "$DATADIR" /run/mysqld
  fi
  if [ ! -d "$DATADIR/mysql" ]; then
    initialize "$@"
  fi
fi
exec "$@"
