#!/usr/bin/env python3
"""An attack on `crossmodal serve` from this machine, beside a normal client (standard library only).

    hostile_load.py URL PHOTO.jpg [--seconds 30] [--slow 2000] [--bombs 16] [--floods 16] [--queries FILE]
    hostile_load.py URL --slow-readers 2000 --image-id ID --server-pid PID [--seconds 30]

At once, for --seconds: --slow connections that send their head one line every 10 s (reconnecting when
the server drops them), --bombs clients uploading a JPEG whose header claims 10,000 x 10,000 pixels,
--floods clients uploading a JPEG with 10,000 empty scans, and a normal client sending distinct text
queries, one connection each. Before and after the attack the normal client runs alone for 5 s.
Prints one JSON object: the normal client's answers, errors and latency percentiles in each phase, and
what the attackers got back. Traffic goes only to URL, which must be on loopback.

With --slow-readers N: N clients with a 4 KiB receive buffer each ask for the gallery image ID (a large
file) and never read the answer, while a normal client queries; the server's resident memory (VmRSS of
PID) is sampled every 0.25 s. Prints the memory before, the peak during and after, and the normal client's
latencies.
"""
import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_hostile_files import jpeg_bomb, jpeg_scan_flood  # noqa: E402
from raw_http import exchange, percentile_ms  # noqa: E402


FAILURES = {}


async def request(host, port, raw, timeout=20):
    """Sends raw bytes on a new connection and returns (status, seconds), status None on failure."""
    started = time.perf_counter()
    try:
        status, _ = await exchange(host, port, raw, timeout)
        return status, time.perf_counter() - started
    except (OSError, asyncio.TimeoutError, ValueError) as error:
        FAILURES[type(error).__name__ + ": " + str(error)[:60]] = FAILURES.get(type(error).__name__ + ": " + str(error)[:60], 0) + 1
        return None, time.perf_counter() - started


async def normal_client(host, port, texts, stop, record, interval=0.1):
    i = 0
    while not stop.is_set():
        text = urllib.parse.quote(texts[i % len(texts)])
        i += 1
        raw = f"GET /api/search?text={text}&k=5 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        status, seconds = await request(host, port, raw)
        record.append((status, seconds))
        await asyncio.sleep(interval)


async def slow_header(host, port, stop, counts):
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            counts["refused"] += 1
            await asyncio.sleep(0.5)
            continue
        counts["opened"] += 1
        try:
            writer.write(b"GET / HTTP/1.1\r\n")
            await writer.drain()
            while not stop.is_set():
                writer.write(b"X-Slow: 1\r\n")
                await writer.drain()
                try:
                    data = await asyncio.wait_for(reader.read(1024), 10)
                except asyncio.TimeoutError:
                    continue
                if data.startswith(b"HTTP/1.1 408"):
                    counts["408"] += 1
                counts["dropped"] += 1
                break
        except OSError:
            counts["dropped"] += 1
        finally:
            writer.close()


async def uploader(host, port, body, stop, statuses):
    head = (f"POST /api/search/image?target=captions&k=5 HTTP/1.1\r\nHost: {host}\r\nContent-Type: image/jpeg\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    while not stop.is_set():
        status, _ = await request(host, port, head + body)
        statuses[str(status)] = statuses.get(str(status), 0) + 1


def summary(record):
    ok = [s for status, s in record if status == 200]
    return {
        "queries": len(record), "answered": len(ok), "errors": len(record) - len(ok),
        "p50_ms": percentile_ms(ok, 50),
        "p99_ms": percentile_ms(ok, 99),
        "max_ms": round(1000 * max(ok), 1) if ok else None,
    }


def normal_process(host, port, texts, seconds, queue):
    """The normal client in its own process, so the attackers' event loop cannot slow it down."""
    async def run():
        stop = asyncio.Event()
        record = []
        task = asyncio.create_task(normal_client(host, port, texts, stop, record))
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.wait([task], timeout=25)
        return record
    queue.put((asyncio.run(run()), FAILURES))


def upload_process(host, port, bodies, seconds, queue):
    """The uploaders (bombs and scan floods) in their own process, so each body reaches the server."""
    async def run():
        stop = asyncio.Event()
        statuses = [{} for _ in bodies]
        tasks = [asyncio.create_task(uploader(host, port, body, stop, statuses[i])) for i, (body, _) in enumerate(bodies)]
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.wait(tasks, timeout=25)
        totals = {}
        for (body, kind), counted in zip(bodies, statuses):
            bucket = totals.setdefault(kind, {})
            for status, n in counted.items():
                bucket[status] = bucket.get(status, 0) + n
        return totals
    queue.put(asyncio.run(run()))


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


async def slow_readers(args, host, port):
    """N connections that ask for a large image and never read; the server's memory sampled meanwhile."""
    import socket
    path = "/api/images/" + urllib.parse.quote(args.image_id, safe="")
    raw = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    before = rss_mib(args.server_pid)
    queue = multiprocessing.Queue()
    normal = multiprocessing.Process(target=normal_process, args=(host, port, ["a dog runs on the grass"], args.seconds, queue))
    normal.start()
    sockets, refused = [], 0
    samples = [before]
    started = time.perf_counter()
    for i in range(args.slow_readers):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.setblocking(False)
        try:
            s.connect_ex((host, port))
            sockets.append(s)
        except OSError:
            refused += 1
            s.close()
        if i % 100 == 99:
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    for s in sockets:
        try:
            s.send(raw)
        except OSError:
            refused += 1
    opened = time.perf_counter() - started
    while time.perf_counter() - started < args.seconds:
        samples.append(rss_mib(args.server_pid))
        await asyncio.sleep(0.25)
    record, failures = await asyncio.get_running_loop().run_in_executor(None, queue.get)
    normal.join()
    for s in sockets:
        s.close()
    await asyncio.sleep(1)
    after = rss_mib(args.server_pid)
    print(json.dumps({
        "slow_readers": len(sockets), "not_connected": refused, "seconds_to_open": round(opened, 1),
        "rss_mib_before": round(before, 1), "rss_mib_peak_sampled": round(max(samples), 1), "rss_mib_after": round(after, 1),
        "normal_client": summary(record), "normal_client_failures": failures,
    }, indent=1))


async def main(args):
    url = urllib.parse.urlparse(args.url)
    host, port = url.hostname, url.port
    if host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("hostile_load.py only sends traffic to loopback")
    if args.slow_readers:
        return await slow_readers(args, host, port)
    with open(args.photo, "rb") as f:
        photo = f.read()
    texts = [line.strip() for line in open(args.queries)] if args.queries else [
        f"a {c} dog runs on the {g} {n}" for n in range(50) for c in ("black", "brown", "white") for g in ("grass", "beach")]
    result = {}
    failures = {}
    for phase, attack in (("before", False), ("during", True), ("after", False)):
        seconds = args.seconds if attack else 5
        queue = multiprocessing.Queue()
        normal = multiprocessing.Process(target=normal_process, args=(host, port, texts, seconds, queue))
        normal.start()
        stop = asyncio.Event()
        tasks = []
        counts = {"opened": 0, "dropped": 0, "408": 0, "refused": 0}
        uploads = None
        if attack:
            tasks += [asyncio.create_task(slow_header(host, port, stop, counts)) for _ in range(args.slow)]
            bodies = [(jpeg_bomb(photo), "bomb_uploads")] * args.bombs + [(jpeg_scan_flood(photo), "scan_flood_uploads")] * args.floods
            upload_queue = multiprocessing.Queue()
            uploads = multiprocessing.Process(target=upload_process, args=(host, port, bodies, seconds, upload_queue))
            uploads.start()
        await asyncio.sleep(seconds)
        stop.set()
        if tasks:
            await asyncio.wait(tasks, timeout=25)
        for task in tasks:
            task.cancel()
        record, normal_failures = await asyncio.get_running_loop().run_in_executor(None, queue.get)
        normal.join()
        for key, value in normal_failures.items():
            failures[key] = failures.get(key, 0) + value
        result[phase] = summary(record)
        if attack:
            result[phase]["slow_connections"] = counts
            result[phase].update(await asyncio.get_running_loop().run_in_executor(None, upload_queue.get))
            uploads.join()
    result["normal_client_failures"] = failures
    result["attacker_failures"] = FAILURES
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("photo", nargs="?")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--slow", type=int, default=2000)
    parser.add_argument("--bombs", type=int, default=16)
    parser.add_argument("--floods", type=int, default=16)
    parser.add_argument("--queries")
    parser.add_argument("--slow-readers", type=int, default=0)
    parser.add_argument("--image-id")
    parser.add_argument("--server-pid", type=int)
    arguments = parser.parse_args()
    if arguments.slow_readers and (arguments.image_id is None or arguments.server_pid is None):
        parser.error("--slow-readers needs --image-id and --server-pid")
    if not arguments.slow_readers and arguments.photo is None:
        parser.error("give PHOTO.jpg (or --slow-readers)")
    # The attacker needs a descriptor per slow connection; the server runs under its own limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = max(arguments.slow, arguments.slow_readers) + 512
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(wanted, hard if hard > 0 else wanted)), max(hard, wanted)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    asyncio.run(main(arguments))
