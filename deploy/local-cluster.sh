#!/usr/bin/env bash
# A throw-away cluster on this machine, all on loopback: a PostgreSQL server, two portal nodes on it
# and nginx in front (sticky by client address, as deploy/nginx.conf). Needs the .NET 10 SDK and, from
# Debian, `postgresql` and `nginx` (apt-get install -y postgresql nginx). Ctrl+C stops everything and
# removes the data.
#
#   deploy/local-cluster.sh            # then open the URL it prints
#   kill "$(cat /tmp/qrlogin-cluster-*/node1.pid)"   # stop a node; sign in again through nginx
#
# Environment: PORT (nginx, 8080), NODE_PORTS ("5101 5102"), PG_PORT (55432), KEEP=1 keeps the folder.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-8080}
read -r -a node_ports <<< "${NODE_PORTS:-5101 5102}"
pg_port=${PG_PORT:-55432}

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -x "$pg_bin/initdb" ] || { echo "PostgreSQL is not installed: apt-get install -y postgresql" >&2; exit 1; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "nginx is not installed: apt-get install -y nginx" >&2; exit 1; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

work=$(mktemp -d /tmp/qrlogin-cluster-XXXXXX)
chmod 755 "$work"
as_postgres=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses to run as root.
  mkdir -p "$work/pg" && chown postgres "$work/pg"
  as_postgres=(runuser -u postgres --)
else
  mkdir -p "$work/pg"
fi

pids=()
stop() {
  trap - EXIT INT TERM
  echo "Stopping the cluster..."
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  for pid in "${pids[@]}" ${sleeper:-}; do kill "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
  "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "Kept $work"; fi
}
trap stop EXIT INT TERM

echo "PostgreSQL on 127.0.0.1:$pg_port ($work/pg)"
"${as_postgres[@]}" "$pg_bin/initdb" -D "$work/pg/data" -A trust -U postgres --encoding=UTF8 --locale=C >/dev/null
"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
"${as_postgres[@]}" "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE qrlogin" >/dev/null

echo "Publishing the portal (Release)..."
dotnet publish "$repo/QrLoginPortal" -c Release -o "$work/app" --nologo -v quiet >/dev/null

# Every node hashes typed sign-in codes with the same key (never stored in the database), or typed codes stay off.
user_code_key=$(head -c 32 /dev/urandom | base64)

# Both nodes start at once: the start-up lock lets one migrate and seed while the other waits.
for i in "${!node_ports[@]}"; do
  (
    cd "$work/app"
    ASPNETCORE_ENVIRONMENT=Development \
    ASPNETCORE_URLS="http://127.0.0.1:${node_ports[$i]}" \
    Database__Provider=Postgres \
    ConnectionStrings__DefaultConnection="Host=127.0.0.1;Port=$pg_port;Database=qrlogin;Username=postgres" \
    Portal__KnownProxies__0=127.0.0.1 \
    QrLogin__UserCodeKey="$user_code_key" \
    exec dotnet QrLoginPortal.dll
  ) > "$work/node$i.log" 2>&1 &
  pids+=($!)
  echo $! > "$work/node$i.pid"
done

for i in "${!node_ports[@]}"; do
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:${node_ports[$i]}/readyz" >/dev/null 2>&1 && break
    kill -0 "${pids[$i]}" 2>/dev/null || { echo "Node $i stopped at start:" >&2; tail -n 30 "$work/node$i.log" >&2; exit 1; }
    sleep 0.5
  done
  curl -fs "http://127.0.0.1:${node_ports[$i]}/readyz" >/dev/null || { echo "Node $i is not ready:" >&2; tail -n 30 "$work/node$i.log" >&2; exit 1; }
done

upstreams=""
for p in "${node_ports[@]}"; do upstreams+="        server 127.0.0.1:$p max_fails=1 fail_timeout=10s;"$'\n'; done
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log $work/nginx-access.log;
    client_body_temp_path $work/nginx-body;
    proxy_temp_path $work/nginx-proxy;
    fastcgi_temp_path $work/nginx-fastcgi;
    uwsgi_temp_path $work/nginx-uwsgi;
    scgi_temp_path $work/nginx-scgi;
    map \$http_upgrade \$connection_upgrade { default upgrade; '' ''; }
    upstream qrlogin {
        hash \$remote_addr consistent;
$upstreams    }
    server {
        listen 127.0.0.1:$port;
        client_max_body_size 1m;
        location = /metrics { return 404; }
        location / {
            proxy_pass http://qrlogin;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$http_host;
            proxy_read_timeout 120s;
            proxy_buffering off;
            proxy_next_upstream error timeout http_502 http_503;
        }
    }
}
NGINX
"$nginx_bin" -c "$work/nginx.conf" -p "$work" -e "$work/nginx-error.log"

cat <<INFO

QrLoginPortal cluster is up:  http://127.0.0.1:$port
  nodes:       $(for i in "${!node_ports[@]}"; do printf 'node%s http://127.0.0.1:%s (pid %s, log %s)  ' "$i" "${node_ports[$i]}" "${pids[$i]}" "$work/node$i.log"; done)
  database:    Host=127.0.0.1;Port=$pg_port;Database=qrlogin;Username=postgres
  demo user:   demo@qrlogin.local / Demo-Passw0rd!   (first admin: see the password in $work/node0.log or node1.log)
  stop a node: kill \$(cat $work/node1.pid)     then sign in again through nginx
Ctrl+C stops everything.
INFO
# A node stopped by hand is not the end: keep nginx and the other node until Ctrl+C. (A builtin wait,
# not a bare sleep, so the trap runs as soon as the signal comes.)
while :; do
  sleep 3600 &
  sleeper=$!
  wait "$sleeper" || true
done
