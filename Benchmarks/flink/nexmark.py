#!/usr/bin/env python3
"""Nexmark throughput: streamhost and Flink on the same events, on this machine.

Issue 16's benchmark. For each supported Nexmark query (q0 q1 q2 q3 q5 q7
q8 q11 q12 q14 q20 q21 q22), at each parallelism, engines alternating, runs

  streamhost/gen   `streamhost sql` from the `nexmark` generator connector
  streamhost/file  `streamhost sql` over a JSON-lines file of the same events
  flink/file       the same query on PyFlink (mini-cluster) over that file

and prints, per run and as medians: events/s, the cores used, events per
second per core and peak RSS; then one table of the medians beside the
published per-core figures (Flink's nexmark README, DBSP). Not run in CI.

    Benchmarks/flink/run.sh nexmark [--events 10000000] [--repeats 3]
        [--parallelism 1 2] [--queries q0 q5 ...] [--streamhost PATH]

run.sh installs PyFlink into .build/flink-venv and builds streamhost in
release mode; this script alone (python3 Benchmarks/flink/nexmark.py)
uses whatever is built (--streamhost, default .build/release/streamhost).

What runs:
  - The query text is Nexmark's own (STREAMHOST_NEXMARK_DIR, default
    ../shared/nexmark beside the checkout; never copied here): ddl_gen.sql
    with only its WITH clause replaced, ddl_views.sql, then qN.sql, whose
    sink is already `blackhole`. streamhost/gen keeps the `nexmark`
    connector with the harness's options (events.num, first-event.rate,
    the 1:3:46 proportions); the file runs use `filesystem`, `json`.
    Parallelism is `SET 'parallelism.default'` (streamhost) or
    parallelism.default (Flink).
  - q14's count_char: Nexmark declares a Java class. Flink gets that class
    (same rule: bytes of the text equal to the first byte of the second
    argument), compiled here with javac against PyFlink's jars, so q14's
    text runs unchanged; streamhost gets the native C function of
    examples/nexmark/count_char.c (CREATE FUNCTION count_char AS
    'nexmark_count_char' LANGUAGE C USING LIBRARY ...), built here with cc
    unless --count-char-library names a built one.
  - The events: the `nexmark` source's, seed 42, first-event.rate --rate
    (default 10,000,000 events per second of event time, the harness's
    TPS), --events of them. The file is those events written once by the
    streamhost binary (examples/nexmark/make-dataset.sh) and kept under
    .build/nexmark-bench/ for later runs.

The measures (Nexmark's: "Cores * Time"):
  - events/s: all events (people, auctions, bids) over the run's time.
    streamhost: the process's wall time, start to exit. Flink: from the
    INSERT's submission to its end (the JVM's start, printed apart, is
    not in it).
  - cores: CPU time over that time (streamhost: the process's user + system
    time; Flink: the JVM's, read from /proc over the job) -- Nexmark's
    "Cores", measured, not the parallelism.
  - events/s/core: events / (cores x seconds) = events per CPU second;
    what Nexmark's README lists as Throughput/Cores.
  - peak RSS: the process's (streamhost) or the JVM's (Flink) high-water
    mark.

A query streamhost does not plan yet is not run: the table says
`not planned yet: <error>` (from `streamhost sql --explain`). A run that
fails or exceeds --timeout is reported as failed with its error; the other
runs go on. The scripts streamhost ran are kept in
.build/nexmark-bench/scripts/ (errors point at their lines).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "examples", "nexmark"))
from side_by_side import ChildFailed, high_water_kib, run_child_usage  # noqa: E402
from flink_expected import QUERIES, nexmark_dir, read_sql, replace_with_clause, statements  # noqa: E402

DEFAULT_CACHE = os.path.join(ROOT, ".build", "nexmark-bench")
SEED = 42  # the nexmark source's default, and the committed dataset's
# Nexmark's harness: 10M events per second of event time (its TPS), people,
# auctions and bids in the proportions 1:3:46.
DEFAULT_RATE = 10_000_000
PROPORTIONS = {"person.proportion": "1", "auction.proportion": "3", "bid.proportion": "46"}
SETUPS = ["streamhost/gen", "streamhost/file", "flink/file"]
# Published events/s per core. Flink: nexmark/nexmark's README, "Benchmark
# Results" (Flink 1.13, 8 TaskManagers of 1 slot, 100M events, Throughput/
# Cores). DBSP: the figures issue 16 quotes for q0, q5 and q7.
PUBLISHED_FLINK = {
    "q0": 155.02e3, "q1": 157.94e3, "q2": 175.21e3, "q3": 152.12e3, "q5": 22.14e3, "q7": 12.33e3,
    "q8": 146.14e3, "q11": 39.7e3, "q12": 75.67e3, "q14": 161.23e3, "q21": 98.49e3, "q22": 129.96e3,
}
PUBLISHED_DBSP = {"q0": 573e3, "q5": 572e3, "q7": 318e3}
CREATE_COUNT_CHAR = re.compile(r"CREATE\s+FUNCTION\s+count_char\b", re.IGNORECASE)

# q14's count_char for streamhost: a native function with the rule of
# Nexmark's Java class, in a library whose descriptor exports it with its
# C signature (the SQL planner takes the types from there).
COUNT_CHAR_SOURCE = os.path.join(ROOT, "examples", "nexmark", "count_char.c")
COUNT_CHAR_SYMBOL = "nexmark_count_char"

# The same rule as a Flink scalar function under the class name q14.sql
# declares, so that Flink runs q14's text unchanged.
COUNT_CHAR_JAVA = """
package com.github.nexmark.flink.udf;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.ScalarFunction;

/** Occurrences in the text of the first byte of the second argument (UTF-8 bytes). */
public class CountChar extends ScalarFunction {
    public long eval(@DataTypeHint("STRING") StringData text, @DataTypeHint("STRING") StringData character) {
        if (text == null) {
            return 0;
        }
        byte wanted = character.toBytes()[0];
        long count = 0;
        for (byte b : text.toBytes()) {
            if (b == wanted) {
                count++;
            }
        }
        return count;
    }
}
"""


# ------------------------------------------------------------------ the SQL

def generator_table(folder, options):
    """ddl_gen.sql's CREATE TABLE with its WITH clause replaced."""
    return replace_with_clause(statements(read_sql(folder, "ddl_gen.sql"))[0], options)


def query_statements(folder, query, count_char):
    """qN.sql's statements; q14's CREATE FUNCTION replaced by `count_char`
    (a statement), or kept when count_char is None."""
    result = []
    for statement in statements(read_sql(folder, f"{query}.sql")):
        if count_char is not None and CREATE_COUNT_CHAR.match(statement):
            statement = count_char
        result.append(statement)
    return result


def streamhost_script(folder, query, source, parallelism, events, rate, dataset, count_char_library):
    """The script `streamhost sql` runs: Nexmark's DDL, views and query."""
    if source == "gen":
        options = dict({"connector": "nexmark", "first-event.rate": str(rate), "next-event.rate": str(rate),
                        "events.num": str(events)}, **PROPORTIONS)
    else:
        options = {"connector": "filesystem", "path": dataset, "format": "json"}
    count_char = f"CREATE FUNCTION count_char AS '{COUNT_CHAR_SYMBOL}' LANGUAGE C USING LIBRARY '{count_char_library}'"
    parts = [f"SET 'parallelism.default' = '{parallelism}'", generator_table(folder, options)]
    parts += statements(read_sql(folder, "ddl_views.sql"))
    parts += query_statements(folder, query, count_char)
    return ";\n\n".join(parts) + ";\n"


# ---------------------------------------------------------------- streamhost

def first_error_line(text):
    """The line of a failed command's output that says what failed."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if "error" in line.lower():
            return line
    return lines[-1] if lines else "(no output)"


def write_script(args, query, source, parallelism):
    folder = os.path.join(args.cache, "scripts")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{query}-{source}-p{parallelism}.sql")
    with open(path, "w", encoding="utf-8") as f:
        f.write(streamhost_script(args.nexmark_dir, query, source, parallelism, args.events, args.rate,
                                  args.dataset, args.count_char_library))
    return path


def plan_error(args, script):
    """None when `streamhost sql --explain` plans the script, else its error."""
    with tempfile.TemporaryDirectory() as work:
        try:
            run_child_usage([args.streamhost, "sql", script, "--explain", "--data-dir", os.path.join(work, "data")],
                            work, args.timeout)
        except ChildFailed as failure:
            return first_error_line(failure.text)
    return None


def rejected_records(text):
    """Records the run's summary says went to the dead letters."""
    return sum(int(n) for n in re.findall(r"(\d+) rejected", text))


def run_streamhost(args, script):
    with tempfile.TemporaryDirectory() as work:
        seconds, usage, rss, text = run_child_usage(
            [args.streamhost, "sql", script, "--no-progress", "--data-dir", os.path.join(work, "data")],
            work, args.timeout)
    rejected = rejected_records(text)
    if rejected:
        # Throughput of records that were thrown away is no figure.
        raise ChildFailed(f"{rejected} records went to the dead letters:\n{text[-2000:]}", text)
    # Each source step (a table read twice is read by two) must have read
    # every event: the figures divide by --events.
    emitted = [int(n) for n in re.findall(r"\(source [\w-]+\): (\d+) out", text)]
    if not emitted or any(n != args.events for n in emitted):
        raise ChildFailed(f"the source steps emitted {emitted or 'nothing the summary shows'}, not {args.events} events each:\n"
                          f"{text[-2000:]}", text)
    cpu = usage.ru_utime + usage.ru_stime
    return {"seconds": seconds, "cpu_seconds": cpu, "rss_mib": rss, "start_s": None}


def write_dataset(args):
    """The events as JSON lines, written once (make-dataset.sh) and kept."""
    if os.path.exists(args.dataset):
        # The figures divide by --events: a file of another size would skew them.
        with open(args.dataset, "rb") as f:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))
        if lines != args.events:
            sys.exit(f"error: {args.dataset} holds {lines} events, not --events {args.events}; delete it or pass another --dataset")
        print(f"dataset: {args.dataset} (kept from an earlier run; delete it to write it again)", flush=True)
        return
    os.makedirs(os.path.dirname(args.dataset), exist_ok=True)
    partial = args.dataset + ".partial"
    started = time.monotonic()
    environment = dict(os.environ, STREAMHOST=args.streamhost)
    result = subprocess.run([os.path.join(ROOT, "examples", "nexmark", "make-dataset.sh"), partial,
                             str(args.events), str(args.rate)], env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"error: make-dataset.sh failed ({result.returncode}):\n{result.stderr[-2000:]}")
    os.replace(partial, args.dataset)
    sha = result.stdout.split()[0] if result.stdout.split() else "?"
    print(f"dataset: {args.dataset}, {args.events} events, {os.path.getsize(args.dataset) / 1e9:.2f} GB,"
          f" sha256 {sha}, written in {time.monotonic() - started:.0f} s", flush=True)


def count_char_library(args):
    """streamhost's count_char: --count-char-library, else built here from
    examples/nexmark/count_char.c; None when there is neither."""
    if args.count_char_library:
        return os.path.abspath(args.count_char_library)
    if not os.path.exists(COUNT_CHAR_SOURCE):
        return None
    os.makedirs(args.cache, exist_ok=True)
    library = os.path.join(args.cache, "libnexmark_count_char.so")
    result = subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-std=c11", "-Wall", "-Werror",
                             "-I", os.path.join(ROOT, "SDK", "include"), "-o", library, COUNT_CHAR_SOURCE],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"error: cc could not build {library} from {COUNT_CHAR_SOURCE}:\n{result.stderr}")
    return library


# --------------------------------------------------------------------- Flink

def jvm_children():
    """Pids of this process's children (PyFlink's JVM is one)."""
    me = str(os.getpid())
    children = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[1] == me:
                    children.append(pid)
        except OSError:
            pass
    return children


def cpu_seconds(pids):
    """User + system CPU time of these processes so far."""
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pids):
    return max((high_water_kib(pid) for pid in pids), default=0) / 1024.0


def flink_driver(argv):
    """Runs in PyFlink's Python: one query over the file, then one RESULT line."""
    query, dataset, parallelism, udf_jar, folder = argv[0], argv[1], int(argv[2]), argv[3], argv[4]
    start = time.monotonic()
    from pyflink.table import EnvironmentSettings, TableEnvironment
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    config = env.get_config()
    config.set("parallelism.default", str(parallelism))
    config.set("pipeline.object-reuse", "true")
    config.set("table.local-time-zone", "UTC")
    if udf_jar != "-":
        config.set("pipeline.jars", "file://" + udf_jar)
    jvm_start = time.monotonic() - start
    env.execute_sql(generator_table(folder, {"connector": "filesystem", "path": dataset, "format": "json"}))
    for view in statements(read_sql(folder, "ddl_views.sql")):
        env.execute_sql(view)
    insert = None
    for statement in query_statements(folder, query, None):
        if re.match(r"INSERT\s+INTO\b", statement, re.IGNORECASE):
            insert = statement
        else:
            env.execute_sql(statement)
    if insert is None:
        sys.exit(f"error: {query}.sql has no INSERT INTO")
    jvms = jvm_children()
    cpu_before = cpu_seconds(jvms)
    job_start = time.monotonic()
    env.execute_sql(insert).wait()
    job_seconds = time.monotonic() - job_start
    cpu = cpu_seconds(jvms) - cpu_before
    print(f"RESULT {jvm_start:.3f} {job_seconds:.3f} {cpu:.3f} {peak_rss_mib(jvms):.1f}", flush=True)


def count_char_jar(args):
    """Nexmark's CountChar class (the same rule), built against PyFlink's jars."""
    jar = os.path.join(args.cache, "nexmark-count-char.jar")
    if os.path.exists(jar):
        return jar
    if not shutil.which("javac"):
        return None
    lib = subprocess.run([args.flink_python, "-c", "import os, pyflink; print(os.path.join(os.path.dirname(pyflink.__file__), 'lib'))"],
                         capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as work:
        source_dir = os.path.join(work, "com", "github", "nexmark", "flink", "udf")
        os.makedirs(source_dir)
        with open(os.path.join(source_dir, "CountChar.java"), "w") as f:
            f.write(COUNT_CHAR_JAVA)
        classes = os.path.join(work, "classes")
        subprocess.run(["javac", "-nowarn", "-cp", os.path.join(lib, "*"), "-d", classes,
                        os.path.join(source_dir, "CountChar.java")], check=True, capture_output=True)
        os.makedirs(args.cache, exist_ok=True)
        with zipfile.ZipFile(jar + ".partial", "w") as archive:
            for folder, _, files in os.walk(classes):
                for name in files:
                    path = os.path.join(folder, name)
                    archive.write(path, os.path.relpath(path, classes))
        os.replace(jar + ".partial", jar)
    return jar


def run_flink(args, query, parallelism, udf_jar):
    with tempfile.TemporaryDirectory() as work:
        _, _, _, text = run_child_usage([args.flink_python, os.path.abspath(__file__), "--flink-driver", query,
                                      args.dataset, str(parallelism), udf_jar or "-", args.nexmark_dir],
                                     work, args.timeout)
    line = [l for l in text.splitlines() if l.startswith("RESULT ")]
    if not line:
        raise ChildFailed("the Flink driver printed no RESULT line:\n" + text[-2000:], text)
    jvm_start, seconds, cpu, rss = map(float, line[-1].split()[1:])
    return {"seconds": seconds, "cpu_seconds": cpu, "rss_mib": rss, "start_s": jvm_start}


# -------------------------------------------------------------------- report

def per_core(events, run):
    return events / run["cpu_seconds"] if run["cpu_seconds"] > 0 else float("nan")


def thousands(value):
    return f"{value / 1e3:,.1f} K" if value == value else "n/a"


def rate_text(value):
    """Events/s: in M from a million on, else in K."""
    return f"{value / 1e6:.2f} M" if value >= 1e6 else thousands(value)


def summarize(events, runs):
    """Medians of one setup's runs."""
    return {
        "events_per_s": statistics.median(events / r["seconds"] for r in runs),
        "cores": statistics.median(r["cpu_seconds"] / r["seconds"] for r in runs),
        "events_per_s_per_core": statistics.median(per_core(events, r) for r in runs),
        "rss_mib": statistics.median(r["rss_mib"] for r in runs),
        "runs": runs,
    }


def short_error(error):
    """An error without the script's folder: `q3-file-p1.sql:96:5: ...`."""
    return re.sub(r"(error: )?/\S*/(q\d+-\w+-p\d+\.sql:)", r"\2", error)


class Notes:
    """The errors under the table, numbered once each: a cell says
    `not planned yet [n]` and the note its message."""

    def __init__(self):
        self.numbers, self.lines = {}, []

    def cell(self, error):
        kind, _, message = short_error(error).partition(": ")
        # The same message from another script is the same note.
        key = (kind, re.sub(r"^q\d+-\w+-p\d+\.sql:\d+:\d+: ", "", message))
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
            self.lines.append(f"[{self.numbers[key]}] {kind}: {message}")
        return f"{kind} [{self.numbers[key]}]"


def cell(entry, key, render, notes):
    if entry is None:
        return "not run"
    if "error" in entry:
        return notes.cell(entry["error"]).replace("|", "\\|")
    return render(entry[key])


def print_tables(args, results):
    setups = [s for s in SETUPS if s in args.setups]
    notes = Notes()
    print("\nevents/s per core, medians (events / (cores x seconds); cores measured, not the parallelism):\n")
    header = ["query", "p"] + setups
    if "streamhost/file" in setups and "flink/file" in setups:
        header.append("streamhost/file : flink/file")
    header += ["Flink published", "DBSP published"]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|")
    for query in args.queries:
        for parallelism in args.parallelism:
            entries = {s: results.get((query, parallelism, s)) for s in setups}
            row = [query, str(parallelism)] + [cell(entries[s], "events_per_s_per_core", thousands, notes) for s in setups]
            if "streamhost/file : flink/file" in header:
                a, b = entries["streamhost/file"], entries["flink/file"]
                ok = a and b and "error" not in a and "error" not in b
                row.append(f"{a['events_per_s_per_core'] / b['events_per_s_per_core']:.2f}x" if ok else "-")
            row += [thousands(PUBLISHED_FLINK[query]) if query in PUBLISHED_FLINK else "-",
                    thousands(PUBLISHED_DBSP[query]) if query in PUBLISHED_DBSP else "-"]
            print("| " + " | ".join(row) + " |")
    if notes.lines:
        print()
        for line in notes.lines:
            print(line)
    print("\nevents/s, cores used and peak RSS, medians:\n")
    print("| query | p | setup | events/s | cores | peak RSS |")
    print("|---|---|---|---:|---:|---:|")
    for query in args.queries:
        for parallelism in args.parallelism:
            for setup in setups:
                entry = results.get((query, parallelism, setup))
                if entry is None or "error" in entry:
                    continue
                print(f"| {query} | {parallelism} | {setup} | {rate_text(entry['events_per_s'])}"
                      f" | {entry['cores']:.2f} | {entry['rss_mib']:,.0f} MiB |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000_000, help="events per run (default 10M)")
    parser.add_argument("--rate", type=int, default=DEFAULT_RATE,
                        help="first-event.rate: events per second of event time (default 10M, the harness's TPS)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--parallelism", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--queries", nargs="+", default=QUERIES, choices=QUERIES)
    parser.add_argument("--setups", nargs="+", default=SETUPS, choices=SETUPS)
    parser.add_argument("--streamhost", default=os.path.join(ROOT, ".build", "release", "streamhost"))
    parser.add_argument("--flink-python", default=os.path.join(ROOT, ".build", "flink-venv", "bin", "python"))
    parser.add_argument("--cache", default=DEFAULT_CACHE,
                        help="where the dataset, the scripts and q14's functions are kept (default .build/nexmark-bench)")
    parser.add_argument("--dataset", help="the JSON-lines events (default CACHE/nexmark-EVENTS-RATE.jsonl)")
    parser.add_argument("--count-char-library", help="a shared library exporting q14's count_char for streamhost")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a run may take (default 1800)")
    parser.add_argument("--json", help="also write the results here as JSON")
    args = parser.parse_args()
    args.streamhost = os.path.abspath(args.streamhost)
    args.nexmark_dir = nexmark_dir()
    args.cache = os.path.abspath(args.cache)
    args.dataset = os.path.abspath(args.dataset or os.path.join(args.cache, f"nexmark-{args.events}-{args.rate}.jsonl"))
    engines = {setup.split("/")[0] for setup in args.setups}
    if not os.path.exists(os.path.join(args.nexmark_dir, "q0.sql")):
        sys.exit(f"error: no Nexmark SQL at {args.nexmark_dir}; set STREAMHOST_NEXMARK_DIR")
    if not os.access(args.streamhost, os.X_OK):
        sys.exit(f"error: no streamhost binary at {args.streamhost}; build it or pass --streamhost")
    if "flink" in engines and not os.access(args.flink_python, os.X_OK):
        sys.exit(f"error: no PyFlink Python at {args.flink_python}; run Benchmarks/flink/run.sh nexmark,"
                 " pass --flink-python, or leave flink/file out of --setups")

    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; streamhost {args.streamhost};"
          f" events {args.events}, first-event.rate {args.rate}, seed {SEED}; repeats {args.repeats}", flush=True)
    if any(setup.endswith("/file") for setup in args.setups):
        write_dataset(args)
    args.count_char_library = count_char_library(args) if "q14" in args.queries and "streamhost" in engines else None
    udf_jar = count_char_jar(args) if "q14" in args.queries and "flink" in engines else None

    results = {}
    runs = {}
    for query in args.queries:
        for parallelism in args.parallelism:
            scripts = {}
            for setup in args.setups:
                if setup.startswith("streamhost/") and query == "q14" and args.count_char_library is None:
                    results[(query, parallelism, setup)] = {
                        "error": f"not run: no {os.path.relpath(COUNT_CHAR_SOURCE, ROOT)} to build count_char from,"
                                 " and no --count-char-library"}
                elif setup.startswith("streamhost/"):
                    script = write_script(args, query, setup.split("/")[1], parallelism)
                    error = plan_error(args, script)
                    if error:
                        results[(query, parallelism, setup)] = {"error": f"not planned yet: {error}"}
                        print(f"{query:3} p{parallelism} {setup:15} not planned yet: {error}", flush=True)
                    else:
                        scripts[setup] = script
                elif query == "q14" and udf_jar is None:
                    results[(query, parallelism, setup)] = {"error": "not run: no javac to build CountChar"}
            for repeat in range(args.repeats):
                for setup in args.setups:
                    key = (query, parallelism, setup)
                    if key in results:
                        continue
                    try:
                        if setup == "flink/file":
                            run = run_flink(args, query, parallelism, udf_jar if query == "q14" else None)
                        else:
                            run = run_streamhost(args, scripts[setup])
                    except ChildFailed as failure:
                        message = f"failed: {first_error_line(str(failure))}"
                        results[key] = {"error": message}
                        print(f"{query:3} p{parallelism} {setup:15} run {repeat + 1}: {failure}", flush=True)
                        continue
                    runs.setdefault(key, []).append(run)
                    start = f", JVM start {run['start_s']:.1f} s" if run["start_s"] is not None else ""
                    print(f"{query:3} p{parallelism} {setup:15} run {repeat + 1}: {rate_text(args.events / run['seconds'])} events/s"
                          f" ({run['seconds']:.2f} s, {run['cpu_seconds'] / run['seconds']:.2f} cores),"
                          f" {thousands(per_core(args.events, run))} events/s/core, peak RSS {run['rss_mib']:,.0f} MiB{start};"
                          f" load {os.getloadavg()[0]:.2f}", flush=True)
            for setup in args.setups:
                key = (query, parallelism, setup)
                if key not in results and key in runs:
                    results[key] = summarize(args.events, runs[key])
    print_tables(args, results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"events": args.events, "rate": args.rate, "repeats": args.repeats, "streamhost": args.streamhost,
                       "results": [dict(query=q, parallelism=p, setup=s, **entry) for (q, p, s), entry in results.items()]},
                      f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--flink-driver":
        flink_driver(sys.argv[2:])
    else:
        sys.exit(main())
