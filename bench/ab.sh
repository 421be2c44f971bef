#!/usr/bin/env bash
# Interleaved A/B of two server binaries on one seeded database: GET by id (random) and the
# filtered list, with wrk, ROUNDS rounds, the order of the binaries alternating each round.
#
#   bench/ab.sh OLD_BINARY NEW_BINARY [sqlite|postgres] [ENTERPRISES] [ROUNDS] [SECONDS]
#
# The database is seeded once with NEW_BINARY (`seed-demo --scale N --seed 1`); both binaries
# must run on its schema. Prints one line per load and the medians per binary at the end.
# Needs wrk, curl and jq; PostgreSQL at $ZHAOSHANG_TEST_PG_URL (default
# postgres://postgres@127.0.0.1:5432) for the postgres backend.
set -euo pipefail

old=${1:?old binary}
new=${2:?new binary}
backend=${3:-sqlite}
scale=${4:-10000}
rounds=${5:-3}
seconds=${6:-10}
pg=${ZHAOSHANG_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}
pg=${pg%/}

dir=$(mktemp -d /tmp/zs-ab-XXXXXX)
db="zs_ab_$$"
case "$backend" in
sqlite) url="sqlite://$dir/ab.db" ;;
postgres) url="$pg/$db?sslmode=disable" ;;
*) echo "unknown backend $backend" >&2; exit 2 ;;
esac
export DATABASE_URL=$url ZHAOSHANG_DATA_DIR=$dir RUST_LOG=warn
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [ "$backend" = postgres ] && psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

echo "seeding $scale enterprises ($backend)" >&2
"$new" seed-demo --scale "$scale" --seed 1 >/dev/null
printf 'ab-bench-password' | "$new" admin create-user --username ab-bench --org-kind bureau \
  --org-name 衢州市招商局 --role admin --password-stdin >/dev/null

cat >"$dir/auth.lua" <<'EOF'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
EOF
cat >"$dir/ids.lua" <<'EOF'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
local ids = {}
for line in io.lines(os.getenv("BENCH_IDS")) do ids[#ids + 1] = line end
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  return wrk.format("GET", "/api/v1/enterprises/" .. ids[math.random(#ids)])
end
EOF

port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
start() {
  RUST_LOG=info "$1" serve --bind "127.0.0.1:$port" 2>"$dir/server.log" >/dev/null &
  server=$!
  for _ in $(seq 100); do curl -fs "$base/readyz" >/dev/null && break; sleep 0.1; done
  BENCH_TOKEN=$(curl -fs "$base/api/v1/auth/token" -d grant_type=password -d username=ab-bench \
    -d password=ab-bench-password | jq -r .access_token)
  export BENCH_TOKEN
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=; }

start "$new"
: >"$dir/ids.txt"
cursor=
for _ in 1 2 3 4 5 6 7 8 9 10; do
  page=$(curl -fs -H "Authorization: Bearer $BENCH_TOKEN" \
    "$base/api/v1/enterprises?limit=500${cursor:+&cursor=$cursor}")
  jq -r '.items[].id' <<<"$page" >>"$dir/ids.txt"
  cursor=$(jq -r '.next_cursor // empty' <<<"$page")
  [ -z "$cursor" ] && break
done
stop
export BENCH_IDS=$dir/ids.txt

load() { # binary label scenario url script
  start "$1"
  out=$(wrk -t2 -c32 -d"${seconds}s" --timeout 10s --latency -s "$5" "$4")
  stop
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers: $out" >&2; exit 1; fi
  printf '%s\t%s\t%s\t%s\n' "$2" "$3" "$rps" "$p99" | tee -a "$dir/results.tsv"
}

by_id="$base/api/v1/enterprises/x"
filtered="$base/api/v1/enterprises?industry=26&region=3308&limit=50"
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then order="old new"; else order="new old"; fi
  for which in $order; do
    bin=$old; [ "$which" = new ] && bin=$new
    load "$bin" "$which" by_id "$by_id" "$dir/ids.lua"
    load "$bin" "$which" filtered "$filtered" "$dir/auth.lua"
  done
done

echo "medians of $rounds rounds ($backend, $scale enterprises), req/s:"
for which in old new; do
  for scenario in by_id filtered; do
    median=$(awk -v w="$which" -v s="$scenario" '$1 == w && $2 == s {print $3}' "$dir/results.tsv" |
      sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
    printf '%s\t%s\t%s\n' "$which" "$scenario" "$median"
  done
done
