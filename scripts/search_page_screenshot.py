#!/usr/bin/env python3
"""Types a query into the search page of `crossmodal serve` in headless Chromium and saves a screenshot.

usage: search_page_screenshot.py URL QUERY OUT.png [--width 1200 --height 900]

Drives Chromium through the DevTools protocol (a small WebSocket client from the standard library):
loads the page, focuses the search box, types QUERY key by key, presses Enter, waits for the result
images to load, checks that there are some, and captures the page. Exits non-zero when no result
image appeared. Chromium comes from Debian (scripts/screenshot.sh installs it).
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class DevTools:
    """One WebSocket connection to a Chromium page target."""

    def __init__(self, ws_url: str):
        rest = ws_url[len("ws://"):]
        hostport, path = rest.split("/", 1)
        host, port = hostport.split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.sock.recv(4096)
        if b" 101 " not in response.split(b"\r\n")[0]:
            raise RuntimeError(f"WebSocket handshake failed: {response[:200]!r}")
        self.buffer = response.split(b"\r\n\r\n", 1)[1]
        self.next_id = 0

    def _read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise RuntimeError("DevTools connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _send_text(self, text: str) -> None:
        payload = text.encode()
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(payload))
        mask = os.urandom(4)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _receive_message(self) -> str:
        message = b""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(length)
            message += payload
            if first & 0x80:
                return message.decode()

    def call(self, method: str, **params):
        self.next_id += 1
        self._send_text(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            answer = json.loads(self._receive_message())
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})

    def evaluate(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    url, query, out = args[:3]
    width = int(sys.argv[sys.argv.index("--width") + 1]) if "--width" in sys.argv else 1200
    height = int(sys.argv[sys.argv.index("--height") + 1]) if "--height" in sys.argv else 900
    chromium = shutil.which("chromium")
    if not chromium:
        print("search_page_screenshot: chromium is not installed (scripts/screenshot.sh installs it)", file=sys.stderr)
        return 1
    profile = tempfile.mkdtemp()
    port = 9300 + os.getpid() % 500
    browser = subprocess.Popen(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--user-data-dir={profile}",
         f"--remote-debugging-port={port}", f"--window-size={width},{height}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        targets = None
        for _ in range(100):
            try:
                targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2).read())
                if any(t.get("type") == "page" for t in targets):
                    break
            except OSError:
                pass
            time.sleep(0.1)
        page = next(t for t in targets if t.get("type") == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        tools.call("Page.enable")
        tools.call("Page.navigate", url=url)
        for _ in range(100):
            if tools.evaluate("document.readyState === 'complete' && !!document.getElementById('q')"):
                break
            time.sleep(0.1)
        tools.evaluate("document.getElementById('q').focus()")
        for character in query:  # typed one key at a time, as a person would
            tools.call("Input.dispatchKeyEvent", type="keyDown", text=character, key=character)
            tools.call("Input.dispatchKeyEvent", type="keyUp", key=character)
        tools.call("Input.dispatchKeyEvent", type="keyDown", key="Enter", code="Enter", windowsVirtualKeyCode=13, text="\r")
        tools.call("Input.dispatchKeyEvent", type="keyUp", key="Enter", code="Enter", windowsVirtualKeyCode=13)
        loaded = 0
        for _ in range(150):
            loaded = tools.evaluate("[...document.querySelectorAll('#results img')].filter(i => i.complete && i.naturalWidth > 0).length") or 0
            total = tools.evaluate("document.querySelectorAll('#results img').length") or 0
            if total and loaded >= min(total, 10):
                break
            time.sleep(0.1)
        status = tools.evaluate("document.getElementById('status').textContent")
        typed = tools.evaluate("document.getElementById('q').value")
        shot = tools.call("Page.captureScreenshot", format="png")
        with open(out, "wb") as file:
            file.write(base64.b64decode(shot["data"]))
        print(f"typed {typed!r}; page says {status!r}; {loaded} result images loaded; screenshot {out}")
        return 0 if loaded > 0 and typed == query else 1
    finally:
        browser.terminate()
        browser.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
