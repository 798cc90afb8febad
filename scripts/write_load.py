#!/usr/bin/env python3
"""Searches at many connections while the gallery changes (standard library only).

    write_load.py URL TOKEN PHOTO_DIR [--connections 64] [--seconds 30]

Two phases of --seconds each against `crossmodal serve --write-token TOKEN` at URL (loopback only):
read-only, then the same searches while one client adds a photo of PHOTO_DIR every second
(POST /api/images) and removes one of those it added every five seconds (DELETE /api/images/{id}).
Every search is a distinct text (so the server's text cache does not answer it) on its own connection.
Prints one JSON object: per phase the searches answered, errors, requests/s and latency percentiles;
for the writer its additions, removals, errors and latencies; and whether the gallery size at the end
matches what the writer changed.
"""
import argparse
import asyncio
import json
import os
import random
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from raw_http import exchange, percentile_ms  # noqa: E402

WORDS = ("dog cat man woman child girl boy bike beach snow grass water ball street car red blue black white "
         "running jumping sitting playing walking two three young old small big brown green yellow park field "
         "mountain river rock tree building crowd shirt hat dress jacket sand wave sky road city").split()


async def call(host, port, method, path, body=b"", headers=None, timeout=30):
    """One request on a new connection: (status, body, seconds); status None when the connection failed."""
    started = time.perf_counter()
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
    for name, value in (headers or {}).items():
        head += f"{name}: {value}\r\n"
    if body or method == "POST":
        head += f"Content-Length: {len(body)}\r\n"
    raw = head.encode() + b"\r\n" + body
    try:
        status, payload = await exchange(host, port, raw, timeout)
        return status, payload, time.perf_counter() - started
    except (OSError, asyncio.TimeoutError, ValueError):
        return None, b"", time.perf_counter() - started


async def searcher(host, port, stop_at, rng, latencies, errors):
    while time.perf_counter() < stop_at:
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))) + f" {rng.randint(0, 10**9)}"
        status, _, seconds = await call(host, port, "GET", "/api/search?k=10&text=" + urllib.parse.quote(text))
        if status == 200:
            latencies.append(seconds)
        else:
            errors[str(status)] = errors.get(str(status), 0) + 1


async def writer(host, port, token, photos, stop_at, report):
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"}
    added = []
    tick = 0
    next_at = time.perf_counter()
    while time.perf_counter() < stop_at and photos:
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        next_at += 1.0
        tick += 1
        photo = photos.pop()
        with open(photo, "rb") as handle:
            body = handle.read()
        image_id = "load/" + os.path.basename(photo)
        status, _, seconds = await call(host, port, "POST", "/api/images?id=" + urllib.parse.quote(image_id, safe="") +
                                        "&caption=" + urllib.parse.quote("uploaded " + os.path.basename(photo)), body, auth)
        if status == 201:
            added.append(image_id)
            report["added"] += 1
            report["add_latencies"].append(seconds)
        else:
            report["errors"][f"POST {status}"] = report["errors"].get(f"POST {status}", 0) + 1
        if tick % 5 == 0 and added:
            victim = added.pop(0)
            status, _, seconds = await call(host, port, "DELETE", "/api/images/" + urllib.parse.quote(victim, safe=""), b"", auth)
            if status == 200:
                report["removed"] += 1
                report["remove_latencies"].append(seconds)
            else:
                report["errors"][f"DELETE {status}"] = report["errors"].get(f"DELETE {status}", 0) + 1


async def phase(host, port, connections, seconds, seed, token=None, photos=None):
    rng = random.Random(seed)
    latencies, errors = [], {}
    stop_at = time.perf_counter() + seconds
    report = {"added": 0, "removed": 0, "errors": {}, "add_latencies": [], "remove_latencies": []}
    tasks = [searcher(host, port, stop_at, random.Random(rng.random()), latencies, errors) for _ in range(connections)]
    if token:
        tasks.append(writer(host, port, token, photos, stop_at, report))
    started = time.perf_counter()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    result = {"searches": len(latencies), "errors": errors, "per_second": round(len(latencies) / elapsed, 1),
              "p50_ms": percentile_ms(latencies, 50), "p99_ms": percentile_ms(latencies, 99)}
    if token:
        result["writer"] = {"added": report["added"], "removed": report["removed"], "errors": report["errors"],
                            "add_p50_ms": percentile_ms(report["add_latencies"], 50), "add_p99_ms": percentile_ms(report["add_latencies"], 99),
                            "remove_p50_ms": percentile_ms(report["remove_latencies"], 50)}
    return result


async def images_in_gallery(host, port):
    status, body, _ = await call(host, port, "GET", "/healthz")
    return json.loads(body)["images"] if status == 200 else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("photos")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    parsed = urllib.parse.urlparse(args.url)
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        sys.exit("write_load.py only talks to a server on loopback")
    host, port = parsed.hostname, parsed.port
    photos = sorted(os.path.join(args.photos, name) for name in os.listdir(args.photos) if name.lower().endswith((".jpg", ".jpeg", ".png")))
    random.Random(7).shuffle(photos)
    before = asyncio.run(images_in_gallery(host, port))
    read_only = asyncio.run(phase(host, port, args.connections, args.seconds, 1))
    with_writes = asyncio.run(phase(host, port, args.connections, args.seconds, 2, args.token, photos))
    after = asyncio.run(images_in_gallery(host, port))
    writer_report = with_writes["writer"]
    print(json.dumps({
        "connections": args.connections, "seconds": args.seconds, "read_only": read_only, "with_writes": with_writes,
        "gallery_before": before, "gallery_after": after,
        "gallery_consistent": after == before + writer_report["added"] - writer_report["removed"],
    }, indent=2))


if __name__ == "__main__":
    main()
