#!/usr/bin/env bash
# Screenshot a page (a report file or a URL) with headless Chromium from Debian, installing it if missing.
# usage: scripts/screenshot.sh PAGE OUT.png [WIDTH HEIGHT]
set -euo pipefail
page=${1:?usage: scripts/screenshot.sh PAGE OUT.png [WIDTH HEIGHT]}
out=${2:?usage: scripts/screenshot.sh PAGE OUT.png [WIDTH HEIGHT]}
width=${3:-1200}
height=${4:-2400}

if ! command -v chromium >/dev/null; then
  echo "screenshot: installing chromium from Debian" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
case "$page" in
  http://* | https://* | file://*) url=$page ;;
  *) [ -f "$page" ] || { echo "screenshot: no file $page" >&2; exit 1; }
     url="file://$(cd "$(dirname "$page")" && pwd)/$(basename "$page")" ;;
esac
mkdir -p "$(dirname "$out")"
# A throwaway profile; --no-sandbox because CI runs as root, where Chromium's sandbox cannot start.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --window-size="$width,$height" --virtual-time-budget=5000 --screenshot="$out" "$url" 2>/dev/null
[ -s "$out" ] || { echo "screenshot: chromium wrote nothing for $url" >&2; exit 1; }
echo "screenshot: $out ($url, ${width}x${height})"
