#!/usr/bin/env bash
# Accord load benchmark: one command, from anywhere:
#
#     benches/run.sh
#
# What it does
#   1. cargo build --release in the repository (skipped when ACCORD_BIN names a binary to use).
#   2. Installs wrk (apt-get install -y wrk) when missing, and Datasette (PyPI) into
#      benches/out/venv when missing.
#   3. For each backend (SQLite, then PostgreSQL): creates a fresh database (SQLite: a file under
#      benches/out/sqlite/; PostgreSQL: database accord_bench on 127.0.0.1:5432 as postgres, dropped
#      at the end), seeds it with `accord seed-bench --scale $SCALE` (timed), starts the server
#      (time to ready: spawn to the first 200 from /readyz, polled every 5 ms), gets bearer tokens
#      for the 64 delegate clients, checks every workload's request once with curl, then drives
#      each workload with wrk -t2 -c64 -d${DURATION}s --latency (keep-alive; Lua scripts in
#      benches/wrk/), each after an unrecorded warm-up of the same requests for $WARMUP s (steady
#      state: caches filled, connections open; errors in it still count, see below):
#        control  GET /healthz (no database): the HTTP ceiling of this run
#        W1       GET /v1/standards/BENCH-{i}/revisions/{n}        (random standard and revision)
#        W2       GET /v1/standards/BENCH-0001/comments?status=open&limit=20   (page 1)
#        W2 deep  the same with the cursor after 39,980 items (page 2,000; the deepest page at
#                 small scales)
#        W3       GET /v1/events?after=S&limit=100                 (random S)
#        W4       POST /v1/standards/BENCH-0001/comments           (64 delegates in turn, 201)
#        W5       PUT /v1/ballots/{open}/ratifications/{member}   (a new version every time)
#        W6       mixed: 90 % reads (W1, W2, W2 deep, W3), 9 % W4, 1 % W5
#      Around each workload, warm-up included, it reads /metrics (responses >= 400 by route) and
#      counts "database is locked" in the server's log; after all workloads it records the server's
#      peak RSS (VmHWM) and stops it.
#   4. Controls and peer: pg_test_fsync -s $FSYNC_SECONDS on the PostgreSQL disk (fdatasync,
#      one 8kB write); after the PostgreSQL workloads, pgbench with benches/pg_ceiling.sql (one
#      W4's rows per transaction, 64 clients) and pg_ceiling_batch.sql (64 W4s' rows per
#      transaction, 2 clients), DURATION s each: the rate PostgreSQL itself stores W4's rows at;
#      and Datasette serving the same SQLite file (after Accord's workloads) with
#      the equivalent of W2 page 1 (P1 = Accord's W2 page 1 on SQLite / Datasette's rate); for
#      information also the same request with _nocount=1&_nofacet=1 (Datasette without the row
#      count and facet suggestions it does by default).
#   5. Size ceilings: after each backend's workloads, examples/http_ceiling.rs (actix-web with
#      Accord's worker count and nothing else, answering GET /bytes/{n} with n bytes) is driven
#      with the same wrk settings at the mean response size (headers included) of the control and
#      of each read workload (W1, W2, W2 deep, W3): what merely sending those bytes costs here.
#      Then the database alone reading W3's rows for DURATION s (the same SQL, 100 rows after a
#      random sequence number, no HTTP): on SQLite examples/sqlite_ceiling.rs ($THREADS threads,
#      rusqlite over the same bundled SQLite); on PostgreSQL pgbench with benches/pg_ceiling_w3.sql
#      (prepared, 4 clients: Accord's read pool). report.py bounds W3 by both together.
#   6. benches/report.py turns the JSON under benches/out/ into benches/RESULTS.md.
#
# Environment
#   SCALE=1                    seed-bench --scale (1 = 1,000,000 comments; 0.02 for a quick trial)
#   DURATION=20                seconds per workload
#   WARMUP=5                   seconds of the same requests before each workload, not timed
#                              (0: none)
#   BACKENDS="sqlite postgres" which backends to run, in that order
#   ACCORD_BIN=PATH            use this binary instead of building one
#   CEILING_BIN=PATH           use this http_ceiling binary instead of building the examples
#                              (sqlite_ceiling is then taken from the same folder)
#   FSYNC_SECONDS=5            pg_test_fsync -s (seconds per test; the test takes ~15x that)
#   KEEP_PG=1                  leave the seeded PostgreSQL database accord_bench in place after a
#                              successful run (for profiling; the SQLite file always stays)
#
# Needs root (apt, and pg_test_fsync's file under /var/lib/postgresql), python3 (3.11+, stdlib
# only), curl, the PostgreSQL client tools, and PostgreSQL listening on 127.0.0.1:5432 (user
# postgres, trust auth). Raw results (wrk output, JSON, server logs, metrics) stay in benches/out/.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
OUT=$BENCH_DIR/out
WRK_DIR=$BENCH_DIR/wrk

SCALE=${SCALE:-1}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
BACKENDS=${BACKENDS:-"sqlite postgres"}
FSYNC_SECONDS=${FSYNC_SECONDS:-5}
KEEP_PG=${KEEP_PG:-0}
GIVEN_BIN=${ACCORD_BIN:-}
THREADS=2
CONNECTIONS=64
PG_HOST=127.0.0.1
PG_PORT=5432
PG_USER=postgres
PG_DB=accord_bench
DEEP_ITEMS=39980   # W2 deep: the cursor after this many items is page 2,000 of 20

# The service refuses unknown ACCORD_* variables, so none of the caller's may leak into it
# (ACCORD_BIN above all); every run of the binary gets its settings explicitly.
while read -r var; do unset "$var"; done < <(compgen -e | grep '^ACCORD_' || true)

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

for b in $BACKENDS; do
  [[ $b == sqlite || $b == postgres ]] || die "BACKENDS may hold sqlite and postgres, not '$b'"
done
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 ]] || die "DURATION must be a whole number of seconds"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "WARMUP must be a whole number of seconds (0: none)"
[[ $FSYNC_SECONDS =~ ^[0-9]+$ && $FSYNC_SECONDS -ge 1 ]] || die "FSYNC_SECONDS must be a whole number"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || die "python3 3.11 or later is needed"
command -v curl >/dev/null || die "curl is needed"

# ---------------------------------------------------------------------------------------------
# Python helpers (stdlib only), run as: py SUBCOMMAND ARGS...
# ---------------------------------------------------------------------------------------------
read -r -d '' HELPERS <<'PY' || true
import json, os, re, sys, time, urllib.request, urllib.error

def die(msg):
    print(f"[bench] FATAL: {msg}", file=sys.stderr)
    sys.exit(1)

def load(path):
    with open(path) as f:
        return json.load(f)

def dump(obj, path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)

def cmd_json(out, *pairs):
    """json OUT key=string key:=json ...: writes (or merges into) a JSON object."""
    obj = load(out) if os.path.exists(out) else {}
    for p in pairs:
        k, v = p.split("=", 1)
        if k.endswith(":"):
            obj[k[:-1]] = json.loads(v)
        else:
            obj[k] = v
    dump(obj, out)

def cmd_get(path, *keys):
    """get FILE key...: prints a value of a JSON file."""
    v = load(path)
    for k in keys:
        v = v[int(k)] if isinstance(v, list) else v[k]
    print(v if not isinstance(v, (dict, list)) else json.dumps(v))

def cmd_delegates(seed):
    """delegates SEED.json: one line 'client_id secret member' per delegate client."""
    s = load(seed)
    rows = [c for c in s["clients"] if "delegate" in c["roles"] and c.get("member")]
    if len(rows) != 64:
        die(f"seed-bench printed {len(rows)} delegate clients, expected 64")
    for c in rows:
        print(c["client_id"], c["client_secret"], c["member"])

def get_json(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.read()[:500]

def cmd_cursor(base, reference, out):
    """cursor BASE REFERENCE OUT.json: finds the W2 deep cursor by paging (limit 500, then rest)."""
    first = f"/v1/standards/{reference}/comments?status=open&limit=20"
    # 1. How many open comments are there (up to the depth wanted + one page)?
    want = int(os.environ.get("DEEP_ITEMS", "39980"))

    def page(limit, cursor):
        url = f"{base}/v1/standards/{reference}/comments?status=open&limit={limit}"
        if cursor:
            url += f"&cursor={cursor}"
        status, body = get_json(url)
        if status != 200:
            die(f"W2 cursor: {url} answered {status}: {body}")
        return body

    seen, cursor, pages = 0, None, 0
    while seen < want + 20:
        body = page(500, cursor)
        seen += len(body["items"])
        pages += 1
        cursor = body.get("next_cursor")
        if not cursor:
            break
    if seen >= want + 20:
        depth = want
    else:
        full_pages = seen // 20
        if full_pages < 2:
            die(f"W2 deep: only {seen} open comments on {reference}, not even two pages of 20")
        depth = (full_pages - 1) * 20
    # 2. Page exactly `depth` items: limit=500 as often as fits, then the rest.
    left, cursor, calls = depth, None, []
    while left > 0:
        lim = min(500, left)
        body = page(lim, cursor)
        if len(body["items"]) != lim or not body.get("next_cursor"):
            die(f"W2 cursor: asked {lim} items after {depth - left}, got {len(body['items'])} "
                f"and next_cursor {body.get('next_cursor')!r}")
        calls.append(lim)
        left -= lim
        cursor = body["next_cursor"]
    deep = f"{first}&cursor={cursor}"
    for path in (first, deep):
        status, body = get_json(base + path)
        if status != 200 or len(body.get("items", [])) != 20:
            die(f"W2: {path} answered {status} with "
                f"{len(body['items']) if isinstance(body, dict) else body} items, expected 20")
    dump({
        "open_comments_seen": seen,
        "open_comments_counted_to_end": seen < want + 20,
        "depth_items": depth,
        "page": depth // 20 + 1,
        "full_depth": depth == want,
        "paging_calls": calls,
        "cursor": cursor,
        "first_path": first,
        "deep_path": deep,
    }, out)

def lua_str(s):
    s = str(s)
    if not re.fullmatch(r"[\x20-\x7e]*", s):
        die(f"unexpected characters in {s!r}")
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

def cmd_datalua(seed, tokdir, w2, out):
    """datalua SEED.json TOKENS_DIR W2.json OUT.lua: the data the wrk scripts read."""
    s, w = load(seed), load(w2)
    delegates = []
    for line in open(os.path.join(tokdir, "delegates.txt")):
        cid, _, member = line.split()
        path = os.path.join(tokdir, cid + ".json")
        try:
            token = load(path)["access_token"]
        except Exception as e:  # noqa: BLE001
            die(f"no access_token for {cid} ({member}): {open(path).read()[:300]} ({e})")
        delegates.append((token, member))
    lines = ["-- Written by benches/run.sh for one backend; read by benches/wrk/common.lua.", "return {"]
    lines.append(f"  standards = {int(s['standards'])},")
    lines.append(f"  revisions_per_standard = {int(s['revisions_per_standard'])},")
    lines.append(f"  events = {int(s['events'])},")
    lines.append(f"  busy_revision = {int(s['busy_revision'])},")
    lines.append("  busy_clauses = {" + ", ".join(lua_str(c) for c in s["busy_clauses"]) + "},")
    lines.append(f"  open_ballot = {lua_str(s['open_ballot'])},")
    lines.append(f"  open_ballot_hash = {lua_str(s['open_ballot_hash'])},")
    lines.append(f"  w2_first_path = {lua_str(w['first_path'])},")
    lines.append(f"  w2_deep_path = {lua_str(w['deep_path'])},")
    lines.append(f"  w4_path = {lua_str('/v1/standards/' + s['busy_standard'] + '/comments')},")
    lines.append("  delegates = {")
    for token, member in delegates:
        lines.append(f"    {{token = {lua_str(token)}, member = {lua_str(member)}}},")
    lines.append("  },")
    lines.append("}")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")

# Route labels hold braces themselves ({reference}), so the label set runs to the last '}'.
METRIC = re.compile(r'^accord_http_requests_total\{(?P<labels>.*)\}\s+(?P<value>\S+)\s*$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')

def parse_metrics(path):
    counts = {}
    if not os.path.exists(path):
        return counts
    for line in open(path):
        m = METRIC.match(line)
        if not m:
            continue
        labels = dict(LABEL.findall(m.group("labels")))
        key = (labels.get("method", "?"), labels.get("endpoint", "?"), labels.get("status", "?"))
        counts[key] = counts.get(key, 0) + float(m.group("value"))
    return counts

def cmd_finish(out, name, label, wrk_json, wrk_txt, before, after, locked, *meta):
    """finish OUT NAME LABEL WRK.json WRK.txt METRICS_BEFORE METRICS_AFTER LOCKED key=value...:
    one workload's result."""
    if not os.path.exists(wrk_json):
        die(f"{name}: wrk wrote no result (its Lua failed?); see {wrk_txt}:\n" + open(wrk_txt).read()[-2000:])
    w = load(wrk_json)
    text = open(wrk_txt).read()
    if w["requests"] <= 0 and before != "-":
        die(f"{name}: wrk made no requests; see {wrk_txt}")
    lua_errors = [l for l in text.splitlines() if "error" in l.lower() and ".lua" in l]
    if lua_errors:
        die(f"{name}: wrk's Lua failed: {lua_errors[:3]}")
    m = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    result = {
        "name": name,
        "label": label,
        "wrk": w,
        "requests_per_sec": w["requests"] / (w["duration_us"] / 1e6),
        "p50_ms": w["latency_us"]["p50"] / 1000,
        "p99_ms": w["latency_us"]["p99"] / 1000,
        "non_2xx": int(m.group(1)) if m else int(w["errors"]["status"]),
        "socket_errors": int(sum(w["errors"][k] for k in ("connect", "read", "write", "timeout"))),
    }
    if before != "-":
        b, a = parse_metrics(before), parse_metrics(after)
        delta = {}
        for key in set(a) | set(b):
            d = a.get(key, 0) - b.get(key, 0)
            if d:
                delta[" ".join(key)] = int(d)
        # The "after" scrape counts the "before" one (GET /metrics 200); leave it out.
        delta.pop("GET /metrics 200", None)
        result["metrics_delta"] = dict(sorted(delta.items()))
        result["metrics_errors"] = sum(v for k, v in delta.items() if int(k.rsplit(" ", 1)[1]) >= 400)
        result["metrics_2xx"] = sum(v for k, v in delta.items() if 200 <= int(k.rsplit(" ", 1)[1]) < 300)
    if locked != "-":
        result["database_locked"] = int(locked)
    for p in meta:
        k, v = p.split("=", 1)
        result[k] = v
    dump(result, out)
    summary = f"{name}: {result['requests_per_sec']:.1f} req/s, p50 {result['p50_ms']:.2f} ms, " \
              f"p99 {result['p99_ms']:.2f} ms, non-2xx {result['non_2xx']}, socket errors {result['socket_errors']}"
    if "metrics_errors" in result:
        summary += f", >=400 in /metrics {result['metrics_errors']}, 2xx in /metrics {result['metrics_2xx']}"
    if "database_locked" in result:
        summary += f", database is locked {result['database_locked']}"
    print(summary)

def cmd_fsync(txt, out):
    """fsync PG_TEST_FSYNC.txt OUT.json: the fdatasync rate of the 'one 8kB write' section."""
    section, rate = False, None
    for line in open(txt):
        if line.startswith("Compare file sync methods using one 8kB write"):
            section = True
            continue
        if section and line.startswith("Compare "):
            break
        m = re.match(r"\s*fdatasync\s+([\d.]+)\s+ops/sec\s+(\d+)\s+usecs/op", line)
        if section and m:
            rate = float(m.group(1))
            usecs = int(m.group(2))
            break
    if rate is None:
        die(f"no fdatasync ops/sec line in the 'one 8kB write' section of {txt}")
    cmd_json(out, f"fdatasync_ops_per_sec:={rate}", f"fdatasync_usecs_per_op:={usecs}")
    print(f"fdatasync (one 8kB write): {rate} ops/sec")

def cmd_rows(url, n):
    """rows URL N: checks a Datasette table JSON answer has N rows."""
    status, body = get_json(url)
    if status != 200 or not isinstance(body, dict) or len(body.get("rows", [])) != int(n):
        die(f"{url} answered {status} with {len(body.get('rows', [])) if isinstance(body, dict) else body} rows, expected {n}")
    print(f"{url}: {len(body['rows'])} rows (filtered count {body.get('filtered_table_rows_count')})")

cmds = {k[4:]: v for k, v in globals().items() if k.startswith("cmd_")}
cmds[sys.argv[1]](*sys.argv[2:])
PY
py() { DEEP_ITEMS=$DEEP_ITEMS python3 -c "$HELPERS" "$@"; }

# A supervisor that spawns a command, reports its pid, the time from spawn to the first 200 of
# READY_URL (polled every 5 ms), then waits for it (so the process is reaped) and exits with it.
read -r -d '' SPAWNER <<'PY' || true
import http.client, json, os, signal, subprocess, sys, time, urllib.parse
pidfile, readyfile, logfile, url, timeout = sys.argv[1:6]
cmd = sys.argv[6:]
u = urllib.parse.urlsplit(url)
target = u.path + ("?" + u.query if u.query else "")
proc = None
def forward(sig, frame):
    if proc is not None and proc.poll() is None:
        proc.send_signal(sig)
signal.signal(signal.SIGTERM, forward)
signal.signal(signal.SIGINT, forward)
def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
with open(logfile, "ab") as log:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
write(pidfile, str(proc.pid))
deadline = t0 + float(timeout)
ready, polls, last = None, 0, ""
while proc.poll() is None and time.perf_counter() < deadline:
    polls += 1
    try:
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=2)
        c.request("GET", target)
        r = c.getresponse()
        r.read()
        c.close()
        if r.status == 200:
            ready = time.perf_counter() - t0
            break
        last = f"status {r.status}"
    except OSError as e:
        last = str(e)
    time.sleep(0.005)
if ready is None or proc.poll() is not None:
    why = f"exited with {proc.returncode}" if proc.poll() is not None else f"not ready after {timeout} s ({last})"
    write(readyfile, json.dumps({"error": why}))
    if proc.poll() is None:
        proc.terminate()
    proc.wait()
    sys.exit(1)
write(readyfile, json.dumps({"ready_ms": round(ready * 1000, 2), "polls": polls}))
sys.exit(proc.wait())
PY

# ---------------------------------------------------------------------------------------------
# Processes: everything started here is stopped on exit.
# ---------------------------------------------------------------------------------------------
CHILDREN=()      # the servers / datasette (pids)
SUPERVISORS=()   # their supervisors (our children)
PG_CREATED=0

proc_alive() { # pid: running and not a zombie
  local state
  state=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null || true)
  [[ -n $state && $state != Z ]]
}

stop_proc() { # pid supervisor-pid
  local pid=$1 sup=$2 i
  if proc_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do proc_alive "$pid" || break; sleep 0.1; done
    if proc_alive "$pid"; then
      log "pid $pid did not stop within 15 s of SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$sup" 2>/dev/null || true
}

# stop_tracked INDEX: stops the INDEXth spawned process and forgets it (so that a pid reused
# later by someone else's process is never signalled).
stop_tracked() {
  local i=$1
  if [[ -n ${CHILDREN[$i]:-} ]]; then
    stop_proc "${CHILDREN[$i]}" "${SUPERVISORS[$i]}"
  elif [[ -n ${SUPERVISORS[$i]:-} ]]; then
    kill -TERM "${SUPERVISORS[$i]}" 2>/dev/null || true
    wait "${SUPERVISORS[$i]}" 2>/dev/null || true
  fi
  CHILDREN[$i]=""
  SUPERVISORS[$i]=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local i
  for ((i = 0; i < ${#SUPERVISORS[@]}; i++)); do
    stop_tracked "$i"
  done
  if ((PG_CREATED)); then
    dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists "$PG_DB" 2>/dev/null || true
  fi
  if ((rc != 0)); then log "failed (exit $rc); partial results are in $OUT"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# spawn NAME LOG READY_URL CMD... : starts CMD under a supervisor (environment: the caller's,
# including assignments prefixed to the call); sets SPAWNED_IDX, SPAWNED_PID and READY_MS;
# returns 1 (with the process stopped) if it is not ready.
spawn() {
  local name=$1 logfile=$2 url=$3
  shift 3
  local pidf=$OUT/run/$name.pid readyf=$OUT/run/$name.ready
  rm -f "$pidf" "$readyf"
  python3 -c "$SPAWNER" "$pidf" "$readyf" "$logfile" "$url" 120 "$@" &
  local sup=$!
  SPAWNED_IDX=${#SUPERVISORS[@]}
  SUPERVISORS+=("$sup")
  CHILDREN+=("")
  while [[ ! -s $readyf ]] && kill -0 "$sup" 2>/dev/null; do
    [[ -z ${CHILDREN[$SPAWNED_IDX]} && -s $pidf ]] && CHILDREN[$SPAWNED_IDX]=$(cat "$pidf")
    sleep 0.01
  done
  [[ -s $pidf ]] && CHILDREN[$SPAWNED_IDX]=$(cat "$pidf")
  SPAWNED_PID=${CHILDREN[$SPAWNED_IDX]}
  if [[ ! -s $readyf ]] || grep -q '"error"' "$readyf"; then
    log "$name: not ready: $(cat "$readyf" 2>/dev/null || echo 'no report')"
    stop_tracked "$SPAWNED_IDX"
    return 1
  fi
  READY_MS=$(py get "$readyf" ready_ms)
}

# expect CODES WHAT CURL-ARGS... : one request; dies unless the status matches CODES (regex).
expect() {
  local want=$1 what=$2 code
  shift 2
  code=$(curl -s -o "$OUT/run/expect.body" -w '%{http_code}' "$@") || die "$what: curl failed"
  [[ $code =~ ^($want)$ ]] || die "$what: expected HTTP $want, got $code: $(head -c 400 "$OUT/run/expect.body")"
  log "  check $what: $code"
}

count_locked() { grep -c 'database is locked' "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------
# 1. Binary, 2. tools
# ---------------------------------------------------------------------------------------------
if [[ -n $GIVEN_BIN ]]; then
  BIN=$(readlink -f "$GIVEN_BIN")
  [[ -x $BIN ]] || die "ACCORD_BIN=$GIVEN_BIN is not an executable file"
  BIN_SOURCE="ACCORD_BIN"
  log "using ACCORD_BIN=$BIN (not building)"
else
  log "cargo build --release"
  (cd "$ROOT" && cargo build --release) || die "cargo build --release failed"
  BIN=$ROOT/target/release/accord
  BIN_SOURCE="cargo build --release"
fi
if [[ -n ${CEILING_BIN:-} ]]; then
  CEILING=$(readlink -f "$CEILING_BIN")
  [[ -x $CEILING ]] || die "CEILING_BIN=$CEILING_BIN is not an executable file"
  SQLITE_CEILING=$(dirname "$CEILING")/sqlite_ceiling
  [[ -x $SQLITE_CEILING ]] || die "$SQLITE_CEILING (next to CEILING_BIN) is not an executable file"
else
  log "cargo build --release --example http_ceiling --example sqlite_ceiling"
  (cd "$ROOT" && cargo build --release --example http_ceiling --example sqlite_ceiling) \
    || die "cannot build examples/http_ceiling.rs and examples/sqlite_ceiling.rs"
  CEILING=$ROOT/target/release/examples/http_ceiling
  SQLITE_CEILING=$ROOT/target/release/examples/sqlite_ceiling
fi

if ! command -v wrk >/dev/null; then
  log "installing wrk (apt-get install -y wrk)"
  apt-get install -y wrk || { apt-get update && apt-get install -y wrk; } || die "cannot install wrk"
fi

mkdir -p "$OUT"
VENV=$OUT/venv
if [[ ! -x $VENV/bin/datasette ]]; then
  log "installing Datasette into $VENV"
  python3 -m venv "$VENV" || die "cannot create $VENV"
  "$VENV/bin/pip" install --quiet datasette || die "cannot install datasette from PyPI"
fi

# Fresh results (the venv stays).
rm -rf "$OUT/run" "$OUT/sqlite" "$OUT/postgres" "$OUT/datasette" "$OUT"/*.json
mkdir -p "$OUT/run"

# ---------------------------------------------------------------------------------------------
# The machine, versions, parameters
# ---------------------------------------------------------------------------------------------
pg_version=$(psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc 'show server_version' 2>/dev/null || true)
[[ $BACKENDS != *postgres* || -n $pg_version ]] || die "PostgreSQL does not answer on $PG_HOST:$PG_PORT as $PG_USER"
# The bundled SQLite's version string, as the highest 3.x.y among the binary's strings (other
# crates leave shorter 3.x.y strings behind), and its source id (date and hash).
sqlite_bundled=$(strings "$BIN" 2>/dev/null | grep -E '^3\.[0-9]{2}\.[0-9]+$' | sort -V | tail -1 || true)
libsqlite3_sys=$(grep -A1 '^name = "libsqlite3-sys"$' "$ROOT/Cargo.lock" 2>/dev/null | sed -n 's/^version = "\(.*\)"/\1/p' || true)
sqlite_source_id=$(strings "$BIN" 2>/dev/null \
  | grep -m1 -E '^20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8} [0-9a-f]{40,}' || true)
git_commit=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)
git_dirty=false
if [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null || true) ]]; then git_dirty=true; fi

py json "$OUT/run.json" \
  "started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "scale:=$SCALE" "duration_s:=$DURATION" "warmup_s:=$WARMUP" "threads:=$THREADS" "connections:=$CONNECTIONS" \
  "backends=$BACKENDS" "fsync_seconds:=$FSYNC_SECONDS" \
  "binary=$BIN" "binary_source=$BIN_SOURCE" "binary_bytes:=$(stat -c %s "$BIN")" \
  "cpu_model=$(lscpu | sed -n 's/^Model name: *//p' | head -1)" \
  "cores:=$(nproc)" \
  "memory_kb:=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)" \
  "disk_free_out=$(df -h --output=avail "$OUT" | tail -1 | tr -d ' ')" \
  "disk_free_postgres=$(df -h --output=avail /var/lib/postgresql 2>/dev/null | tail -1 | tr -d ' ' || echo unknown)" \
  "kernel=$(uname -r)" \
  "rustc=$(rustc --version 2>/dev/null || echo unknown)" \
  "git_commit=$git_commit" "git_dirty:=$git_dirty" \
  "postgres=${pg_version:-not measured}" \
  "sqlite_bundled=$sqlite_bundled" "sqlite_source_id=$sqlite_source_id" "libsqlite3_sys=$libsqlite3_sys" \
  "sqlite_python=$(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)')" \
  "wrk=$(wrk -v 2>&1 | head -1 | sed 's/ *Copyright.*//')" \
  "datasette=$("$VENV/bin/datasette" --version 2>/dev/null || echo unknown)"

# ---------------------------------------------------------------------------------------------
# One workload: metrics, wrk, metrics, result JSON.
# ---------------------------------------------------------------------------------------------
# drive BASE SECONDS SCRIPT URL TBASE WHAT [--latency]: wrk with the run's settings for SECONDS,
# its output in BASE.txt and the script's JSON summary in BASE.json.
drive() {
  local base=$1 seconds=$2 script=$3 url=$4 tbase=$5 what=$6
  shift 6
  log "  $what: wrk -t$THREADS -c$CONNECTIONS -d${seconds}s $* -s $script $url"
  rm -f "$base.json"
  BENCH_RESULT=$base.json BENCH_DATA=${DATA_LUA:-} BENCH_THREAD_BASE=$tbase \
    LUA_PATH="$WRK_DIR/?.lua;;" \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" "$@" -s "$WRK_DIR/$script" "$url" \
    >"$base.txt" 2>&1 || die "$what: wrk failed: $(tail -5 "$base.txt")"
}

# workload DIR NAME LABEL SCRIPT URL THREAD_BASE [accord|peer] [key=value...]
workload() {
  local dir=$1 name=$2 label=$3 script=$4 url=$5 tbase=$6 kind=${7:-accord}
  shift 7
  local before=- after=- locked=- locked0=0
  mkdir -p "$dir/wrk" "$dir/metrics" "$dir/results"
  if [[ $kind == accord ]]; then
    before=$dir/metrics/$name.before
    after=$dir/metrics/$name.after
    curl -sf "$BASE/metrics" >"$before" || die "$name: GET /metrics failed"
    locked0=$(count_locked "$dir/server.log")
  fi
  if ((WARMUP > 0)); then
    drive "$dir/wrk/$name.warmup" "$WARMUP" "$script" "$url" "$tbase" "$name: warm-up"
  fi
  drive "$dir/wrk/$name" "$DURATION" "$script" "$url" "$tbase" "$name" --latency
  if [[ $kind == accord ]]; then
    curl -sf "$BASE/metrics" >"$after" || die "$name: GET /metrics failed after the run"
    locked=$(($(count_locked "$dir/server.log") - locked0))
  fi
  py finish "$dir/results/$name.json" "$name" "$label" "$dir/wrk/$name.json" "$dir/wrk/$name.txt" \
    "$before" "$after" "$locked" "script=$script" "url=$url" "$@" >&2
}

# ---------------------------------------------------------------------------------------------
# 3. Backends
# ---------------------------------------------------------------------------------------------
run_backend() {
  local backend=$1 dir=$OUT/$1 url dbfile=""
  mkdir -p "$dir/data" "$dir/tokens"
  log "== $backend =="

  if [[ $backend == sqlite ]]; then
    dbfile=$dir/accord.db
    rm -f "$dbfile" "$dbfile-wal" "$dbfile-shm"
    url="sqlite://$dbfile"
  else
    # 4. (control) the PostgreSQL disk's fdatasync rate, before anything else loads it.
    local major fsync_bin fsync_file=/var/lib/postgresql/accord_bench_fsync.tmp
    major=$(psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc 'show server_version_num')
    major=$((major / 10000))
    fsync_bin=/usr/lib/postgresql/$major/bin/pg_test_fsync
    [[ -x $fsync_bin ]] || fsync_bin=$(ls -d /usr/lib/postgresql/*/bin/pg_test_fsync 2>/dev/null | sort -V | tail -1)
    [[ -n $fsync_bin && -x $fsync_bin ]] || die "pg_test_fsync not found under /usr/lib/postgresql/*/bin"
    log "pg_test_fsync -s $FSYNC_SECONDS -f $fsync_file (about $((FSYNC_SECONDS * 16)) s)"
    "$fsync_bin" -s "$FSYNC_SECONDS" -f "$fsync_file" >"$OUT/run/pg_test_fsync.txt" 2>&1 \
      || die "pg_test_fsync failed: $(tail -5 "$OUT/run/pg_test_fsync.txt")"
    rm -f "$fsync_file"
    cp "$OUT/run/pg_test_fsync.txt" "$dir/pg_test_fsync.txt"
    py json "$OUT/fsync.json" "binary=$fsync_bin" "file=$fsync_file" "seconds_per_test:=$FSYNC_SECONDS"
    py fsync "$OUT/run/pg_test_fsync.txt" "$OUT/fsync.json" >&2

    dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists "$PG_DB" || die "dropdb failed"
    createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$PG_DB" || die "createdb failed"
    PG_CREATED=1
    url="postgres://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB"
  fi

  # Seed.
  log "seed-bench --scale $SCALE"
  local t0 t1
  t0=$(date +%s%N)
  env ACCORD_DATABASE_URL="$url" ACCORD_DATA_DIR="$dir/data" ACCORD_LOG=warn \
    "$BIN" seed-bench --scale "$SCALE" >"$dir/seed.json" 2>"$dir/seed.log" \
    || die "seed-bench failed: $(tail -5 "$dir/seed.log")"
  t1=$(date +%s%N)
  local seed_s
  seed_s=$(python3 -c "print(round(($t1 - $t0) / 1e9, 3))")
  log "seeded in $seed_s s"
  if [[ $backend == postgres ]]; then
    # The seed leaves gigabytes of dirty pages; flush them now rather than in a checkpoint that
    # would land in the middle of a workload.
    psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -qc CHECKPOINT || die "CHECKPOINT failed"
  fi
  python3 - "$dir/seed.json" "$dir/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["clients"] = [{"member": c["member"], "roles": c["roles"]} for c in s["clients"]]  # no secrets
json.dump(s, open(sys.argv[2], "w"), indent=2)
PY
  local dbsize=""
  if [[ $backend == sqlite ]]; then
    dbsize=$(du -cb "$dbfile"* | tail -1 | cut -f1)
  else
    dbsize=$(psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -tAc 'select pg_database_size(current_database())')
  fi

  # Start the server (a second port if the first was taken meanwhile).
  local attempt
  for attempt in 1 2 3; do
    PORT=$(free_port)
    BASE=http://127.0.0.1:$PORT
    if ACCORD_BIND="127.0.0.1:$PORT" ACCORD_DATABASE_URL="$url" ACCORD_DATA_DIR="$dir/data" \
      ACCORD_TOKEN_TTL=86400 ACCORD_LOG=warn ACCORD_PUBLIC_URL="$BASE" \
      spawn "accord-$backend" "$dir/server.log" "$BASE/readyz" "$BIN" serve; then
      break
    fi
    grep -q 'Address already in use' "$dir/server.log" && ((attempt < 3)) && continue
    die "the $backend server did not become ready: $(tail -5 "$dir/server.log")"
  done
  local server_pid=$SPAWNED_PID server_idx=$SPAWNED_IDX ready_ms=$READY_MS
  log "server pid $server_pid on $BASE, ready in $ready_ms ms"

  # Tokens of the 64 delegates.
  py delegates "$dir/seed.json" >"$dir/tokens/delegates.txt"
  local cid secret member
  while read -r cid secret member; do
    curl -s -u "$cid:$secret" -d grant_type=client_credentials "$BASE/v1/auth/token" \
      >"$dir/tokens/$cid.json" || die "token request for $cid ($member) failed"
  done <"$dir/tokens/delegates.txt"

  # The W2 deep cursor.
  local busy
  busy=$(py get "$dir/seed.json" busy_standard)
  log "W2: paging $busy's open comments for the deep cursor"
  py cursor "$BASE" "$busy" "$dir/w2.json" || die "W2: cannot obtain the deep cursor"
  log "W2 deep: cursor after $(py get "$dir/w2.json" depth_items) items (page $(py get "$dir/w2.json" page))"

  DATA_LUA=$dir/data.lua
  py datalua "$dir/seed.json" "$dir/tokens" "$dir/w2.json" "$DATA_LUA"

  # Every workload's request once, by hand.
  local tok1 mem1 ballot bhash nstd events
  tok1=$(py get "$dir/tokens/$(head -1 "$dir/tokens/delegates.txt" | cut -d' ' -f1).json" access_token)
  mem1=$(head -1 "$dir/tokens/delegates.txt" | cut -d' ' -f3)
  ballot=$(py get "$dir/seed.json" open_ballot)
  bhash=$(py get "$dir/seed.json" open_ballot_hash)
  nstd=$(py get "$dir/seed.json" standards)
  events=$(py get "$dir/seed.json" events)
  expect 200 "control GET /healthz" "$BASE/healthz"
  expect 200 "W1 GET first revision" "$BASE/v1/standards/BENCH-0001/revisions/1"
  expect 200 "W1 GET last revision" "$BASE/v1/standards/$(printf 'BENCH-%04d' "$nstd")/revisions/5"
  expect 200 "W2 page 1" "$BASE$(py get "$dir/w2.json" first_path)"
  expect 200 "W2 deep" "$BASE$(py get "$dir/w2.json" deep_path)"
  expect 200 "W3 first" "$BASE/v1/events?after=0&limit=100"
  expect 200 "W3 last" "$BASE/v1/events?after=$((events > 100 ? events - 100 : 0))&limit=100"
  expect 201 "W4 POST comment" -X POST -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $tok1" \
    -d "{\"revision\": 5, \"clause\": \"$(py get "$dir/seed.json" busy_clauses 0)\", \"type\": \"technical\", \"body\": \"benchmark comment 0-0\"}" \
    "$BASE/v1/standards/$busy/comments"
  expect '200|201' "W5 PUT ratification" -X PUT -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $tok1" \
    -d "{\"decision\": \"abstain\", \"revision_hash\": \"$bhash\", \"statement\": \"benchmark 0-0\"}" \
    "$BASE/v1/ballots/$ballot/ratifications/$mem1"

  # The workloads.
  workload "$dir" control "control: GET /healthz" static.lua "$BASE/healthz" 0 accord
  workload "$dir" W1 "W1: revision" w1_revisions.lua "$BASE/" 10 accord
  workload "$dir" W2 "W2: open comments, page 1" static.lua "$BASE$(py get "$dir/w2.json" first_path)" 20 accord
  workload "$dir" W2deep "W2 deep: page $(py get "$dir/w2.json" page)" static.lua \
    "$BASE$(py get "$dir/w2.json" deep_path)" 30 accord
  workload "$dir" W3 "W3: events" w3_events.lua "$BASE/" 40 accord
  workload "$dir" W4 "W4: post comment" w4_comment.lua "$BASE/" 50 accord
  workload "$dir" W5 "W5: ratification" w5_ratify.lua "$BASE/" 60 accord
  workload "$dir" W6 "W6: mixed" w6_mixed.lua "$BASE/" 70 accord

  local hwm_kb
  hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status")
  log "peak RSS (VmHWM) $hwm_kb kB; stopping the server"
  stop_tracked "$server_idx"

  size_ceilings "$dir"
  rows_ceiling "$dir" "$backend" "$dbfile"

  local locked_total
  locked_total=$(count_locked "$dir/server.log")
  py json "$dir/backend.json" "backend=$backend" "database_url=$url" \
    "seed_seconds:=$seed_s" "database_bytes:=${dbsize:-0}" "ready_ms:=$ready_ms" \
    "peak_rss_kb:=$hwm_kb" "database_locked_total:=$locked_total" \
    "seed_log=$(tr -d '\033' <"$dir/seed.log" | sed 's/\[[0-9;]*m//g' | tail -1)"

  if [[ $backend == sqlite ]]; then
    run_datasette "$dbfile"
  else
    pg_ceiling "$dir"
    if [[ $KEEP_PG == 1 ]]; then
      log "KEEP_PG=1: database $PG_DB stays (drop it with: dropdb -h $PG_HOST -U $PG_USER $PG_DB)"
    else
      dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists "$PG_DB" || die "dropdb failed"
    fi
    PG_CREATED=0
  fi
  DATA_LUA=""
}

# size_ceilings DIR: examples/http_ceiling.rs (started now, the Accord server being stopped) at
# the mean response size of the control and of each read workload in DIR/results, headers
# included: the body is that size less the ceiling's own headers for a body of that length.
size_ceilings() {
  local dir=$1 attempt port base
  for attempt in 1 2 3; do
    port=$(free_port)
    base=http://127.0.0.1:$port
    if spawn http_ceiling "$dir/http_ceiling.log" "$base/bytes/2" "$CEILING" "127.0.0.1:$port"; then
      break
    fi
    grep -q 'Address already in use' "$dir/http_ceiling.log" && ((attempt < 3)) && continue
    die "http_ceiling did not start: $(tail -5 "$dir/http_ceiling.log")"
  done
  local idx=$SPAWNED_IDX name head0 size body
  # Header bytes for a body of 0 bytes; a body of n bytes adds the digits of n less one.
  head0=$(curl -s -D - -o /dev/null "$base/bytes/0" | wc -c)
  for name in control W1 W2 W2deep W3; do
    [[ -f $dir/results/$name.json ]] || continue
    read -r size body < <(python3 - "$dir/results/$name.json" "$head0" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))["wrk"]
size, head0 = round(w["bytes"] / w["requests"]), int(sys.argv[2])
body = max(size - head0, 0)
body = max(size - head0 - (len(str(body)) - 1), 0)
print(size, body)
PY
)
    workload "$dir" "ceiling_$name" "http_ceiling at the size of $name" static.lua "$base/bytes/$body" 100 peer \
      "of=$name" "response_bytes=$size" "body_bytes=$body"
  done
  stop_tracked "$idx"
}

# rows_ceiling DIR BACKEND DBFILE: the database alone reading W3's rows for DURATION seconds, the
# Accord server being stopped (see the header, step 5), into DIR/results/rows_ceiling_W3.json.
rows_ceiling() {
  local dir=$1 backend=$2 dbfile=$3 events top tps out=$1/results/rows_ceiling_W3.json
  events=$(py get "$dir/seed.json" events)
  top=$((events > 100 ? events - 100 : 0))
  if [[ $backend == sqlite ]]; then
    log "SQLite alone reading W3's rows: sqlite_ceiling, $THREADS threads, $DURATION s"
    "$SQLITE_CEILING" "$dbfile" "$THREADS" "$DURATION" >"$dir/rows_ceiling.txt" \
      || die "sqlite_ceiling failed"
    python3 - "$dir/rows_ceiling.txt" "$out" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read())
r["how"] = f"examples/sqlite_ceiling.rs, {r['threads']} threads, SQLite {r['sqlite']}"
json.dump(r, open(sys.argv[2], "w"), indent=2)
PY
  else
    log "PostgreSQL alone reading W3's rows: pgbench -M prepared -c 4 -j $THREADS -T $DURATION"
    PGOPTIONS="-c client_min_messages=warning" pgbench -n -M prepared -h "$PG_HOST" -p "$PG_PORT" \
      -U "$PG_USER" -c 4 -j "$THREADS" -T "$DURATION" -D "top=$top" \
      -f "$BENCH_DIR/pg_ceiling_w3.sql" "$PG_DB" >"$dir/rows_ceiling.txt" 2>&1 \
      || die "pgbench failed: $(tail -5 "$dir/rows_ceiling.txt")"
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$dir/rows_ceiling.txt")
    [[ -n $tps ]] || die "no tps line in $dir/rows_ceiling.txt"
    py json "$out" "queries_per_sec:=$tps" "threads:=$THREADS" "clients:=4" \
      "how=pgbench -M prepared, 4 clients, benches/pg_ceiling_w3.sql"
  fi
  log "the database alone reading W3's rows: $(py get "$out" queries_per_sec) queries/s"
}

# pg_ceiling DIR: PostgreSQL's own rate for W4's rows, with pgbench for DURATION seconds each, in
# scratch tables of the seeded database (dropped afterwards): benches/pg_ceiling.sql (one W4's
# rows per transaction, 64 clients) and benches/pg_ceiling_batch.sql (64 W4s' rows per
# transaction, 2 clients).
pg_ceiling() {
  local dir=$1
  local psql_args=(-h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -v ON_ERROR_STOP=1 -q)
  export PGOPTIONS="-c client_min_messages=warning"
  command -v pgbench >/dev/null || die "pgbench is needed (Debian: postgresql-client)"
  local name script clients rows tps failed
  for name in single batch; do
    if [[ $name == single ]]; then
      script=pg_ceiling.sql clients=$CONNECTIONS rows=1
    else
      script=pg_ceiling_batch.sql clients=$THREADS rows=64
    fi
    psql "${psql_args[@]}" -c "DROP TABLE IF EXISTS ceiling_events, ceiling_comments;
      DROP SEQUENCE IF EXISTS ceiling_seq, ceiling_seq2;
      CREATE SEQUENCE ceiling_seq; CREATE SEQUENCE ceiling_seq2;
      CREATE TABLE ceiling_events (LIKE events INCLUDING ALL);
      CREATE TABLE ceiling_comments (LIKE comments INCLUDING ALL);" || die "pg_ceiling: setup failed"
    log "PostgreSQL ceiling ($name): pgbench -n -c $clients -j $THREADS -T $DURATION -f $script"
    pgbench -n -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -c "$clients" -j "$THREADS" -T "$DURATION" \
      -f "$BENCH_DIR/$script" "$PG_DB" >"$dir/pg_ceiling_$name.txt" 2>&1 \
      || die "pgbench failed: $(tail -5 "$dir/pg_ceiling_$name.txt")"
    psql "${psql_args[@]}" -c "DROP TABLE ceiling_events, ceiling_comments;
      DROP SEQUENCE ceiling_seq, ceiling_seq2;" || die "pg_ceiling: cleanup failed"
    tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' "$dir/pg_ceiling_$name.txt")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$dir/pg_ceiling_$name.txt")
    [[ -n $tps ]] || die "no tps line in $dir/pg_ceiling_$name.txt"
    py json "$OUT/pg_ceiling.json" "${name}:={\"tps\": $tps, \"writes_per_sec\": $(python3 -c "print($tps * $rows)"), \"rows_per_transaction\": $rows, \"clients\": $clients, \"failed\": ${failed:-0}, \"script\": \"benches/$script\"}" \
      "duration_s:=$DURATION" "pgbench=$(pgbench --version)"
    log "PostgreSQL ceiling ($name): $tps transactions/s x $rows = W4 writes/s (failed: ${failed:-0})"
  done
}

# ---------------------------------------------------------------------------------------------
# 4. The peer: Datasette on the same SQLite file (P1).
# ---------------------------------------------------------------------------------------------
run_datasette() {
  local dbfile=$1 dir=$OUT/datasette port stem base
  mkdir -p "$dir"
  stem=$(basename "$dbfile" .db)
  local attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    base=http://127.0.0.1:$port
    if spawn datasette "$dir/datasette.log" "$base/-/versions.json" \
      "$VENV/bin/datasette" serve "$dbfile" -h 127.0.0.1 -p "$port" --setting default_page_size 20; then
      break
    fi
    grep -qi 'address already in use' "$dir/datasette.log" && ((attempt < 3)) && continue
    die "Datasette did not start: $(tail -5 "$dir/datasette.log")"
  done
  local ds_pid=$SPAWNED_PID ds_idx=$SPAWNED_IDX
  log "Datasette pid $ds_pid on $base"
  local path="/$stem/comments.json?reference=BENCH-0001&status=open&_sort_desc=created_seq&_size=20"
  local strict="$path&_nocount=1&_nofacet=1"
  py rows "$base$path" 20 >&2
  py rows "$base$strict" 20 >&2
  # One P1 request alone, Datasette idle (median of 3): what a single answer costs it.
  local single
  single=$(for _ in 1 2 3; do curl -s -o /dev/null -w '%{time_total}\n' "$base$path"; done | sort -n | sed -n 2p)
  log "one P1 request alone: $single s (median of 3)"
  # The cheap request first: P1 leaves Datasette working through the requests wrk gave up on
  # (each takes seconds), which would starve whatever is measured after it.
  workload "$dir" P1strict "Datasette: the same without count and facets (_nocount, _nofacet)" \
    static.lua "$base$strict" 90 peer
  workload "$dir" P1 "Datasette: open comments, page 1 (as specified)" static.lua "$base$path" 80 peer
  local hwm_kb
  hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$ds_pid/status")
  stop_tracked "$ds_idx"
  py json "$OUT/datasette.json" "url_path=$path" "strict_url_path=$strict" "peak_rss_kb:=$hwm_kb" "single_request_s:=$single" \
    "command=datasette serve $(basename "$dbfile") -p PORT --setting default_page_size 20"
}

for backend in $BACKENDS; do
  run_backend "$backend"
done

py json "$OUT/run.json" "finished_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# ---------------------------------------------------------------------------------------------
# 5. The report.
# ---------------------------------------------------------------------------------------------
python3 "$BENCH_DIR/report.py" --out "$OUT" --results "$BENCH_DIR/RESULTS.md" \
  || die "report.py failed"
log "wrote $BENCH_DIR/RESULTS.md"
