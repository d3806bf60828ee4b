# Shared by scripts/dev-stack and scripts/test: installs what the stack needs and starts
# PostgreSQL and RabbitMQ on loopback with their data under the repo. Source it; it only
# defines functions and variables.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=${STOCKSYNC_STACK_DIR:-$REPO/.stack}
PG_PORT=${STOCKSYNC_PG_PORT:-55432}
AMQP_PORT=${STOCKSYNC_AMQP_PORT:-5672}
RABBIT_NODE=${STOCKSYNC_RABBIT_NODE:-stocksync@localhost}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

export DATABASE_URL=${DATABASE_URL:-postgresql://stocksync:stocksync@127.0.0.1:$PG_PORT/stocksync}
export AMQP_URL=${AMQP_URL:-amqp://guest:guest@127.0.0.1:$AMQP_PORT/}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ensure_packages [extra package …]
ensure_packages() {
    local wanted=(postgresql rabbitmq-server librabbitmq-dev libpq-dev libcurl4-openssl-dev procps curl bc "$@")
    local missing=()
    for package in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    [ "$(id -u)" = 0 ] || die "installing packages needs root: apt-get install ${missing[*]}"
    # Debian's packages start their own servers where they can; ours are started below.
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
}

# PostgreSQL and RabbitMQ refuse to run as root. Their data lives under the repo when
# their users can reach it there, and otherwise in a folder named after the repo.
prepare_stack_dir() {
    mkdir -p "$STACK_DIR"
    if ! su postgres -s /bin/sh -c "test -x '$STACK_DIR'" 2>/dev/null; then
        local fallback="/var/tmp/stocksync-stack-$(printf '%s' "$REPO" | md5sum | cut -c1-12)"
        say "postgres cannot reach $STACK_DIR; keeping server data in $fallback"
        STACK_DIR=$fallback
        mkdir -p "$STACK_DIR"
    fi
    chmod 755 "$STACK_DIR"
    mkdir -p "$STACK_DIR/logs" "$STACK_DIR/run"
    # The key shops' access tokens are sealed with: the caller's, else one made once for this
    # stack (a new key would not open the tokens its database already holds).
    if [ -z "${STOCKSYNC_TOKEN_KEY:-}" ]; then
        [ -s "$STACK_DIR/token-key" ] || (umask 077 && head -c 32 /dev/urandom | base64 >"$STACK_DIR/token-key")
        STOCKSYNC_TOKEN_KEY=$(cat "$STACK_DIR/token-key")
        export STOCKSYNC_TOKEN_KEY
    fi
}

pg_running() { su postgres -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$STACK_DIR/postgres' status" >/dev/null 2>&1; }

start_postgres() {
    local data=$STACK_DIR/postgres
    if [ ! -f "$data/PG_VERSION" ]; then
        say "initialising PostgreSQL in $data"
        mkdir -p "$data" && chown postgres:postgres "$data" && chmod 700 "$data"
        su postgres -s /bin/sh -c "'$PG_BIN/initdb' -D '$data' -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8" >"$STACK_DIR/logs/initdb.log" 2>&1 \
            || die "initdb failed: see $STACK_DIR/logs/initdb.log"
    fi
    if ! pg_running; then
        say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
        mkdir -p "$STACK_DIR/run/pg" && chown postgres:postgres "$STACK_DIR/run/pg"
        touch "$STACK_DIR/logs/postgres.log" && chown postgres:postgres "$STACK_DIR/logs/postgres.log"
        su postgres -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$data' -l '$STACK_DIR/logs/postgres.log' -w -t 60 start -o \"-c listen_addresses=127.0.0.1 -p $PG_PORT -k '$STACK_DIR/run/pg' -c max_connections=200 -c shared_buffers=256MB -c synchronous_commit=on\"" >/dev/null \
            || die "PostgreSQL did not start: see $STACK_DIR/logs/postgres.log"
    fi
    psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'stocksync'" | grep -q 1 \
        || psql_admin -c "CREATE ROLE stocksync LOGIN PASSWORD 'stocksync'" >/dev/null
    local database
    for database in stocksync stocksync_test; do
        psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1 \
            || psql_admin -c "CREATE DATABASE $database OWNER stocksync" >/dev/null
    done
}

psql_admin() { su postgres -s /bin/sh -c "psql -h '$STACK_DIR/run/pg' -p $PG_PORT -U postgres -d postgres -v ON_ERROR_STOP=1 $(printf "%q " "$@")"; }

stop_postgres() {
    pg_running || return 0
    say "stopping PostgreSQL"
    su postgres -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$STACK_DIR/postgres' -m fast -w stop" >/dev/null
}

rabbit_env() {
    local base=$STACK_DIR/rabbitmq
    printf '%s ' \
        "RABBITMQ_NODENAME=$RABBIT_NODE" \
        "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1" \
        "RABBITMQ_NODE_PORT=$AMQP_PORT" \
        "RABBITMQ_DIST_PORT=$((AMQP_PORT + 20000))" \
        "ERL_EPMD_ADDRESS=127.0.0.1" \
        "RABBITMQ_MNESIA_BASE=$base/mnesia" \
        "RABBITMQ_LOG_BASE=$base/log" \
        "RABBITMQ_PID_FILE=$base/rabbitmq.pid" \
        "RABBITMQ_ENABLED_PLUGINS_FILE=$base/enabled_plugins" \
        "RABBITMQ_CONFIG_FILE=$base/rabbitmq.conf" \
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'"
}

rabbitmqctl_stack() { su rabbitmq -s /bin/sh -c "env $(rabbit_env) /usr/lib/rabbitmq/bin/rabbitmqctl -n $RABBIT_NODE $(printf "%q " "$@")"; }

rabbit_running() { rabbitmqctl_stack status >/dev/null 2>&1; }

start_rabbitmq() {
    local base=$STACK_DIR/rabbitmq
    mkdir -p "$base/mnesia" "$base/log"
    [ -f "$base/enabled_plugins" ] || echo '[].' >"$base/enabled_plugins"
    # Quorum queues write to a shared log (WAL) and move it into segment files each time it
    # fills: at the default 512 MB, every move is a burst of disk writes that holds back
    # publisher confirms for tens of milliseconds. 64 MB makes the bursts small.
    cat >"$base/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$AMQP_PORT
loopback_users.guest = true
disk_free_limit.absolute = 50MB
raft.wal_max_size_bytes = 67108864
CONF
    chown -R rabbitmq:rabbitmq "$base"
    rabbit_running && return 0
    say "starting RabbitMQ on 127.0.0.1:$AMQP_PORT"
    setsid su rabbitmq -s /bin/sh -c "exec env $(rabbit_env) /usr/lib/rabbitmq/bin/rabbitmq-server" \
        >"$STACK_DIR/logs/rabbitmq.log" 2>&1 </dev/null &
    # await_startup returns at once while the node is not yet reachable: poll it.
    local deadline=$((SECONDS + 90))
    until rabbitmqctl_stack -q --timeout 30 await_startup >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || die "RabbitMQ did not start: see $STACK_DIR/logs/rabbitmq.log"
        sleep 1
    done
}

stop_rabbitmq() {
    rabbit_running || return 0
    say "stopping RabbitMQ"
    rabbitmqctl_stack -q stop >/dev/null 2>&1 || true
}

# A virtual host of its own for the tests, so that workers of a running dev stack never
# take their messages.
# The dead-letter queues' policy (docs/ARCHITECTURE.md, "Retention"): a dead letter is kept
# 14 days, and at most 100,000 a queue (the oldest dropped first). A policy rather than queue
# arguments, as RabbitMQ recommends (https://www.rabbitmq.com/docs/maxlength): it can change
# without redeclaring the queues. Compose/compose.yaml sets the same.
DEAD_LETTER_POLICY='{"message-ttl":1209600000,"max-length":100000}'

ensure_vhost() {
    rabbitmqctl_stack -q list_vhosts | grep -qx "$1" || rabbitmqctl_stack -q add_vhost "$1" >/dev/null
    rabbitmqctl_stack -q set_permissions -p "$1" guest '.*' '.*' '.*' >/dev/null
    rabbitmqctl_stack -q set_policy -p "$1" --apply-to queues stocksync-dead-letters '\.dead$' "$DEAD_LETTER_POLICY" >/dev/null
}

build_release() {
    say "building (release)"
    (cd "$REPO" && swift build -c release 2>&1 | tail -n 3) || die "build failed"
    BIN_DIR=$(cd "$REPO" && swift build -c release --show-bin-path)
}

# For scripts/bench-* (arguments: extra Debian packages): starts whichever server is not running (and stops it again on
# exit, with the background processes listed in BENCH_PIDS), gives the benchmark its own
# virtual host and an empty database stocksync_bench, builds, and exports the URLs.
bench_prepare() {
    ensure_packages "$@"
    prepare_stack_dir
    BENCH_STARTED=()
    BENCH_PIDS=()
    trap bench_cleanup EXIT
    pg_running || BENCH_STARTED+=(postgres)
    start_postgres
    rabbit_running || BENCH_STARTED+=(rabbitmq)
    start_rabbitmq
    ensure_vhost stocksync-bench
    psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'stocksync_bench'" | grep -q 1 \
        || psql_admin -c "CREATE DATABASE stocksync_bench OWNER stocksync" >/dev/null
    build_release
    await_quiet_servers
    export AMQP_URL="amqp://guest:guest@127.0.0.1:$AMQP_PORT/stocksync-bench"
    export DATABASE_URL="postgresql://stocksync:stocksync@127.0.0.1:$PG_PORT/stocksync_bench"
    export LOG_LEVEL=warning
    cd "$REPO"
}

# A RabbitMQ just started spends a core for a while recovering its quorum queues' logs (and
# PostgreSQL may be vacuuming): a benchmark begun meanwhile measures that too. Waits, up to
# two minutes, until both use under a tenth of a core over two seconds.
await_quiet_servers() {
    local deadline=$((SECONDS + 120)) before after
    while [ $SECONDS -lt $deadline ]; do
        before=$(echo "$(user_cpu_seconds rabbitmq) + $(user_cpu_seconds postgres)" | bc)
        sleep 2
        after=$(echo "$(user_cpu_seconds rabbitmq) + $(user_cpu_seconds postgres)" | bc)
        [ "$(echo "$after - $before < 0.2" | bc)" = 1 ] && return 0
    done
    say "RabbitMQ and PostgreSQL are still busy after two minutes; measuring anyway"
}

bench_cleanup() {
    local pid server
    for pid in "${BENCH_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    # The virtual host goes with its queues' logs, which RabbitMQ would otherwise keep (1.4 GB
    # after a few runs) and recover, a core busy for minutes, at every start. (Deleted here, not
    # before a run: a quorum queue declared again at once can meet its old self still stopping.)
    rabbitmqctl_stack -q delete_vhost stocksync-bench >/dev/null 2>&1 || true
    for server in "${BENCH_STARTED[@]}"; do "stop_$server"; done
}

# free_port: a loopback TCP port nothing listens on, below Linux's ephemeral range, so that a
# benchmark never meets a running dev stack's fixed ports (a worker that cannot bind its
# metrics port dies at start).
free_port() {
    local port
    while true; do
        port=$((20000 + RANDOM % 12000))
        ss -Htln "sport = :$port" | grep -q . || { echo "$port"; return; }
    done
}

# await_http URL PID LOG: waits up to 30 s for URL to answer 2xx; dies at once, naming LOG, if
# process PID exits first.
await_http() {
    local url=$1 pid=$2 log=$3 deadline=$((SECONDS + 30))
    while [ $SECONDS -lt $deadline ]; do
        curl -sf "$url" >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || die "process $pid exited before $url answered (see $log)"
        sleep 0.1
    done
    die "$url did not answer within 30 s (see $log)"
}

# peak_rss_mb PID: the most resident memory the process has had, in MB.
peak_rss_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# Empties stocksync_bench and applies the migrations.
bench_reset_database() {
    PGPASSWORD=stocksync psql -q -h 127.0.0.1 -p "$PG_PORT" -U stocksync -d stocksync_bench \
        -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null
    "$BIN_DIR/stocksync" migrate >/dev/null
}

# Starts a Shopify simulator of the benchmark's own on BENCH_SIMULATOR_URL.
# cpu_seconds PID...: the user and system CPU seconds those processes have used so far.
cpu_seconds() {
    local pid jiffies=0 used
    for pid in "$@"; do
        # A process may exit between the caller listing it and this read.
        used=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) && jiffies=$((jiffies + used))
    done
    echo "scale=1; $jiffies / $(getconf CLK_TCK)" | bc
}
# user_cpu_seconds USER: the same over every process of USER (the database's or broker's).
user_cpu_seconds() { cpu_seconds $(pgrep -u "$1"); }
# machine_busy_jiffies: CPU time the machine spent not idle, in jiffies (/proc/stat).
machine_busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

bench_start_simulator() {
    BENCH_SIMULATOR_PORT=${BENCH_SIMULATOR_PORT:-$(free_port)}
    BENCH_SIMULATOR_URL=http://127.0.0.1:$BENCH_SIMULATOR_PORT
    SIMULATOR_PORT=$BENCH_SIMULATOR_PORT "$BIN_DIR/shopify-simulator" 2>>"$STACK_DIR/logs/bench-simulator.log" &
    BENCH_PIDS+=($!)
    await_http "$BENCH_SIMULATOR_URL/_simulator/health" "$!" "$STACK_DIR/logs/bench-simulator.log"
}
