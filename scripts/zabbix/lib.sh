# Shared by up.sh and down.sh (sourced, not run): settings from the environment, process checks
# that see through zombies, and phase timings.
# shellcheck shell=bash

ZBX_HOME=${ZBX_HOME:-/tmp/zbx}  # short on purpose: unix socket paths are limited to 107 bytes
ZBX_PG_PORT=${ZBX_PG_PORT:-54329}
ZBX_TRAPPER_PORT=${ZBX_TRAPPER_PORT:-10051}
ZBX_API_PORT=${ZBX_API_PORT:-18080}
PG_BIN=/usr/lib/postgresql/15/bin
# Debian patched the frontend to read exactly this path, so there is one API instance per machine.
FRONTEND_CONF=/etc/zabbix/zabbix.conf.php
FRONTEND_MARKER="// written by opsconsole scripts/zabbix/up.sh for ZBX_HOME=$ZBX_HOME"
SERVER_CONF=$ZBX_HOME/srv/zabbix_server.conf
PHP_PID=$ZBX_HOME/web/php.pid
SERVER_PID=$ZBX_HOME/srv/zabbix_server.pid
PG_DATA=$ZBX_HOME/pg/data
PG_SOCK=$ZBX_HOME/pg/sock

say() { printf 'zabbix: %s\n' "$*" >&2; }

die() {  # die CODE MESSAGE [LOG]: the message, then the tail of the log that explains it
    local code=$1 message=$2 log=${3:-}
    say "FAILED: $message"
    if [ -n "$log" ] && [ -f "$log" ]; then
        say "last lines of $log:"
        tail -n 25 "$log" >&2
    fi
    exit "$code"
}

phase_started=$EPOCHREALTIME
script_started=$EPOCHREALTIME
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
phase() { phase_started=$EPOCHREALTIME; say "$*"; }
phase_done() { say "  done in $(elapsed "$phase_started") s"; }

# kill -0 succeeds on zombies, and PID 1 in a container may reap them late: a process counts as
# alive only when its stat state is not Z and its command line names what we expect.
alive() {  # alive PID NAME
    local pid=$1 name=$2 state
    [[ $pid =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/stat" ] || return 1
    state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [ -n "$state" ] && [ "$state" != Z ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name"
}

pid_from() { [ -f "$1" ] && head -n1 "$1" | tr -dc 0-9 || true; }

wait_gone() {  # wait_gone PID NAME SECONDS: true once the process is gone (or a zombie)
    local pid=$1 name=$2 deadline=$((SECONDS + $3))
    while alive "$pid" "$name"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
}

as_postgres() { runuser -u postgres -- "$@"; }

pg_running() { [ -S "$PG_SOCK/.s.PGSQL.$ZBX_PG_PORT" ] && pg_isready -q -h "$PG_SOCK" -p "$ZBX_PG_PORT"; }
