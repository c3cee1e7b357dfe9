#!/usr/bin/env bash
# A real Zabbix 6.0 (Debian 12 packages) on loopback, for the contract tests and the benchmarks:
# packages, a private PostgreSQL cluster in $ZBX_HOME, zabbix_server, and the API under `php -S`.
# Idempotent: what is already up is checked and kept, what is half up is repaired.
#
#   scripts/zabbix/up.sh              bring everything up; writes $ZBX_HOME/zabbix.env
#   scripts/zabbix/up.sh --reset-db   the same, with the zabbix DB recreated from its pristine copy
#
# Environment: ZBX_HOME (/tmp/zbx), ZBX_PG_PORT (54329), ZBX_TRAPPER_PORT (10051), ZBX_API_PORT (18080).
# Needs root and apt-get (Debian 12); exits 3 without them. Stop with scripts/zabbix/down.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/zabbix/lib.sh
. "$here/lib.sh"

reset_db=
case "${1:-}" in
"") ;;
--reset-db) reset_db=1 ;;
*) say "unknown argument '$1' (use: up.sh [--reset-db])"; exit 2 ;;
esac

# A password for a database that listens on 127.0.0.1 only and holds test data: not a secret.
DB_PASSWORD=zabbix-db-pw
PACKAGES=(zabbix-server-pgsql zabbix-frontend-php zabbix-agent php-cli php-pgsql)

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "a real Zabbix needs root and apt-get (Debian 12): it installs the zabbix-server-pgsql,"
    say "zabbix-frontend-php and zabbix-agent packages and writes $FRONTEND_CONF."
    say "Run it as root on a Debian 12 machine or container: sudo scripts/zabbix/up.sh"
    exit 3
fi

# --- 1. packages -------------------------------------------------------------------------------
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
missing=()
for package in "${PACKAGES[@]}"; do installed "$package" || missing+=("$package"); done
[ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
    phase "installing ${missing[*]}"
    # Nothing may auto-start: the packages' daemons would take the ports and the system cluster.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT  # also when the install fails
    fi
    apt_log=$(mktemp)
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "${missing[@]}"; } >"$apt_log" 2>&1 ||
        die 1 "apt-get install ${missing[*]}" "$apt_log"
    rm -f "$apt_log"
    if [ -n "$(trap -p EXIT)" ]; then
        rm -f /usr/sbin/policy-rc.d
        trap - EXIT
    fi
    phase_done
fi

# --- 2. one API per machine: the frontend config names the instance it belongs to --------------
if [ -f "$FRONTEND_CONF" ] && ! grep -qxF "$FRONTEND_MARKER" "$FRONTEND_CONF"; then
    owner=$(grep -o 'ZBX_HOME=.*' "$FRONTEND_CONF" | head -n1 || true)
    if [ -n "$owner" ]; then
        say "$FRONTEND_CONF belongs to the Zabbix of $owner: one frontend per machine."
        say "Stop that one first: $owner scripts/zabbix/down.sh --purge"
    else
        say "$FRONTEND_CONF was not written by this script: move it away, then rerun up.sh."
    fi
    exit 1
fi

mkdir -p "$ZBX_HOME"/{pg,srv,web}
chmod 755 "$ZBX_HOME"
chown postgres: "$ZBX_HOME/pg"
chmod 700 "$ZBX_HOME/pg"
chown zabbix: "$ZBX_HOME/srv" "$ZBX_HOME/web"

# --- 3. a private PostgreSQL cluster (the system cluster is never touched) ---------------------
if ! pg_running; then
    phase "starting PostgreSQL on 127.0.0.1:$ZBX_PG_PORT"
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        rm -rf "$PG_DATA"
        as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=peer \
            --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$ZBX_HOME/pg/initdb.log" 2>&1 ||
            die 1 "initdb $PG_DATA" "$ZBX_HOME/pg/initdb.log"
    fi
    as_postgres mkdir -p "$PG_SOCK"
    # Lock files left by a killed server block the start, and PostgreSQL's own check takes a
    # zombie for a live server: remove them when the PID they name is not a live postgres.
    for lock in "$PG_DATA/postmaster.pid" "$PG_SOCK/.s.PGSQL.$ZBX_PG_PORT.lock"; do
        stale=$(pid_from "$lock")
        if [ -n "$stale" ] && ! alive "$stale" postgres; then
            rm -f "$lock" "${lock%.lock}"
        fi
    done
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$ZBX_HOME/pg/postgres.log" -w -t 30 start \
        -o "-p $ZBX_PG_PORT -k $PG_SOCK -c listen_addresses=127.0.0.1 -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off" >/dev/null ||
        die 1 "PostgreSQL did not start on port $ZBX_PG_PORT" "$ZBX_HOME/pg/postgres.log"
    phase_done
fi

# --- 4. the database: schema loaded once into zabbix_pristine, zabbix copied from it -----------
sql() { PGOPTIONS="-c client_min_messages=warning" as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$ZBX_PG_PORT" "$@"; }
# data.sql carries its own transaction, so a load can stop half way: a DB counts as loaded only
# when its schema version and the Admin user are both there.
loaded() {
    [ "$(sql -d "$1" -tAc "SELECT count(*) FROM dbversion, users WHERE users.username = 'Admin'" \
        2>/dev/null)" = 1 ]
}
server_pid=$(pid_from "$SERVER_PID")
stop_server() {
    if alive "$server_pid" zabbix_server; then
        kill -TERM "$server_pid"
        wait_gone "$server_pid" zabbix_server 30 || die 1 "zabbix_server $server_pid did not stop"
    fi
}
if ! loaded zabbix_pristine; then
    phase "loading the Zabbix schema (about 12 s)"
    stop_server
    if [ "$(sql -d postgres -tAc "SELECT count(*) FROM pg_roles WHERE rolname = 'zabbix'")" = 0 ]; then
        sql -d postgres -c "CREATE ROLE zabbix LOGIN PASSWORD '$DB_PASSWORD'"
    fi
    sql -d postgres -c "DROP DATABASE IF EXISTS zabbix_pristine WITH (FORCE)" \
        -c "CREATE DATABASE zabbix_pristine OWNER zabbix ENCODING 'UTF8' TEMPLATE template0"
    for part in schema images data; do
        zcat "/usr/share/zabbix-server-pgsql/$part.sql.gz" |
            PGPASSWORD=$DB_PASSWORD psql -X -q -h 127.0.0.1 -p "$ZBX_PG_PORT" -U zabbix \
                -d zabbix_pristine -v ON_ERROR_STOP=1 >"$ZBX_HOME/pg/load.log" 2>&1 ||
            die 1 "loading $part.sql into zabbix_pristine" "$ZBX_HOME/pg/load.log"
    done
    reset_db=1
    phase_done
fi
if [ -n "$reset_db" ] || ! loaded zabbix; then
    phase "creating the zabbix DB from zabbix_pristine"
    stop_server
    sql -d postgres -c "DROP DATABASE IF EXISTS zabbix WITH (FORCE)" \
        -c "CREATE DATABASE zabbix OWNER zabbix TEMPLATE zabbix_pristine"
    rm -f "$ZBX_HOME/api-token"  # tokens live in the DB that was just replaced
    phase_done
fi

# --- 5. zabbix_server with its own config ------------------------------------------------------
# CacheUpdateFrequency 5 (default 60): new hosts and items reach the trapper within seconds even
# without `zabbix_server -R config_cache_reload`.
server_conf="ListenIP=127.0.0.1
ListenPort=$ZBX_TRAPPER_PORT
LogFile=$ZBX_HOME/srv/zabbix_server.log
PidFile=$SERVER_PID
SocketDir=$ZBX_HOME/srv
DBHost=127.0.0.1
DBPort=$ZBX_PG_PORT
DBName=zabbix
DBUser=zabbix
DBPassword=$DB_PASSWORD
CacheUpdateFrequency=5"
if [ "$(cat "$SERVER_CONF" 2>/dev/null)" != "$server_conf" ]; then
    stop_server
    printf '%s\n' "$server_conf" >"$SERVER_CONF"
    chown zabbix: "$SERVER_CONF"
    chmod 600 "$SERVER_CONF"
fi
trapper_ready() {
    local rc=0
    zabbix_sender -z 127.0.0.1 -p "$ZBX_TRAPPER_PORT" -s opsconsole-probe -k x -o 1 >/dev/null 2>&1 || rc=$?
    [ $rc -eq 2 ]  # 2: the server answered and refused the unknown host; 1: nobody answered
}
if ! alive "$server_pid" zabbix_server; then
    phase "starting zabbix_server (trapper on 127.0.0.1:$ZBX_TRAPPER_PORT)"
    rm -f "$SERVER_PID"
    zabbix_server -c "$SERVER_CONF" ||
        die 1 "zabbix_server -c $SERVER_CONF" "$ZBX_HOME/srv/zabbix_server.log"
    deadline=$((SECONDS + 30))
    until trapper_ready; do
        server_pid=$(pid_from "$SERVER_PID")
        if [ $SECONDS -ge $deadline ] || { [ -n "$server_pid" ] && ! alive "$server_pid" zabbix_server; }; then
            die 1 "zabbix_server does not answer on 127.0.0.1:$ZBX_TRAPPER_PORT" \
                "$ZBX_HOME/srv/zabbix_server.log"
        fi
        sleep 0.2
    done
    phase_done
elif ! trapper_ready; then
    die 1 "zabbix_server $server_pid runs but does not answer on 127.0.0.1:$ZBX_TRAPPER_PORT" \
        "$ZBX_HOME/srv/zabbix_server.log"
fi

# --- 6. the frontend config and the API under php -S -------------------------------------------
frontend_conf="<?php
$FRONTEND_MARKER
\$DB['TYPE'] = 'POSTGRESQL';
\$DB['SERVER'] = '127.0.0.1';
\$DB['PORT'] = '$ZBX_PG_PORT';
\$DB['DATABASE'] = 'zabbix';
\$DB['USER'] = 'zabbix';
\$DB['PASSWORD'] = '$DB_PASSWORD';
\$DB['SCHEMA'] = '';
\$DB['ENCRYPTION'] = false;
\$DB['KEY_FILE'] = '';
\$DB['CERT_FILE'] = '';
\$DB['CA_FILE'] = '';
\$DB['VERIFY_HOST'] = false;
\$DB['CIPHER_LIST'] = '';
\$DB['VAULT_URL'] = '';
\$DB['VAULT_DB_PATH'] = '';
\$DB['VAULT_TOKEN'] = '';
\$DB['DOUBLE_IEEE754'] = true;
\$ZBX_SERVER = '127.0.0.1';
\$ZBX_SERVER_PORT = '$ZBX_TRAPPER_PORT';
\$ZBX_SERVER_NAME = 'opsconsole tests';
\$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;"
if [ "$(cat "$FRONTEND_CONF" 2>/dev/null)" != "$frontend_conf" ]; then
    printf '%s\n' "$frontend_conf" >"$FRONTEND_CONF"
    chown root:zabbix "$FRONTEND_CONF"
    chmod 640 "$FRONTEND_CONF"
fi

API_URL=http://127.0.0.1:$ZBX_API_PORT/api_jsonrpc.php
api_version() {
    curl -s -m 5 -H 'Content-Type: application/json-rpc' \
        -d '{"jsonrpc":"2.0","method":"apiinfo.version","params":{},"id":1}' "$API_URL" 2>&1 || true
}
php_pid=$(pid_from "$PHP_PID")
if ! alive "$php_pid" php; then
    phase "starting the API (php -S 127.0.0.1:$ZBX_API_PORT)"
    # setsid makes the PID a process group, so down.sh stops the workers with it; setpriv drops
    # root without forking, so the PID file names php itself.
    rm -f "$PHP_PID"  # a stale file would name a process that is not ours
    setsid bash -c "echo \$\$ >'$PHP_PID'; exec setpriv --reuid=zabbix --regid=zabbix --init-groups \
        env PHP_CLI_SERVER_WORKERS=4 php -S 127.0.0.1:$ZBX_API_PORT -t /usr/share/zabbix" \
        >"$ZBX_HOME/web/php.log" 2>&1 </dev/null &
    deadline=$((SECONDS + 20))
    until [[ $(api_version) == *'"result":"6.0'* ]]; do
        # The PID file appears only once the background shell runs: until then php is starting,
        # not dead (CI once failed here in 4 s, checking before the file was written).
        php_pid=$(pid_from "$PHP_PID")
        if [ $SECONDS -ge $deadline ] || { [ -n "$php_pid" ] && ! alive "$php_pid" php; }; then
            die 1 "the API at $API_URL does not answer apiinfo.version: $(api_version)" \
                "$ZBX_HOME/web/php.log"
        fi
        sleep 0.1
    done
    phase_done
fi
version=$(api_version)
[[ $version == *'"result":"6.0'* ]] || die 1 "the API at $API_URL answers: $version" "$ZBX_HOME/web/php.log"

# --- 7. API set-up: the stock host off, an API token for Admin, the env file -------------------
phase "API set-up and $ZBX_HOME/zabbix.env"
ZBX_API_URL=$API_URL ZBX_HOME=$ZBX_HOME ZBX_TRAPPER_PORT=$ZBX_TRAPPER_PORT ZBX_SERVER_CONF=$SERVER_CONF \
    python3 "$here/api_setup.py" || die 1 "API set-up" "$ZBX_HOME/web/php.log"
phase_done
say "up in $(elapsed "$script_started") s; use it with: . $ZBX_HOME/zabbix.env"
