#!/usr/bin/env python3
"""Flink's answers to the Nexmark queries over one fixed dataset.

Reads a JSON-lines Nexmark dataset (make-dataset.sh writes it with the
`nexmark` source) through Flink's filesystem connector and `json` format,
defines Nexmark's generator table and views (ddl_gen.sql with only its
connector clause replaced, ddl_views.sql unchanged), runs each query's text
on PyFlink and writes each query's rows as sorted JSON lines:

    flink_expected.py --dataset nexmark-100k.jsonl --out expected/ [--queries q0,q5]

The SQL comes from the Nexmark folder (STREAMHOST_NEXMARK_DIR, default
../shared/nexmark beside the repository), never copied into the repository.
Each query file is executed as written except:
  - its INSERT INTO nexmark_qN SELECT ... runs as the SELECT, collected
    here, each column cast to the sink table's column type in order (what
    the INSERT does) and named as the sink's column: the sink's own
    connector (blackhole) is not used;
  - q14's CREATE FUNCTION count_char (a Java class) is a Python UDF with
    the same rule (occurrences of the second argument's first character);
  - q12 windows by processing time, so its windows differ run to run; its
    file holds each bidder's bid_count summed over its windows. Its source
    keeps watching the file ('source.monitor-interval'), so that the
    windows close by the clock, and the collection stops once they have
    counted every bid of the dataset.

Output: <out>/<query>.jsonl, one JSON object per row, the sink's columns in
order: BIGINT as integers, DECIMAL as numbers with exactly their scale's
digits, TIMESTAMP(3) as "YYYY-MM-DD HH:MM:SS.mmm", VARCHAR as strings,
NULL as null; lines sorted bytewise. Run by run_flink_expected.sh, which
installs PyFlink (not run in CI: it needs the network and minutes).
"""
import argparse
import datetime
import decimal
import json
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# How long q12 may take to see every bid in its windows.
Q12_SECONDS_MAX = 600
QUERIES = ["q0", "q1", "q2", "q3", "q5", "q7", "q8", "q11", "q12", "q14", "q20", "q21", "q22"]
# The placeholders the Nexmark runner substitutes (QueryRunner); the rates
# and counts only matter inside the generator's WITH clause, replaced here.
SUBSTITUTIONS = {
    "${NEXMARK_TABLE}": "datagen", "${TPS}": "1000", "${EVENTS_NUM}": "100000", "${PERSON_PROPORTION}": "1",
    "${AUCTION_PROPORTION}": "3", "${BID_PROPORTION}": "46",
}


def nexmark_dir():
    path = os.environ.get("STREAMHOST_NEXMARK_DIR") or os.path.join(ROOT, "..", "shared", "nexmark")
    return os.path.normpath(path)


def read_sql(folder, name):
    path = os.path.join(folder, name)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as error:
        sys.exit(f"error: cannot read {path}: {error.strerror}; set STREAMHOST_NEXMARK_DIR to the Nexmark SQL folder")
    for placeholder, value in SUBSTITUTIONS.items():
        text = text.replace(placeholder, value)
    return text


def strip_comments(text):
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def statements(text):
    """The script's statements (split at semicolons outside quotes)."""
    result, current, quote = [], [], None
    for char in strip_comments(text):
        if quote:
            if char == quote:
                quote = None
        elif char in "'`\"":
            quote = char
        elif char == ";":
            if "".join(current).strip():
                result.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if "".join(current).strip():
        result.append("".join(current).strip())
    return result


def replace_with_clause(statement, options):
    """The CREATE TABLE statement with its WITH (...) options replaced."""
    match = re.search(r"\)\s*WITH\s*\(", statement, re.IGNORECASE)
    if not match:
        sys.exit(f"error: no WITH clause in: {statement[:80]}...")
    depth, index = 1, match.end()
    while depth:
        if index >= len(statement):
            sys.exit(f"error: unbalanced WITH clause in: {statement[:80]}...")
        depth += {"(": 1, ")": -1}.get(statement[index], 0)
        index += 1
    body = ",\n  ".join(f"'{key}' = '{value}'" for key, value in options.items())
    return statement[:match.end()] + "\n  " + body + "\n" + statement[index - 1:]


def text_of(value):
    """One value as canonical JSON text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime.datetime):
        return '"' + value.strftime("%Y-%m-%d %H:%M:%S") + f".{value.microsecond // 1000:03d}" + '"'
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"no JSON text for {type(value).__name__} {value!r}")


def line_of(names, values):
    return "{" + ",".join(json.dumps(name) + ":" + text_of(value) for name, value in zip(names, values)) + "}"


def count_bids(dataset):
    with open(dataset, encoding="utf-8") as f:
        return sum(1 for line in f if line.startswith('{"event_type":2,'))


def describe(t_env, name):
    """(column name, SQL type text) of a table or view, in order."""
    with t_env.execute_sql(f"DESCRIBE `{name}`").collect() as rows:
        # The sink's types are plain; a time attribute's mark is not a type.
        return [(row[0], re.sub(r"\s*\*(ROWTIME|PROCTIME)\*", "", row[1])) for row in rows]


def run_query(t_env, folder, query, count_char, stop_after_bids=None):
    from pyflink.common import RowKind

    insert = None
    for statement in statements(read_sql(folder, f"{query}.sql")):
        if re.match(r"CREATE\s+FUNCTION\s+count_char\b", statement, re.IGNORECASE):
            t_env.create_temporary_system_function("count_char", count_char)
        elif re.match(r"INSERT\s+INTO\b", statement, re.IGNORECASE):
            insert = statement
        else:
            t_env.execute_sql(statement)
    match = re.match(r"INSERT\s+INTO\s+(`?\w+`?)\s+(.*)$", insert or "", re.IGNORECASE | re.DOTALL)
    if not match:
        sys.exit(f"error: {query}.sql has no INSERT INTO ... SELECT")
    sink, select = match.group(1).strip("`"), match.group(2)
    sink_columns = describe(t_env, sink)
    t_env.create_temporary_view(f"{query}_selected", t_env.sql_query(select))
    columns = [name for name, _ in describe(t_env, f"{query}_selected")]
    if len(columns) != len(sink_columns):
        sys.exit(f"error: {query}: the SELECT has {len(columns)} columns, the sink {sink} {len(sink_columns)}")
    names = [name for name, _ in sink_columns]
    casts = ", ".join(f"CAST(`{column}` AS {kind}) AS `{name}`" for column, (name, kind) in zip(columns, sink_columns))
    result = t_env.sql_query(f"SELECT {casts} FROM `{query}_selected`")
    rows = []
    counted = 0
    started = time.monotonic()
    with result.execute().collect() as results:
        for row in results:
            if row.get_row_kind() != RowKind.INSERT:
                sys.exit(f"error: {query} produced a {row.get_row_kind()} row; only append-only queries are expected")
            rows.append(list(row))
            if stop_after_bids is not None:
                # q12 reads the file as a stream that never ends (its
                # windows close by the clock): stop once every bid is in.
                counted += row[1]
                if counted >= stop_after_bids:
                    break
                if time.monotonic() - started > Q12_SECONDS_MAX:
                    sys.exit(f"error: q12 counted {counted} of {stop_after_bids} bids in {Q12_SECONDS_MAX} s")
    if query == "q12":
        # Processing-time windows: per bidder, bid_count summed over them.
        if counted != stop_after_bids:
            sys.exit(f"error: q12's windows counted {counted} bids; the dataset has {stop_after_bids}")
        totals = {}
        for row in rows:
            totals[row[0]] = totals.get(row[0], 0) + row[1]
        names, rows = ["bidder", "bid_count"], [[bidder, total] for bidder, total in totals.items()]
    return sorted(line_of(names, row) for row in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", required=True, help="the JSON-lines Nexmark dataset")
    parser.add_argument("--out", required=True, help="folder for <query>.jsonl")
    parser.add_argument("--queries", default=",".join(QUERIES), help="comma-separated, default all supported")
    parser.add_argument("--parallelism", type=int, default=1)
    args = parser.parse_args()
    queries = [q.strip() for q in args.queries.split(",") if q.strip()]
    unknown = [q for q in queries if q not in QUERIES]
    if unknown:
        sys.exit(f"error: unsupported queries {', '.join(unknown)}; supported: {', '.join(QUERIES)}")
    dataset = os.path.abspath(args.dataset)
    if not os.path.isfile(dataset):
        sys.exit(f"error: no dataset at {dataset}; write it with examples/nexmark/make-dataset.sh")
    folder = nexmark_dir()
    os.makedirs(args.out, exist_ok=True)

    from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
    from pyflink.table.udf import udf

    @udf(result_type=DataTypes.BIGINT())
    def count_char(text, character):
        # com.github.nexmark.flink.udf.CountChar: bytes equal to the first
        # byte of `character` (the texts here are ASCII).
        return 0 if text is None else text.count(character[0])

    source_options = {"connector": "filesystem", "path": dataset, "format": "json"}
    generator = replace_with_clause(statements(read_sql(folder, "ddl_gen.sql"))[0], source_options)
    views = statements(read_sql(folder, "ddl_views.sql"))
    for query in queries:
        started = time.monotonic()
        # A fresh environment per query: each file creates its own tables.
        t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
        config = t_env.get_config()
        config.set("parallelism.default", str(args.parallelism))
        config.set("table.local-time-zone", "UTC")
        # q14's Python UDF runs in a worker started with this interpreter.
        config.set("python.executable", sys.executable)
        config.set("python.client.executable", sys.executable)
        if query == "q12":
            # A file source that keeps watching the path never ends, so the
            # processing-time windows close by the clock, not at the end of
            # the input (where Flink need not fire them).
            t_env.execute_sql(replace_with_clause(generator, dict(source_options, **{"source.monitor-interval": "1s"})))
            bids = count_bids(dataset)
        else:
            t_env.execute_sql(generator)
            bids = None
        for view in views:
            t_env.execute_sql(view)
        lines = run_query(t_env, folder, query, count_char, bids)
        with open(os.path.join(args.out, f"{query}.jsonl"), "w", encoding="utf-8") as f:
            f.writelines(line + "\n" for line in lines)
        print(f"{query}: {len(lines)} rows in {time.monotonic() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
