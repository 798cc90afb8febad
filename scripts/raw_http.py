"""What the load scripts share: one HTTP/1.1 exchange on a fresh connection, and a percentile (standard library only)."""
import asyncio


async def exchange(host, port, raw, timeout):
    """Sends the bytes `raw` on a new connection and reads until the server closes it.

    Returns (status, body): status None when the answer has no status line. Raises OSError,
    asyncio.TimeoutError or ValueError when the connection fails.
    """
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    writer.write(raw)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), timeout)
    writer.close()
    status_line, _, rest = data.partition(b"\r\n")
    parts = status_line.split(b" ")
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    return status, rest.partition(b"\r\n\r\n")[2]


def percentile_ms(seconds, p):
    """The nearest-rank p-th percentile of durations in seconds, in milliseconds to 0.1; None for none."""
    if not seconds:
        return None
    ordered = sorted(seconds)
    return round(1000 * ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))], 1)
