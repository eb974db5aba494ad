#!/usr/bin/env bash
# Installs the third-party feed readers the conformance check uses, only
# when missing: Debian packages (as root) and the npm packages pinned by
# conformance/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"
need=()
command -v xmllint >/dev/null || need+=(libxml2-utils)
/usr/bin/python3 -c 'import feedparser' 2>/dev/null || need+=(python3-feedparser)
command -v newsboat >/dev/null || need+=(newsboat)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v node >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "conformance: missing ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ ! -d node_modules/rss-parser ] || [ ! -d node_modules/@extractus/feed-extractor ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
