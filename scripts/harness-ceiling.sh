#!/usr/bin/env bash
# Measures the parity harness's own ceiling against a Lambda Invoke API (docs/benchmarks.md,
# "The harness's ceiling against an Invoke API"). Against `lambda:` targets Lambda itself is
# the fleet, so what bounds a replay on one machine is the `cutover` process: its CPU per
# record says how many records a second one core can drive.
#
# It starts `cutover local serve` on a free loopback port with one cheap function
# (validate-cluster-spec, no AWS back end) whose version "2" is the native release binary,
# with a reserved concurrency high enough that nothing is throttled, then replays a corpus
# of that function's recorded events, repeated under fresh ids, with `lambda:` on both
# sides at each concurrency: two Invoke calls and one comparison per record. Before each
# measured run a warm-up run at the same concurrency starts the sandboxes it needs, so no
# cold start falls inside a measurement.
#
# Prints a Markdown table: wall time, records/s, the harness's CPU (user + system; in
# brackets its main thread's, where the replay runs) and peak RSS, the CPU of the emulator
# and its sandboxes over the same run, and that of every other process on the machine (a
# busy machine shows there).
#
# Settings (environment):
#   HARNESS_CEILING_RECORDS      records per measured run (default 20000)
#   HARNESS_CEILING_CONCURRENCY  the --concurrency values (default "16 64 256")
#   HARNESS_CEILING_REPEATS      measured runs per concurrency (default 1)
#   HARNESS_CEILING_BASELINE     the baseline target (default lambda:validate-cluster-spec:2;
#                                `recorded` measures one Invoke call per record)
#   HARNESS_CEILING_NO_BUILD=1   use the release binaries as they are
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cargo="${CARGO:-cargo}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
records="${HARNESS_CEILING_RECORDS:-20000}"
concurrencies="${HARNESS_CEILING_CONCURRENCY:-16 64 256}"
repeats="${HARNESS_CEILING_REPEATS:-1}"
function_name=validate-cluster-spec
candidate="lambda:$function_name:2"
baseline="${HARNESS_CEILING_BASELINE:-$candidate}"

if [[ "${HARNESS_CEILING_NO_BUILD:-}" != 1 ]]; then
    (cd "$root" && "$cargo" build --release -p cutover -p "$function_name")
fi
cutover="$target_dir/release/cutover"
bootstrap="$target_dir/release/$function_name"
for binary in "$cutover" "$bootstrap"; do
    [[ -x "$binary" ]] || { echo "missing $binary: cargo build --release -p cutover -p $function_name" >&2; exit 2; }
done

SECONDS=0
work="$(mktemp -d)"
serve_pid=""
stop() {
    # Only what this script started: the replay running, if any, and the emulator, which
    # kills and reaps its own sandboxes on SIGTERM.
    if [[ -n "${replay_pid:-}" ]] && kill -0 "$replay_pid" 2>/dev/null; then
        kill -TERM "$replay_pid"
        wait "$replay_pid" 2>/dev/null || true
    fi
    if [[ -n "$serve_pid" ]] && kill -0 "$serve_pid" 2>/dev/null; then
        kill -TERM "$serve_pid"
        wait "$serve_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One function, no moto (validate-cluster-spec calls no AWS service; the boundary ARN it
# checks specs against is the one legacy-python/tools/local_stack.py creates), no routes. The
# reserved concurrency is the emulator's maximum: both sides' calls are in flight at once,
# so a run at --concurrency N needs 2N sandboxes.
toml_string() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"; }
cat >"$work/cutover.toml" <<EOF
[local]
lambda_api = "127.0.0.1:0"

[[function]]
name = "$function_name"
memory_mb = 512
timeout_s = 10
concurrency = 1000
environment = { POWERTOOLS_SERVICE_NAME = "$function_name", LOG_LEVEL = "INFO", ORG_PERMISSION_BOUNDARY_ARN = "arn:aws:iam::123456789012:policy/org/eks-permission-boundary" }
[[function.version]]
version = "2"
bootstrap = $(toml_string "$bootstrap")
EOF

# The function's records, repeated under fresh ids (`id` must be unique in a corpus). They
# have no entity, so every record is independent and --concurrency is what is in flight.
make_corpus() { # $1 = records (0: each recorded one once), $2 = output file
    python3 - "$root/events/corpus.jsonl" "$function_name" "$1" "$2" <<'PY'
import json, sys
source, function, count, output = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(source, encoding="utf-8") as lines:
    records = [json.loads(line) for line in lines if line.strip()]
records = [record for record in records if record["function"] == function]
count = count or len(records)
with open(output, "w", encoding="utf-8") as out:
    for index in range(count):
        record = dict(records[index % len(records)])
        record["id"] = f"h{index:07d}-{record['id']}"
        out.write(json.dumps(record, separators=(",", ":")) + "\n")
PY
}

# CPU seconds (user + system) of a process and every descendant alive now.
tree_cpu_seconds() { # $1 = pid
    python3 - "$1" <<'PY'
import os, sys
root, tick = int(sys.argv[1]), os.sysconf("SC_CLK_TCK")
children, cpu = {}, {}
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    try:
        fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    children.setdefault(int(fields[1]), []).append(int(entry))
    cpu[int(entry)] = int(fields[11]) + int(fields[12])
total, stack = 0, [root]
while stack:
    pid = stack.pop()
    total += cpu.get(pid, 0)
    stack.extend(children.get(pid, []))
print(f"{total / tick:.2f}")
PY
}

"$cutover" local serve --config "$work/cutover.toml" --no-moto --format json \
    >"$work/serve.json" 2>>"$work/serve.log" &
serve_pid=$!
for _ in $(seq 300); do
    [[ -s "$work/serve.json" ]] && break
    kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 3; }
    sleep 0.1
done
[[ -s "$work/serve.json" ]] || { echo "the emulator did not start in 30 s" >&2; cat "$work/serve.log" >&2; exit 3; }
endpoint="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["lambda_api"])' "$work/serve.json")"
echo "emulator at $endpoint (pid $serve_pid); baseline $baseline, candidate $candidate" >&2

# The Invoke API of the emulator takes any credentials; none are looked up elsewhere.
export AWS_ACCESS_KEY_ID=harness AWS_SECRET_ACCESS_KEY=harness AWS_REGION=eu-west-1
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_LAMBDA

# Both sides run the same binary, so a broken function (one that fails at init, say) would
# match itself. First the recorded answers are checked against it: every one must match.
make_corpus 0 "$work/check.jsonl"
if ! (cd "$root" && "$cutover" parity run --baseline recorded --candidate "$candidate" --endpoint-url "$endpoint" \
    --corpus "$work/check.jsonl" --output "$work/check.txt" 2>>"$work/run.log"); then
    echo "$candidate does not answer as recorded; the emulator's log:" >&2
    cat "$work/check.txt" >&2
    tail -20 "$work/serve.log" >&2
    exit 3
fi
make_corpus "$records" "$work/corpus.jsonl"

# Runs one replay and writes what it cost to $work/cost: wall seconds, user and system
# CPU seconds and peak RSS (KiB) of the `cutover` process (getrusage of the child), and the
# CPU seconds of its main thread, sampled every 50 ms until it exits: the thread that runs
# the replay itself (the scheduler polls every record's future there; the HTTP connections
# are tasks on the runtime's worker threads). Sets replay_code to its exit code. It runs in
# the background so that a signal stops the script at once (bash runs traps only between
# foreground commands).
replay_pid=""
replay() { # $1 = corpus, $2 = concurrency, $3 = report
    (cd "$root" && exec python3 - "$work/cost" "$cutover" parity run --baseline "$baseline" --candidate "$candidate" \
        --endpoint-url "$endpoint" --corpus "$1" --concurrency "$2" \
        --max-mismatch "$records" --format json --output "$3") 2>>"$work/run.log" <<'PY' &
import os, resource, signal, subprocess, sys, time
cost_file, command = sys.argv[1], sys.argv[2:]
tick = os.sysconf("SC_CLK_TCK")
started = time.monotonic()
child = subprocess.Popen(command, stdout=subprocess.DEVNULL)

def stop(signum, frame):
    child.terminate()
    child.wait()
    sys.exit(128 + signum)

signal.signal(signal.SIGTERM, stop)
script = os.getppid()
main_thread = 0.0
while child.poll() is None:
    if os.getppid() != script:  # the script is gone without stopping this run
        stop(signal.SIGTERM, None)
    try:
        fields = open(f"/proc/{child.pid}/task/{child.pid}/stat").read().rsplit(")", 1)[1].split()
        main_thread = (int(fields[11]) + int(fields[12])) / tick
    except (OSError, IndexError):
        pass
    time.sleep(0.05)
wall = time.monotonic() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(cost_file, "w") as out:
    out.write(f"{wall:.3f} {usage.ru_utime:.3f} {usage.ru_stime:.3f} {usage.ru_maxrss} {main_thread:.2f}\n")
sys.exit(child.returncode)
PY
    replay_pid=$!
    replay_code=0
    wait "$replay_pid" || replay_code=$?
    replay_pid=""
}

# Busy CPU seconds of the whole machine (every state but idle and iowait), from /proc/stat.
machine_cpu_seconds() {
    awk -v tick="$(getconf CLK_TCK)" '$1 == "cpu" { print ($2 + $3 + $4 + $7 + $8 + $9) / tick; exit }' /proc/stat
}

echo "| --concurrency | records | load (1 min) | wall s | records/s | harness CPU s (main thread) | harness CPU ms/record | harness peak RSS MiB | emulator + sandboxes CPU s | other processes' CPU s | sandboxes | mismatch / errors | candidate p50 / p99 ms |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
for concurrency in $concurrencies; do
    warmup=$((concurrency * 8 > 1000 ? concurrency * 8 : 1000))
    make_corpus "$warmup" "$work/warmup.jsonl"
    replay "$work/warmup.jsonl" "$concurrency" "$work/warmup.json"
    if ((replay_code > 1)); then cat "$work/run.log" >&2; exit 3; fi
    for _ in $(seq "$repeats"); do
        sleep 2 # let the warm-up's last answers and logs settle
        load="$(cut -d' ' -f1 /proc/loadavg)"
        emulator_before="$(tree_cpu_seconds "$serve_pid")"
        machine_before="$(machine_cpu_seconds)"
        replay "$work/corpus.jsonl" "$concurrency" "$work/report.json"
        machine_after="$(machine_cpu_seconds)"
        emulator_after="$(tree_cpu_seconds "$serve_pid")"
        if ((replay_code > 1)); then cat "$work/run.log" >&2; exit 3; fi
        sandboxes="$(pgrep -c -P "$serve_pid" || true)"
        python3 - "$work/cost" "$work/report.json" "$concurrency" "$load" "$emulator_before" "$emulator_after" \
            "$machine_before" "$machine_after" "$sandboxes" <<'PY'
import json, sys
cost_file, report_file, concurrency, load = sys.argv[1:5]
emulator_before, emulator_after, machine_before, machine_after = map(float, sys.argv[5:9])
sandboxes = sys.argv[9]
wall, user, system, rss_kib, main_thread = map(float, open(cost_file).read().split())
cpu, emulator = user + system, emulator_after - emulator_before
# The python sampler and this script's own helpers are in it too, a few hundredths of a second.
others = max(0.0, machine_after - machine_before - cpu - emulator)
report = json.load(open(report_file))
totals = report["totals"]
records = totals["total"]
# The latency of the candidate on the route with the most records (POST /clusters/validate).
route = max(report["routes"], key=lambda route: route["total"])
p50, p99 = (route["candidate_latency"][key] or 0.0 for key in ("p50_ms", "p99_ms"))
print(
    f"| {concurrency} | {records:,} | {load} | {wall:.2f} | {records / wall:,.0f} | {cpu:.2f} ({main_thread:.2f}) "
    f"| {cpu * 1000 / records:.3f} | {rss_kib / 1024:.1f} | {emulator:.2f} | {others:.2f} "
    f"| {sandboxes} | {totals['mismatch']} / {totals['errors']} | {p50:.2f} / {p99:.2f} |"
)
for error in report["errors"][:3]:
    print(f"  error: {error['record_id']} {error['side']}: {error['message']}", file=sys.stderr)
PY
    done
done

# Throttles (429 past the reserved concurrency) would be retried by the SDK and slow a run
# down without failing it: the emulator counts them.
echo
echo "The emulator over the whole session (warm-ups included):"
"$cutover" local metrics "$function_name" --endpoint "$endpoint" --since $((SECONDS + 60))
