#!/usr/bin/env bash
# A restore drill of PostgreSQL dumps into a scratch database on a real
# server started here on 127.0.0.1: the custom-format and plain dumps restore,
# drill_check queries the restored rows, the scratch database is dropped
# afterwards, a truncated dump fails the drill naming pg_restore, and the
# production database is never touched. Skips (exit 77) without PostgreSQL.
source "$(dirname "$0")/lib.sh"

BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [[ -z $BIN || ! -x $BIN/initdb ]]; then
  echo "SKIP: no PostgreSQL server (Debian: postgresql; make test installs it)"
  exit 77
fi
export PATH="$BIN:$PATH"

# The server's data folder, readable by the user it runs as.
PGD=$(mktemp -d /tmp/ctodesk-pg.XXXXXX)
as_pg() { if [[ $(id -u) == 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
[[ $(id -u) == 0 ]] && chown postgres "$PGD"
PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PGUSER_NAME=$([[ $(id -u) == 0 ]] && echo postgres || id -un)
stop_pg() { as_pg pg_ctl -D "$PGD/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PGD" "$WORK"; }
trap stop_pg EXIT
as_pg initdb -D "$PGD/data" -U "$PGUSER_NAME" -A trust >/dev/null
as_pg pg_ctl -D "$PGD/data" -w -l "$PGD/log" \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PGD -c fsync=off" start >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=$PGUSER_NAME

# Production: a database with 1,000 orders, dumped in custom and plain format.
createdb shop
psql -X -q -d shop -c "CREATE TABLE orders(id int PRIMARY KEY, total numeric); INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 1000) g;"
mkdir -p custom plain broken
pg_dump -Fc -d shop -f custom/shop-1.dump
pg_dump -d shop -f plain/shop-1.sql
head -c 600 custom/shop-1.dump > broken/shop-1.dump

CONN="host=127.0.0.1 port=$PORT user=$PGUSER_NAME"
cat > ctodesk.toml <<TOML
[backups]
[[backups.systems]]
name = "shop"
path = "$WORK/custom"
glob = "*.dump"
verify = ["pg_dump"]
drill_postgres = "$CONN"
drill_check = "psql -X -tAc 'SELECT count(*) FROM orders' | grep -qx 1000 && echo 1000 orders restored"

[[backups.systems]]
name = "shop-sql"
path = "$WORK/plain"
glob = "*.sql"
verify = ["pg_dump"]
drill_postgres = "$CONN"
drill_check = "psql -X -tAc 'SELECT sum(total) FROM orders'"

[[backups.systems]]
name = "shop-broken"
path = "$WORK/broken"
glob = "*.dump"
verify = ["pg_dump"]
drill_postgres = "$CONN"
TOML
# The drill's environment, not ours, must name the server.
unset PGHOST PGPORT PGUSER

expect_exit 0 "$CTODESK" backups drill shop
expect_contains "$out" "1000 orders restored" "custom-format drill checks the restored rows"
expect_exit 0 "$CTODESK" backups drill shop-sql
expect_contains "$out" "750750" "plain dump restored through psql"
expect_exit 1 "$CTODESK" backups drill shop-broken
expect_contains "$out$err" "pg_restore" "a truncated dump fails naming pg_restore"

export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=$PGUSER_NAME
left=$(psql -X -tAc "SELECT count(*) FROM pg_database WHERE datname LIKE 'ctodesk_drill_%'" -d postgres)
[[ $left == 0 ]] || fail "$left scratch databases left behind"
rows=$(psql -X -tAc "SELECT count(*) FROM orders" -d shop)
[[ $rows == 1000 ]] || fail "production database changed: $rows orders"

# --keep leaves the scratch database for inspection, and says which.
unset PGHOST PGPORT PGUSER
expect_exit 0 "$CTODESK" backups drill shop --keep
expect_contains "$out" "kept: scratch database ctodesk_drill_" "--keep names the database"

# Bad drill_postgres values are refused with the key named.
for bad in "postgresql://u@h/db" "host=127.0.0.1 dbname=shop" "host=127.0.0.1 colour=blue"; do
  sed "s|^drill_postgres = .*|drill_postgres = \"$bad\"|" ctodesk.toml > bad.toml
  expect_exit 2 "$CTODESK" backups list --config bad.toml
  expect_contains "$err" "drill_postgres" "bad drill_postgres \"$bad\""
done
echo "postgres drill ok"
