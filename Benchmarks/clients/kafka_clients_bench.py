#!/usr/bin/env python3
"""Real-client figures for `streamhost serve` (Benchmark 12b, docs/BENCHMARKS.md).

Drives a running server with confluent-kafka (librdkafka) from
.build/kafka-venv (scripts/kafka-clients.sh) and prints what it measured:

- producer throughput: N records of 100-byte values, large batches and
  linger, acks=1 and acks=all, into a fresh topic per run (flush.mode given
  per topic); timed from the first produce() to flush() returning; the
  topic's high watermark is checked to equal N (+1 warm-up record sent and
  flushed before the clock starts, so connecting is not timed) afterwards;
- end-to-end latency: a producer process paces records at a target rate,
  each value starting with its CLOCK_MONOTONIC produce time in ns; a
  consumer process (long polling: fetch.wait.max.ms) takes the difference
  on receipt; p50/p99/max over the records after a warm-up second;
- kcat (only with `--only kcat`; librdkafka from C, not bound by Python): N
  lines of 100- or 1000-byte values produced with `kcat -P` (same batch
  settings, acks=1 and acks=all, flush.mode never and every-append), timed
  from start to kcat's exit (it flushes before exiting; connecting is
  inside the time), then read back with `kcat -C -e` to /dev/null, timed
  the same way; the high watermark is checked after each produce;
- the server's resident memory (VmRSS of --server-pid) when given.

Every figure is printed with the load average around it. Medians over
--repetitions runs. It never judges a figure.

  .build/kafka-venv/bin/python Benchmarks/clients/kafka_clients_bench.py \
      --bootstrap 127.0.0.1:19092 --server-pid PID [--repetitions 3]
"""
import argparse
import multiprocessing as mp
import os
import statistics
import struct
import subprocess
import tempfile
import time
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

VALUE_BYTES = 100


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def create_topic(bootstrap, flush_mode):
    name = f"bench-{uuid.uuid4().hex[:12]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1,
                                            config={"flush.mode": flush_mode})])
    futures[name].result(30)
    return name


def delete_topic(bootstrap, name):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.delete_topics([name])[name].result(30)


def high_watermark(bootstrap, topic):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-watermark",
                         "enable.auto.commit": False})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=30)[1]
    finally:
        consumer.close()


def producer_throughput(bootstrap, acks, flush_mode, records):
    topic = create_topic(bootstrap, flush_mode)
    producer = Producer({
        "bootstrap.servers": bootstrap, "acks": acks, "linger.ms": 20,
        "batch.size": 1_000_000, "batch.num.messages": 100_000,
        "queue.buffering.max.messages": 2_000_000, "queue.buffering.max.kbytes": 1_048_576,
        "compression.type": "none", "enable.idempotence": False,
    })
    value = bytes(range(VALUE_BYTES))
    # Connect and fetch metadata before the clock starts: one record, flushed.
    producer.produce(topic, value)
    if producer.flush(30):
        raise RuntimeError("the warm-up record was not delivered")
    cpu0 = time.process_time()
    start = time.monotonic()
    produce = producer.produce
    for _ in range(records):
        try:
            produce(topic, value)
        except BufferError:
            producer.poll(0.01)
            produce(topic, value)
    remaining = producer.flush(120)
    seconds = time.monotonic() - start
    cpu = time.process_time() - cpu0
    if remaining:
        raise RuntimeError(f"{remaining} records still queued after flush")
    end = high_watermark(bootstrap, topic)
    if end != records + 1:
        raise RuntimeError(f"topic {topic} holds {end} records, expected {records} + 1 warm-up record")
    delete_topic(bootstrap, topic)
    return seconds, cpu


KCAT_PRODUCER = ["-X", "linger.ms=20", "-X", "batch.size=1000000", "-X", "batch.num.messages=100000",
                 "-X", "queue.buffering.max.messages=2000000", "-X", "queue.buffering.max.kbytes=1048576",
                 "-X", "compression.type=none", "-X", "enable.idempotence=false"]


def kcat_run(bootstrap, acks, flush_mode, records, value_bytes, lines):
    """Produces `lines` (a file of `records` values) with kcat, then reads
    them back; returns (produce seconds, consume seconds)."""
    topic = create_topic(bootstrap, flush_mode)
    with open(lines, "rb") as source:
        start = time.monotonic()
        subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-p", "0", "-X", f"acks={acks}"] + KCAT_PRODUCER,
                       stdin=source, check=True)
        produce_seconds = time.monotonic() - start
    end = high_watermark(bootstrap, topic)
    if end != records:
        raise RuntimeError(f"topic {topic} holds {end} records, expected {records}")
    start = time.monotonic()
    with open(os.devnull, "wb") as sink:
        subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q",
                        "-X", "fetch.max.bytes=52428800", "-X", "max.partition.fetch.bytes=1048576"],
                       stdout=sink, check=True)
    consume_seconds = time.monotonic() - start
    delete_topic(bootstrap, topic)
    return produce_seconds, consume_seconds


def kcat_figures(bootstrap, records, repetitions):
    if records % 1000:
        raise SystemExit("--records must be a multiple of 1000 for --only kcat")
    for value_bytes in (100, 1000):
        with tempfile.NamedTemporaryFile(prefix="kcat-bench-", suffix=".txt") as lines:
            line = b"x" * value_bytes + b"\n"
            for _ in range(records // 1000):
                lines.write(line * 1000)
            lines.flush()
            for acks, flush_mode in [("1", "never"), ("all", "never"), ("1", "every-append")]:
                runs = []
                for _ in range(repetitions):
                    produce, consume = kcat_run(bootstrap, acks, flush_mode, records, value_bytes, lines.name)
                    runs.append((produce, consume, load()))
                    print(f"  run kcat value={value_bytes}B acks={acks} flush.mode={flush_mode}: produce "
                          f"{records / produce:,.0f} records/s ({records * value_bytes / produce / 1e6:.1f} MB/s), "
                          f"consume {records / consume:,.0f} records/s ({records * value_bytes / consume / 1e6:.1f} MB/s); "
                          f"load {runs[-1][2]}", flush=True)
                produce = statistics.median(r[0] for r in runs)
                consume = statistics.median(r[1] for r in runs)
                print(f"kcat value={value_bytes}B acks={acks} flush.mode={flush_mode} records={records:,}: median produce "
                      f"{records / produce:,.0f} records/s ({records * value_bytes / produce / 1e6:.1f} MB/s of values), "
                      f"median consume {records / consume:,.0f} records/s "
                      f"({records * value_bytes / consume / 1e6:.1f} MB/s); loads " + " | ".join(r[2] for r in runs),
                      flush=True)


def consumer_process(bootstrap, topic, start_offset, expected, ready, out):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-latency",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 100, "fetch.min.bytes": 1,
                         "fetch.error.backoff.ms": 0})
    consumer.assign([TopicPartition(topic, 0, start_offset)])
    consumer.poll(1.0)  # connects and starts fetching
    ready.set()
    latencies = []
    deadline = time.monotonic() + 120
    unpack = struct.unpack_from
    while len(latencies) < expected and time.monotonic() < deadline:
        # poll() returns as soon as a record is there (consume() of a batch
        # would wait for the whole batch or its timeout).
        message = consumer.poll(0.1)
        if message is None:
            continue
        if message.error():
            raise RuntimeError(str(message.error()))
        now = time.monotonic_ns()
        latencies.append(now - unpack(">q", message.value())[0])
    consumer.close()
    out.put(latencies)


def latency_run(bootstrap, rate, seconds, acks, linger_ms):
    topic = create_topic(bootstrap, "never")
    records = rate * seconds
    ready = mp.Event()
    out = mp.Queue()
    consumer = mp.Process(target=consumer_process, args=(bootstrap, topic, 0, records, ready, out))
    consumer.start()
    if not ready.wait(30):
        raise RuntimeError("the consumer did not start")
    producer = Producer({"bootstrap.servers": bootstrap, "acks": acks, "linger.ms": linger_ms,
                         "enable.idempotence": False, "queue.buffering.max.messages": 2_000_000})
    padding = bytes(VALUE_BYTES - 8)
    start = time.monotonic()
    sent = 0
    pack = struct.pack
    while sent < records:
        due = min(records, int((time.monotonic() - start) * rate) + 1)
        while sent < due:
            producer.produce(topic, pack(">q", time.monotonic_ns()) + padding)
            sent += 1
        producer.poll(0)
        if sent >= due:
            time.sleep(0.0002)
    producer.flush(60)
    achieved = records / (time.monotonic() - start)
    latencies = out.get(timeout=180)
    consumer.join(30)
    delete_topic(bootstrap, topic)
    if len(latencies) != records:
        raise RuntimeError(f"received {len(latencies)} of {records} records")
    measured = sorted(latencies[rate:])  # drop the first second (connection, warm-up)
    quantile = lambda q: measured[min(len(measured) - 1, int(q * len(measured)))] / 1e6
    return achieved, quantile(0.5), quantile(0.99), measured[-1] / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--records", type=int, default=2_000_000, help="records per throughput run")
    parser.add_argument("--latency-seconds", type=int, default=10)
    parser.add_argument("--rates", default="10000,100000")
    parser.add_argument("--latency-acks", default="1", choices=["1", "all"])
    parser.add_argument("--only", choices=["throughput", "latency", "kcat"])
    args = parser.parse_args()

    print(f"kafka_clients_bench  confluent-kafka {__import__('confluent_kafka').version()[0]}, "
          f"librdkafka {__import__('confluent_kafka').libversion()[0]}; cores {os.cpu_count()}; load {load()}")
    if args.server_pid:
        print(f"server rss (idle, before)  {rss_kib(args.server_pid) / 1024:.1f} MiB  load {load()}")

    if args.only in (None, "throughput"):
        for acks, flush_mode in [("1", "never"), ("all", "never"), ("1", "every-append")]:
            runs = []
            for _ in range(args.repetitions):
                seconds, cpu = producer_throughput(args.bootstrap, acks, flush_mode, args.records)
                runs.append((seconds, cpu, load()))
                print(f"  run producer acks={acks} flush.mode={flush_mode}: {args.records / seconds:,.0f} records/s, "
                      f"{args.records * VALUE_BYTES / seconds / 1e6:.1f} MB/s (values), client CPU {cpu:.2f} s "
                      f"in {seconds:.2f} s; load {runs[-1][2]}", flush=True)
            median = statistics.median(r[0] for r in runs)
            print(f"producer acks={acks} flush.mode={flush_mode} records={args.records:,} value={VALUE_BYTES}B "
                  f"linger.ms=20 batch.size=1000000: median {args.records / median:,.0f} records/s, "
                  f"{args.records * VALUE_BYTES / median / 1e6:.1f} MB/s of values; runs "
                  + ", ".join(f"{args.records / r[0]:,.0f}" for r in runs)
                  + "; loads " + " | ".join(r[2] for r in runs), flush=True)

    if args.only in (None, "latency"):
        for rate in [int(r) for r in args.rates.split(",")]:
            runs = []
            for _ in range(args.repetitions):
                achieved, p50, p99, worst = latency_run(args.bootstrap, rate, args.latency_seconds, args.latency_acks, 1)
                runs.append((achieved, p50, p99, worst, load()))
                print(f"  run latency rate={rate}: achieved {achieved:,.0f} records/s, p50 {p50:.2f} ms, "
                      f"p99 {p99:.2f} ms, max {worst:.2f} ms; load {runs[-1][4]}", flush=True)
            print(f"latency acks={args.latency_acks} linger.ms=1 fetch.wait.max.ms=100 rate={rate:,}/s for {args.latency_seconds} s "
                  f"(first second dropped): median p50 {statistics.median(r[1] for r in runs):.2f} ms, "
                  f"median p99 {statistics.median(r[2] for r in runs):.2f} ms; achieved "
                  + ", ".join(f"{r[0]:,.0f}" for r in runs) + "/s; loads " + " | ".join(r[4] for r in runs),
                  flush=True)

    # Not in the default set: 1000-byte runs write gigabytes.
    if args.only == "kcat":
        kcat_figures(args.bootstrap, args.records, args.repetitions)

    if args.server_pid:
        time.sleep(2)
        print(f"server rss (idle, after)  {rss_kib(args.server_pid) / 1024:.1f} MiB  load {load()}")


if __name__ == "__main__":
    main()
