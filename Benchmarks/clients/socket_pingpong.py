"""Request/answer round trips over loopback TCP and over a Unix socket, the
two ways a job's worker could reach `streamhost serve` (docs/SERVER.md,
"How workers reach the log"). The transport alone: an echo server answers
each request with as many bytes, like a Produce (request large, answer
small) and a Fetch (request small, answer large) batch of `size` bytes.

    python3 Benchmarks/clients/socket_pingpong.py [seconds-per-case]

Prints one line per case: transport, size, round trips/s and MB/s. The
cases alternate TCP and Unix for each size, so that the machine's load
falls on both alike.
"""
import os, socket, sys, tempfile, threading, time

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
SIZES = [512, 16 * 1024, 1024 * 1024]


def recv_exact(conn, n):
    chunks, got = [], 0
    while got < n:
        chunk = conn.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def serve(listener):
    conn, _ = listener.accept()
    try:
        while True:
            header = recv_exact(conn, 8)
            request, answer = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")
            recv_exact(conn, request)
            conn.sendall(b"a" * answer)
    except EOFError:
        pass
    conn.close()


def measure(family, address, size):
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.bind(address)
    listener.listen(1)
    bound = listener.getsockname()
    thread = threading.Thread(target=serve, args=(listener,), daemon=True)
    thread.start()
    client = socket.socket(family, socket.SOCK_STREAM)
    client.connect(bound)
    if family == socket.AF_INET:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    payload = b"r" * size
    trips, moved = 0, 0
    deadline = time.perf_counter() + SECONDS
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        # A produce-like trip (big request, 64-byte answer), then a
        # fetch-like one (64-byte request, big answer).
        client.sendall((size).to_bytes(4, "big") + (64).to_bytes(4, "big") + payload)
        recv_exact(client, 64)
        client.sendall((64).to_bytes(4, "big") + (size).to_bytes(4, "big") + payload[:64])
        recv_exact(client, size)
        trips += 2
        moved += 2 * size
    elapsed = time.perf_counter() - started
    client.close()
    thread.join()
    listener.close()
    return trips / elapsed, moved / elapsed / 1e6


directory = tempfile.mkdtemp()
for size in SIZES:
    for name in ["tcp", "unix"]:
        if name == "tcp":
            rate, mb = measure(socket.AF_INET, ("127.0.0.1", 0), size)
        else:
            path = os.path.join(directory, "s.sock")
            if os.path.exists(path):
                os.unlink(path)
            rate, mb = measure(socket.AF_UNIX, path, size)
        print(f"{name:4} size {size:8d} B: {rate:10.0f} round trips/s {mb:9.1f} MB/s")
