#!/usr/bin/env bash
# Stop what scripts/zabbix/up.sh started, by its PID files: the API (php -S and its workers),
# zabbix_server, the private PostgreSQL cluster. Idempotent: what is not running is skipped.
#
#   scripts/zabbix/down.sh           stop; the DB and the packages stay, so the next up.sh takes ~2 s
#   scripts/zabbix/down.sh --purge   also remove $ZBX_HOME and the frontend config it wrote
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/zabbix/lib.sh
. "$here/lib.sh"

purge=
case "${1:-}" in
"") ;;
--purge) purge=1 ;;
*) say "unknown argument '$1' (use: down.sh [--purge])"; exit 2 ;;
esac
if [ "$(id -u)" -ne 0 ]; then
    say "stopping the real Zabbix needs root, as starting it did: sudo scripts/zabbix/down.sh"
    exit 3
fi

# php -S forks workers that outlive a SIGTERM to their parent: stop the whole process group
# (up.sh started php with setsid, so its PID is the group's id).
php_pid=$(pid_from "$PHP_PID")
if alive "$php_pid" php; then
    phase "stopping the API (php -S, process group $php_pid)"
    kill -TERM -- "-$php_pid" 2>/dev/null || true
    wait_gone "$php_pid" php 5 || kill -KILL -- "-$php_pid" 2>/dev/null || true
    phase_done
fi
rm -f "$PHP_PID"

server_pid=$(pid_from "$SERVER_PID")
if alive "$server_pid" zabbix_server; then
    phase "stopping zabbix_server ($server_pid)"
    kill -TERM "$server_pid"
    wait_gone "$server_pid" zabbix_server 30 || die 1 "zabbix_server $server_pid did not stop within 30 s" \
        "$ZBX_HOME/srv/zabbix_server.log"
    phase_done
fi

pg_pid=$(pid_from "$PG_DATA/postmaster.pid")
if alive "$pg_pid" postgres; then
    phase "stopping PostgreSQL ($pg_pid)"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null ||
        die 1 "PostgreSQL $pg_pid did not stop" "$ZBX_HOME/pg/postgres.log"
    phase_done
fi

if [ -n "$purge" ]; then
    phase "removing $ZBX_HOME and $FRONTEND_CONF"
    rm -rf "$ZBX_HOME"
    # The frontend config is shared by the machine: remove it only when this instance wrote it.
    if [ -f "$FRONTEND_CONF" ] && grep -qxF "$FRONTEND_MARKER" "$FRONTEND_CONF"; then
        rm -f "$FRONTEND_CONF"
    fi
    phase_done
fi
say "down in $(elapsed "$script_started") s"
