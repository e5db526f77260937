#!/usr/bin/env bash
# The test command: provisions what the suite needs, runs it, and stops what it started.
#
#   bash scripts/test.sh
#
# PostgreSQL and MariaDB/MySQL come from TEST_POSTGRES_URL / TEST_MYSQL_URL when set, else from the
# local default ports (5432, 3306). When nothing answers there, a throwaway instance is started from
# the installed server binaries (installed first from Debian's packages when running as root) on a
# free loopback port, and stopped at the end. MongoDB comes from TEST_MONGODB_URL when set; else the
# MongoDB wire-protocol server `secantusdb` (PyPI, pinned below) is installed into .venv/ and
# started in memory on a free loopback port. Under CI=true a server that cannot be provided fails
# the run; the test harness also fails, never skips, when a server is unreachable.
# ORM_TEST_THROWAWAY=1 starts throwaway servers even when the default ports answer.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
STATE="$ROOT/.test-services"
mkdir -p "$STATE"
STARTED=()

log() { printf '[test.sh] %s\n' "$*" >&2; }

cleanup() {
  local code=$?
  for svc in "${STARTED[@]:-}"; do
    case "$svc" in
      postgres)
        log "stopping the throwaway PostgreSQL"
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$STATE/pg" -m immediate stop >/dev/null 2>&1 || true ;;
      mongodb)
        log "stopping the MongoDB test servers"
        for pid in ${MONGO_PID:-} ${MONGO_STANDALONE_PID:-}; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done ;;
      redis)
        log "stopping the throwaway Redis"
        if [ -n "${REDIS_PID:-}" ]; then kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi ;;
      pg_replicas)
        log "stopping the PostgreSQL primary and replicas"
        for node in delayed replica primary; do
          runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$STATE/pgrepl/$node" -m immediate stop >/dev/null 2>&1 || true
        done ;;
      pgbouncer)
        log "stopping PgBouncer"
        if [ -f "$STATE/pgbouncer/pgbouncer.pid" ]; then kill "$(cat "$STATE/pgbouncer/pgbouncer.pid")" 2>/dev/null || true; fi ;;
      galera)
        log "stopping the Galera cluster"
        for node in 3 2 1; do
          if [ -f "$STATE/galera/n$node.pid" ]; then kill "$(cat "$STATE/galera/n$node.pid")" 2>/dev/null || true; fi
        done ;;
      mariadb_replicas)
        log "stopping the MariaDB primary and replicas"
        for node in delayed replica primary; do
          if [ -f "$STATE/myrepl/$node.pid" ]; then kill "$(cat "$STATE/myrepl/$node.pid")" 2>/dev/null || true; fi
        done ;;
      mariadb)
        log "stopping the throwaway MariaDB"
        if [ -f "$STATE/mysql-run/mariadb.pid" ]; then kill "$(cat "$STATE/mysql-run/mariadb.pid")" 2>/dev/null || true; fi ;;
    esac
  done
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {
  for _ in $(seq 1 100); do
    if port_open 127.0.0.1 "$1"; then return 0; fi
    sleep 0.2
  done
  return 1
}

APT_UPDATED=0
apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "cannot install $* (not root, or no apt-get)"
    return 1
  fi
  if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq >/dev/null; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

provide_postgres() {
  if [ -n "${TEST_POSTGRES_URL:-}" ]; then return 0; fi
  if [ -z "${ORM_TEST_THROWAWAY:-}" ] && port_open 127.0.0.1 5432; then
    export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/test"
    return 0
  fi
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$PG_BIN" ]; then
    log "installing PostgreSQL from Debian's packages"
    apt_install postgresql || return 1
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  local port; port=$(free_port)
  log "starting a throwaway PostgreSQL on 127.0.0.1:$port"
  rm -rf "$STATE/pg" "$STATE/pg-run"; mkdir -p "$STATE/pg" "$STATE/pg-run"
  chown postgres "$STATE/pg" "$STATE/pg-run"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$STATE/pg" -U postgres --auth=trust -E UTF8 >/dev/null
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$STATE/pg" -l "$STATE/pg-run/postgres.log" -w \
    -o "-p $port -k $STATE/pg-run -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  STARTED+=(postgres)
  runuser -u postgres -- "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres test
  export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/test"
}

provide_mysql() {
  if [ -n "${TEST_MYSQL_URL:-}" ]; then return 0; fi
  if [ -z "${ORM_TEST_THROWAWAY:-}" ] && port_open 127.0.0.1 3306; then
    export TEST_MYSQL_URL="mysql://root@127.0.0.1:3306/test"
    return 0
  fi
  if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
    log "installing MariaDB from Debian's packages"
    apt_install mariadb-server || return 1
  fi
  local port; port=$(free_port)
  log "starting a throwaway MariaDB on 127.0.0.1:$port"
  rm -rf "$STATE/mysql" "$STATE/mysql-run"; mkdir -p "$STATE/mysql" "$STATE/mysql-run"
  chown mysql "$STATE/mysql" "$STATE/mysql-run"
  mariadb-install-db --datadir="$STATE/mysql" --user=mysql --auth-root-authentication-method=normal \
    --skip-test-db >"$STATE/mysql-install.log" 2>&1
  /usr/sbin/mariadbd --no-defaults --datadir="$STATE/mysql" --user=mysql --port="$port" \
    --bind-address=127.0.0.1 --socket="$STATE/mysql-run/mysql.sock" --pid-file="$STATE/mysql-run/mariadb.pid" \
    --skip-log-bin --innodb-flush-log-at-trx-commit=0 >"$STATE/mysql.log" 2>&1 &
  STARTED+=(mariadb)
  wait_port "$port" || { log "MariaDB did not start; see $STATE/mysql.log"; return 1; }
  mariadb --no-defaults -h 127.0.0.1 -P "$port" -u root -e "CREATE DATABASE IF NOT EXISTS test"
  export TEST_MYSQL_URL="mysql://root@127.0.0.1:$port/test"
}

SECANTUSDB_VERSION=0.7.0b3

provide_mongodb() {
  if [ -n "${TEST_MONGODB_URL:-}" ]; then return 0; fi
  local venv="$ROOT/.venv"
  if [ ! -x "$venv/bin/secantusd-py" ] || ! "$venv/bin/pip" show secantusdb 2>/dev/null | grep -qx "Version: $SECANTUSDB_VERSION"; then
    log "installing secantusdb $SECANTUSDB_VERSION into .venv"
    python3 -m venv "$venv" || { apt_install python3-venv && python3 -m venv "$venv"; } || return 1
    "$venv/bin/pip" install --quiet --disable-pip-version-check "secantusdb==$SECANTUSDB_VERSION" || return 1
  fi
  # Tests that need a MongoDB server of their own (one they stop mid-run) start this one.
  export ORM_TEST_SECANTUSD="$venv/bin/secantusd-py"
  local port; port=$(free_port)
  log "starting the MongoDB test server (secantusdb) on 127.0.0.1:$port"
  "$venv/bin/secantusd-py" --host 127.0.0.1 --port "$port" --storage-path :memory: --log-level WARNING \
    >"$STATE/mongodb.log" 2>&1 &
  MONGO_PID=$!
  STARTED+=(mongodb)
  wait_port "$port" || { log "secantusdb did not start; see $STATE/mongodb.log"; return 1; }
  export TEST_MONGODB_URL="mongodb://127.0.0.1:$port/test?directConnection=true"
  # A standalone server too: the transaction tests check that it refuses transactions cleanly.
  if [ -z "${TEST_MONGODB_STANDALONE_URL:-}" ]; then
    local standalone; standalone=$(free_port)
    "$venv/bin/secantusd-py" --host 127.0.0.1 --port "$standalone" --storage-path :memory: --standalone --log-level WARNING \
      >"$STATE/mongodb-standalone.log" 2>&1 &
    MONGO_STANDALONE_PID=$!
    wait_port "$standalone" || { log "the standalone secantusdb did not start"; return 1; }
    export TEST_MONGODB_STANDALONE_URL="mongodb://127.0.0.1:$standalone/test?directConnection=true"
  fi
}

provide_redis() {
  # The cache tests that stop a Redis of their own start this binary.
  if ! command -v redis-server >/dev/null; then
    log "installing redis-server from Debian's packages"
    apt_install redis-server || return 1
  fi
  export ORM_TEST_REDIS_SERVER="$(command -v redis-server)"
  if [ -n "${TEST_REDIS_URL:-}" ]; then return 0; fi
  if [ -z "${ORM_TEST_THROWAWAY:-}" ] && port_open 127.0.0.1 6379; then
    export TEST_REDIS_URL="redis://127.0.0.1:6379/0"
    return 0
  fi
  local port; port=$(free_port)
  log "starting a throwaway Redis on 127.0.0.1:$port"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >"$STATE/redis.log" 2>&1 &
  REDIS_PID=$!
  STARTED+=(redis)
  wait_port "$port" || { log "Redis did not start; see $STATE/redis.log"; return 1; }
  export TEST_REDIS_URL="redis://127.0.0.1:$port/0"
}

# A throwaway certificate authority (DIR/tls/ca.crt) and a server certificate it signed for
# 127.0.0.1 (server.crt, server.key), readable by USER (the server's).
test_certificate() {
  local dir=$1 user=$2 t="$1/tls"
  if ! command -v openssl >/dev/null; then apt_install openssl || return 1; fi
  mkdir -p "$t"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=orm test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$t/ca.key" -out "$t/ca.crt" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$t/server.key" -out "$t/server.csr" >/dev/null 2>&1
  printf "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n" >"$t/server.ext"
  openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial -days 2 \
    -extfile "$t/server.ext" -out "$t/server.crt" >/dev/null 2>&1
  chown -R "$user" "$t"; chmod 600 "$t/server.key" "$t/ca.key"
}

# A throwaway PostgreSQL primary with two streaming replicas (`pg_basebackup -R`), one of them
# applying WAL two seconds late, for the read-replica tests. Each node's port and socket directory
# are in its own postgresql.auto.conf, so a test can stop and start a replica with `pg_ctl -D` alone.
provide_pg_replicas() {
  PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)}
  if [ -z "$PG_BIN" ]; then
    log "installing PostgreSQL from Debian's packages"
    apt_install postgresql || return 1
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  local dir="$STATE/pgrepl" as_pg=(runuser -u postgres --)
  rm -rf "$dir"; mkdir -p "$dir/run"; chown -R postgres "$dir"
  local primary replica delayed
  primary=$(free_port); replica=$(free_port); delayed=$(free_port)
  log "starting a PostgreSQL primary on 127.0.0.1:$primary, replicas on :$replica and :$delayed (2 s delay)"
  "${as_pg[@]}" "$PG_BIN/initdb" -D "$dir/primary" -U postgres --auth=trust -E UTF8 >/dev/null
  test_certificate "$dir" postgres
  printf "port = %s\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = off\nwal_level = replica\nmax_wal_senders = 8\n" \
    "$primary" "$dir/run" >>"$dir/primary/postgresql.auto.conf"
  # TLS for the TLS tests (a self-signed certificate for 127.0.0.1); plain connections still work.
  printf "ssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\n" "$dir/tls/server.crt" "$dir/tls/server.key" \
    >>"$dir/primary/postgresql.auto.conf"
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w start >/dev/null
  STARTED+=(pg_replicas)
  "${as_pg[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$primary" -U postgres test
  for node in replica delayed; do
    "${as_pg[@]}" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$primary" -U postgres -D "$dir/$node" -R -X stream -c fast >/dev/null
    local port=$replica
    if [ "$node" = delayed ]; then port=$delayed; printf "recovery_min_apply_delay = '2s'\n" >>"$dir/$node/postgresql.auto.conf"; fi
    printf "port = %s\nhot_standby = on\n" "$port" >>"$dir/$node/postgresql.auto.conf"
    "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$dir/$node" -l "$dir/$node.log" -w start >/dev/null
  done
  export TEST_PG_PRIMARY_URL="postgres://postgres@127.0.0.1:$primary/test"
  export TEST_PG_REPLICA_URL="postgres://postgres@127.0.0.1:$replica/test"
  export TEST_PG_DELAYED_REPLICA_URL="postgres://postgres@127.0.0.1:$delayed/test"
  export ORM_TEST_PG_BIN="$PG_BIN" ORM_TEST_PG_REPLICA_DATA="$dir/replica" ORM_TEST_PG_TLS_CA="$dir/tls/ca.crt"
}

# A throwaway MariaDB primary with two GTID replicas, one applying two seconds late (MASTER_DELAY),
# for the read-replica tests. `start_mariadb_node NAME` starts a node again after a test stops it.
start_mariadb_node() {
  local node=$1 dir="$STATE/myrepl" port
  port=$(cat "$dir/$node.port")
  /usr/sbin/mariadbd --no-defaults --datadir="$dir/$node" --user=mysql --port="$port" --bind-address=127.0.0.1 \
    --socket="$dir/$node.sock" --pid-file="$dir/$node.pid" --server-id="$(cat "$dir/$node.id")" \
    --log-bin=binlog --log-slave-updates --binlog-format=ROW --innodb-flush-log-at-trx-commit=0 \
    --ssl-cert="$dir/tls/server.crt" --ssl-key="$dir/tls/server.key" \
    >>"$dir/$node.log" 2>&1 &
  disown "$!"  # stopped by pid file at the end, or killed by a test: no job message either way
  wait_port "$port"
}

provide_mariadb_replicas() {
  if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
    log "installing MariaDB from Debian's packages"
    apt_install mariadb-server || return 1
  fi
  local dir="$STATE/myrepl" id=1 node
  rm -rf "$dir"; mkdir -p "$dir"; chown mysql "$dir"
  test_certificate "$dir" mysql
  for node in primary replica delayed; do
    mkdir -p "$dir/$node"; chown mysql "$dir/$node"
    mariadb-install-db --datadir="$dir/$node" --user=mysql --auth-root-authentication-method=normal \
      --skip-test-db >>"$dir/install.log" 2>&1
    free_port >"$dir/$node.port"; echo "$id" >"$dir/$node.id"; id=$((id + 1))
    start_mariadb_node "$node" || { log "MariaDB $node did not start; see $dir/$node.log"; return 1; }
  done
  STARTED+=(mariadb_replicas)
  local primary; primary=$(cat "$dir/primary.port")
  local sql=(mariadb --no-defaults -h 127.0.0.1 -u root)
  "${sql[@]}" -P "$primary" -e "CREATE DATABASE test"
  for node in replica delayed; do
    local delay=0; [ "$node" = delayed ] && delay=2
    "${sql[@]}" -P "$(cat "$dir/$node.port")" -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$primary, \
      MASTER_USER='root', MASTER_USE_GTID=slave_pos, MASTER_DELAY=$delay; START SLAVE;"
  done
  log "MariaDB primary on 127.0.0.1:$primary, replicas on :$(cat "$dir/replica.port") and :$(cat "$dir/delayed.port") (2 s delay)"
  export TEST_MARIADB_PRIMARY_URL="mysql://root@127.0.0.1:$primary/test"
  export TEST_MARIADB_REPLICA_URL="mysql://root@127.0.0.1:$(cat "$dir/replica.port")/test"
  export TEST_MARIADB_DELAYED_REPLICA_URL="mysql://root@127.0.0.1:$(cat "$dir/delayed.port")/test"
  export ORM_TEST_MARIADB_REPLICA_DIR="$dir" ORM_TEST_MARIADB_TLS_CA="$dir/tls/ca.crt"
}

# A throwaway three-node MariaDB Galera cluster (galera-4) on loopback ports, for the cluster tests:
# the first node starts a new cluster, the others join it (state transfer by rsync).
provide_galera() {
  if [ ! -f /usr/lib/galera/libgalera_smm.so ] || ! command -v rsync >/dev/null; then
    log "installing galera-4 and rsync from Debian's packages"
    apt_install galera-4 rsync || return 1
  fi
  local dir="$STATE/galera" n addr=""
  rm -rf "$dir"; mkdir -p "$dir"; chown mysql "$dir"
  for n in 1 2 3; do
    mkdir -p "$dir/n$n"; chown mysql "$dir/n$n"
    echo "$(free_port) $(free_port) $(free_port) $(free_port)" >"$dir/n$n.ports"
  done
  for n in 1 2 3; do read -r _ g _ _ <"$dir/n$n.ports"; addr="$addr${addr:+,}127.0.0.1:$g"; done
  galera_node() {
    local n=$1 p g i s; read -r p g i s <"$dir/n$n.ports"; shift
    /usr/sbin/mariadbd --no-defaults --datadir="$dir/n$n" --user=mysql --port="$p" --bind-address=127.0.0.1 \
      --socket="$dir/n$n.sock" --pid-file="$dir/n$n.pid" --binlog-format=ROW --innodb-autoinc-lock-mode=2 \
      --innodb-flush-log-at-trx-commit=0 --wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so \
      --wsrep-cluster-name=orm_test --wsrep-cluster-address="gcomm://$addr" --wsrep-node-name="n$n" \
      --wsrep-node-address="127.0.0.1:$g" \
      --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$g;ist.recv_addr=127.0.0.1:$i;gcache.size=32M" \
      --wsrep-sst-method=rsync --wsrep-sst-receive-address="127.0.0.1:$s" "$@" >>"$dir/n$n.log" 2>&1 &
    disown "$!"
  }
  mariadb-install-db --datadir="$dir/n1" --user=mysql --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/install.log" 2>&1
  log "starting a three-node Galera cluster"
  galera_node 1 --wsrep-new-cluster
  STARTED+=(galera)
  local urls="" port
  for n in 1 2 3; do
    [ "$n" = 1 ] || galera_node "$n"
    read -r port _ _ _ <"$dir/n$n.ports"
    local ok=0
    for _ in $(seq 1 300); do
      if [ "$(mariadb --no-defaults -h 127.0.0.1 -P "$port" -u root -N -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2)" = Synced ]; then ok=1; break; fi
      sleep 0.2
    done
    [ "$ok" = 1 ] || { log "Galera node $n did not sync; see $dir/n$n.log"; return 1; }
    [ "$n" = 1 ] && mariadb --no-defaults -h 127.0.0.1 -P "$port" -u root -e "CREATE DATABASE test"
    urls="$urls${urls:+,}mysql://root@127.0.0.1:$port/test"
  done
  log "Galera cluster: $urls"
  export TEST_GALERA_URLS="$urls" ORM_TEST_GALERA_DIR="$dir"
}

# PgBouncer in transaction pooling mode in front of the throwaway PostgreSQL primary, fewer server
# connections than clients so that client connections share them; every database of the primary
# is reachable through it (`* =`).
provide_pgbouncer() {
  if [ -z "${TEST_PG_PRIMARY_URL:-}" ]; then log "PgBouncer needs the throwaway PostgreSQL primary"; return 1; fi
  if ! command -v pgbouncer >/dev/null; then
    log "installing pgbouncer from Debian's packages"
    apt_install pgbouncer || return 1
  fi
  local dir="$STATE/pgbouncer" port primary=${TEST_PG_PRIMARY_URL##*127.0.0.1:}
  primary=${primary%%/*}
  rm -rf "$dir"; mkdir -p "$dir"; port=$(free_port)
  printf '"postgres" ""\n' >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$primary
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 5
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits,options
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
INI
  chown -R postgres "$dir"
  log "starting PgBouncer (pool_mode = transaction) on 127.0.0.1:$port in front of :$primary"
  runuser -u postgres -- pgbouncer -d "$dir/pgbouncer.ini" || return 1
  STARTED+=(pgbouncer)
  wait_port "$port" || { log "PgBouncer did not start; see $dir/pgbouncer.log"; return 1; }
  export TEST_PGBOUNCER_URL="postgres://postgres@127.0.0.1:$port/test?pgbouncer=true"
}

provide_browser() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    log "installing Node.js and npm from Debian's packages"
    apt_install nodejs npm || return 1
  fi
  if [ ! -x /usr/bin/chromium ]; then
    log "installing Chromium from Debian's packages (the studio's browser tests)"
    apt_install chromium fonts-dejavu-core || return 1
  fi
  if [ ! -d orm-cli/tests/studio/node_modules/playwright-core ]; then
    log "installing playwright-core (pinned in orm-cli/tests/studio/package-lock.json; no browser download)"
    (cd orm-cli/tests/studio && npm ci --no-audit --no-fund --silent) || return 1
  fi
  export ORM_TEST_CHROMIUM=/usr/bin/chromium
}

need() {
  if ! "$1"; then
    if [ "${CI:-}" = true ]; then log "could not provide ${1#provide_} under CI=true"; exit 1; fi
    log "no ${1#provide_}: its tests will be skipped"
  fi
}

need provide_postgres
need provide_mysql
need provide_mongodb
need provide_redis
need provide_pg_replicas
need provide_mariadb_replicas
need provide_galera
need provide_pgbouncer
need provide_browser
log "PostgreSQL: ${TEST_POSTGRES_URL:-none}; MySQL: ${TEST_MYSQL_URL:-none}; MongoDB: ${TEST_MONGODB_URL:-none}; Redis: ${TEST_REDIS_URL:-none}; PostgreSQL primary + replicas: ${TEST_PG_PRIMARY_URL:-none}"

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Clippy lints the workspace's own crates as they build: clippy-driver wraps rustc for them (what
# `cargo clippy` does, with its arguments passed the way it passes them), so the dependencies are
# compiled once instead of built for the tests and checked again for clippy. Where the driver is
# missing, clippy runs on its own.
CLIPPY_DRIVER="$(rustc --print sysroot)/bin/clippy-driver"
if [ -x "$CLIPPY_DRIVER" ]; then
  export RUSTC_WORKSPACE_WRAPPER="$CLIPPY_DRIVER" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
  cargo build --workspace --all-targets
else
  cargo build --workspace --all-targets
  cargo clippy --workspace --all-targets -- -D warnings
fi
cargo test --workspace
# Each backend builds alone: a MongoDB-only application compiles no sqlx, an SQL one no driver it
# does not use. Last: these builds of the workspace's crates replace the ones the tests use, which
# cargo would otherwise compile again for the tests.
for backend in postgres mysql sqlite mongodb; do
  cargo clippy -p orm-core --no-default-features --features "$backend,derive" -- -D warnings
done
