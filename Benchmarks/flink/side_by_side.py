#!/usr/bin/env python3
"""streamhost and Flink side by side on the same workloads, on this machine.

Runs the workloads of docs/BENCHMARKS.md "Benchmark 15" on both engines,
alternating (streamhost, Flink, streamhost, Flink, ...), and prints for each
run: records/s, wall time, peak RSS and, for Flink, the JVM start time.
Medians per engine and workload close the report, with their ratio.

    Benchmarks/flink/run.sh [--records N] [--repeats 3] [--parallelism 1 2]
                            [--workloads stateless window jsonfile]

run.sh installs PyFlink (apache-flink from PyPI) into .build/flink-venv and
builds streamhost in release mode; Java 17 must be present. Not run in CI:
it takes minutes and its figures are only meaningful on a quiet machine.

The workloads (20M records by default):
  stateless  datagen -> filter amount > 500 -> map amount * 1.2 -> blackhole
  window     datagen -> key by customer (100k keys) -> tumbling window of
             100k events (event time, 5 s bounded out-of-orderness)
             count + sum(amount) -> blackhole
  jsonfile   the stateless logic reading a JSON-lines file of orders
             (written once by streamhost's datagen, cached under .build);
             streamhost's file source declares the orders' schema, as
             Flink's CREATE TABLE does, so the lines become typed columns
  jsonfile-bytes  the same without the schema (JSON bytes throughout;
             streamhost only, Flink has no untyped equivalent)
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STREAMHOST = os.path.join(ROOT, ".build", "release", "streamhost")
CACHE = os.path.join(ROOT, ".build", "flink-bench")
CUSTOMERS = 100_000
SEED = 7
# The types datagen's orders have as columns (Plugins/datagen/datagen.c), the
# streamhost side of Flink's CREATE TABLE for the JSON file.
ORDERS_SCHEMA = ('order_id: int64 not null, customer_id: int64 not null, category: utf8 not null, '
                 'amount: "decimal(9,2) not null", event_time: timestamp not null')
WORKLOADS = ["stateless", "window", "jsonfile", "jsonfile-bytes"]


# ---------------------------------------------------------------- streamhost

def streamhost_job(workload, records, parallelism, json_path):
    if workload == "stateless":
        return textwrap.dedent(f"""\
            name: stateless
            parallelism: {parallelism}
            pipeline:
              - {{id: gen, source: datagen, config: {{count: {records}, seed: {SEED}, customers: {CUSTOMERS}}}}}
              - {{id: big, operator: filter, config: {{where: "amount > 500.0"}}}}
              - {{id: shape, operator: map, config: {{set: {{amount_x: "amount * 1.2"}}}}}}
              - {{id: out, sink: blackhole}}
            """)
    if workload == "window":
        return textwrap.dedent(f"""\
            name: window
            parallelism: {parallelism}
            pipeline:
              - id: gen
                source: datagen
                config: {{count: {records}, seed: {SEED}, customers: {CUSTOMERS}, time_step_ms: 1}}
                watermarks: {{strategy: bounded_out_of_orderness, max_out_of_orderness_ms: 5000}}
              - {{id: by-customer, key_by: customer_id}}
              - {{id: win, operator: window, config: {{kind: tumbling, size_ms: 100000, aggregates: [{{fn: count, name: cnt}}, {{fn: sum, field: amount, name: total}}]}}}}
              - {{id: out, sink: blackhole}}
            """)
    if workload in ("jsonfile", "jsonfile-bytes"):
        # jsonfile declares the orders' schema on the file source, as Flink's
        # CREATE TABLE does (the lines are read into typed columns at the
        # first edge); jsonfile-bytes leaves it out (JSON bytes throughout).
        schema = "" if workload == "jsonfile-bytes" else f"""
                schema: {{{ORDERS_SCHEMA}}}"""
        return textwrap.dedent(f"""\
            name: {workload}
            parallelism: {parallelism}
            pipeline:
              - id: orders
                source: file
                config: {{path: "{json_path}", format: jsonl}}{schema}
              - {{id: big, operator: filter, config: {{where: "amount > 500.0"}}}}
              - {{id: shape, operator: map, config: {{set: {{amount_x: "amount * 1.2"}}}}}}
              - {{id: out, sink: blackhole}}
            """)
    raise ValueError(workload)


class ChildFailed(RuntimeError):
    """A child that exited non-zero or ran out of time; `text` is its output."""

    def __init__(self, message, text):
        super().__init__(message)
        self.text = text


# How often the child's memory high-water mark is read while it runs.
RSS_SAMPLE_SECONDS = 0.01


def high_water_kib(pid):
    """VmHWM of a live process in KiB, else 0."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_child_usage(argv, cwd, timeout=None):
    """Runs argv; returns (seconds, its rusage, its peak RSS in MiB,
    stdout+stderr). The peak is the child's own VmHWM, sampled while it runs:
    wait4's ru_maxrss also counts what the forking parent had resident
    before the exec. A child still running after `timeout` seconds is killed
    with its process group (it may have started others: Flink's JVM) and
    raises ChildFailed."""
    out = tempfile.TemporaryFile()
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    timed_out = []
    finished = threading.Event()
    peak = [0]

    def kill():
        timed_out.append(True)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def sample():
        while not finished.wait(RSS_SAMPLE_SECONDS):
            peak[0] = max(peak[0], high_water_kib(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        finished.set()
        if timer:
            timer.cancel()
    seconds = time.monotonic() - start
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read().decode(errors="replace")
    if timed_out:
        raise ChildFailed(f"{argv[0]} ran longer than {timeout} s and was killed", text)
    if proc.returncode != 0:
        raise ChildFailed(f"{argv[0]} exited {proc.returncode}:\n{text[-2000:]}", text)
    return seconds, usage, peak[0] / 1024.0, text


def run_child(argv, cwd):
    """Runs argv; returns (seconds, peak RSS in MiB, stdout+stderr)."""
    seconds, _, rss, text = run_child_usage(argv, cwd)
    return seconds, rss, text


def run_streamhost(workload, records, parallelism, json_path):
    with tempfile.TemporaryDirectory() as work:
        job = os.path.join(work, f"{workload}.yaml")
        with open(job, "w") as f:
            f.write(streamhost_job(workload, records, parallelism, json_path))
        seconds, rss, _ = run_child([STREAMHOST, "run", job, "--no-progress", "--data-dir", os.path.join(work, "data")], work)
    return {"seconds": seconds, "rss_mib": rss, "records_per_s": records / seconds, "start_s": None}


def write_json_file(records):
    """The orders as JSON lines, written once by streamhost's own datagen."""
    path = os.path.join(CACHE, f"orders-{records}.jsonl")
    if os.path.exists(path):
        return path
    os.makedirs(CACHE, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        job = os.path.join(work, "write.yaml")
        with open(job, "w") as f:
            f.write(textwrap.dedent(f"""\
                name: write-orders
                pipeline:
                  - {{id: gen, source: datagen, config: {{count: {records}, seed: {SEED}, customers: {CUSTOMERS}}}}}
                  - {{id: out, sink: file, config: {{path: "{path}", format: jsonl}}}}
                """))
        run_child([STREAMHOST, "run", job, "--no-progress", "--data-dir", os.path.join(work, "data")], work)
    return path


# --------------------------------------------------------------------- Flink

FLINK_DRIVER = r'''
import os, sys, time
workload, records, parallelism, json_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
start = time.monotonic()
from pyflink.table import EnvironmentSettings, TableEnvironment
env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
conf = env.get_config()
conf.set("parallelism.default", str(parallelism))
conf.set("pipeline.object-reuse", "true")
jvm_start = time.monotonic() - start

gen = f"""CREATE TABLE gen (
    order_id BIGINT, customer_id BIGINT, amount DOUBLE,
    ts AS TO_TIMESTAMP_LTZ(order_id, 3),
    WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH ('connector' = 'datagen', 'rows-per-second' = '1000000000',
    'fields.order_id.kind' = 'sequence', 'fields.order_id.start' = '0',
    'fields.order_id.end' = '{records - 1}',
    'fields.customer_id.min' = '1', 'fields.customer_id.max' = '{CUSTOMERS}',
    'fields.amount.min' = '0', 'fields.amount.max' = '1000')"""
orders_file = f"""CREATE TABLE gen (
    order_id BIGINT, customer_id BIGINT, category STRING, amount DOUBLE, event_time BIGINT
) WITH ('connector' = 'filesystem', 'path' = '{json_path}', 'format' = 'json')"""
if workload == "stateless" or workload == "jsonfile":
    env.execute_sql(gen if workload == "stateless" else orders_file)
    env.execute_sql("CREATE TABLE out_t (order_id BIGINT, customer_id BIGINT, amount DOUBLE, amount_x DOUBLE) WITH ('connector' = 'blackhole')")
    statement = "INSERT INTO out_t SELECT order_id, customer_id, amount, amount * 1.2 FROM gen WHERE amount > 500.0"
else:
    env.execute_sql(gen)
    env.execute_sql("CREATE TABLE out_t (customer_id BIGINT, window_start TIMESTAMP(3), window_end TIMESTAMP(3), cnt BIGINT, total DOUBLE) WITH ('connector' = 'blackhole')")
    statement = """INSERT INTO out_t SELECT customer_id, window_start, window_end, COUNT(*), SUM(amount)
        FROM TABLE(TUMBLE(TABLE gen, DESCRIPTOR(ts), INTERVAL '100' SECOND(3)))
        GROUP BY customer_id, window_start, window_end"""
job_start = time.monotonic()
env.execute_sql(statement).wait()
job_seconds = time.monotonic() - job_start

def java_peak_rss_mib():
    """VmHWM of the JVM that PyFlink started (a child of this process)."""
    peak = 0
    me = str(os.getpid())
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                ppid = f.read().rsplit(")", 1)[1].split()[1]
            if ppid != me:
                continue
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
    return peak / 1024.0

print(f"RESULT {jvm_start:.3f} {job_seconds:.3f} {java_peak_rss_mib():.1f}")
'''.replace("{CUSTOMERS}", str(CUSTOMERS))


def run_flink(workload, records, parallelism, json_path, python):
    with tempfile.TemporaryDirectory() as work:
        seconds, _, text = run_child([python, "-c", FLINK_DRIVER, workload, str(records), str(parallelism), json_path or "-"], work)
    line = [l for l in text.splitlines() if l.startswith("RESULT ")]
    if not line:
        raise RuntimeError("the Flink driver printed no RESULT line:\n" + text[-2000:])
    jvm_start, job_seconds, rss = map(float, line[-1].split()[1:])
    return {"seconds": job_seconds, "rss_mib": rss, "records_per_s": records / job_seconds, "start_s": jvm_start}


# -------------------------------------------------------------------- report

def main():
    global STREAMHOST
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--parallelism", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--workloads", nargs="+", default=WORKLOADS, choices=WORKLOADS)
    parser.add_argument("--engines", nargs="+", default=["streamhost", "flink"], choices=["streamhost", "flink"])
    parser.add_argument("--streamhost", default=STREAMHOST,
                        help="the streamhost binary (default: this checkout's release build)")
    parser.add_argument("--json-file", help="an orders JSON-lines file of --records lines to read instead of "
                        "writing one under .build/flink-bench (e.g. another checkout's)")
    parser.add_argument("--flink-python", default=os.path.join(ROOT, ".build", "flink-venv", "bin", "python"))
    args = parser.parse_args()
    STREAMHOST = os.path.abspath(args.streamhost)

    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; records {args.records}; repeats {args.repeats}")
    # Jobs run in a temporary folder: a relative --json-file is made absolute.
    json_path = (os.path.abspath(args.json_file) if args.json_file else write_json_file(args.records)) \
        if any(w.startswith("jsonfile") for w in args.workloads) else None
    results = {}
    for workload in args.workloads:
        for parallelism in args.parallelism:
            for repeat in range(args.repeats):
                for engine in args.engines:
                    if engine == "streamhost":
                        r = run_streamhost(workload, args.records, parallelism, json_path)
                    elif workload == "jsonfile-bytes":
                        continue  # Flink's side is the same as jsonfile's: its table is typed
                    else:
                        r = run_flink(workload, args.records, parallelism, json_path, args.flink_python)
                    results.setdefault((workload, parallelism, engine), []).append(r)
                    start = f", JVM start {r['start_s']:.1f} s" if r["start_s"] is not None else ""
                    print(f"{workload:14} p{parallelism} {engine:10} run {repeat + 1}: {r['records_per_s'] / 1e6:7.2f} M rec/s"
                          f" ({r['seconds']:.2f} s), peak RSS {r['rss_mib']:.0f} MiB{start}; load {os.getloadavg()[0]:.2f}",
                          flush=True)
    print("\nmedians:")
    for workload in args.workloads:
        for parallelism in args.parallelism:
            medians = {}
            for engine in args.engines:
                runs = results.get((workload, parallelism, engine))
                if not runs:
                    continue
                medians[engine] = statistics.median(r["records_per_s"] for r in runs)
                rss = statistics.median(r["rss_mib"] for r in runs)
                print(f"  {workload:14} p{parallelism} {engine:10} {medians[engine] / 1e6:7.2f} M rec/s, peak RSS {rss:.0f} MiB")
            if len(medians) == 2:
                print(f"  {workload:14} p{parallelism} streamhost / flink = {medians['streamhost'] / medians['flink']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
