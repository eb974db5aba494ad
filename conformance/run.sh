#!/usr/bin/env bash
# Checks every feed wiredesk published into DIR with tools nobody here
# wrote: xmllint, Debian's python3-feedparser, newsboat, and the npm readers
# rss-parser and @extractus/feed-extractor (check.mjs). Prints one line per
# (tool, file) and exits non-zero on any problem.
#
# usage: conformance/run.sh DIR     (DIR from `wiredesk once -out DIR`)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$(cd "${1:?usage: run.sh DIR}" && pwd)"
fail=0

shopt -s nullglob
jsons=("$dir"/*.json)
if [ ${#jsons[@]} -eq 0 ]; then echo "no feeds in $dir" >&2; exit 1; fi

# 1. Well-formed XML.
for f in "$dir"/*.rss "$dir"/*.atom "$dir"/*.opml "$dir"/*/archive/*.atom; do
  if xmllint --noout "$f" 2>/tmp/xmllint.$$; then echo "ok   xmllint $(basename "$f")"
  else echo "FAIL xmllint $f: $(cat /tmp/xmllint.$$)"; fail=1; fi
done
rm -f /tmp/xmllint.$$

# 2. Debian's feedparser (the system python: /usr/bin/python3) and JSON Feed 1.1 required fields.
/usr/bin/python3 - "$dir" <<'PY' || fail=1
import feedparser, json, os, re, sys, html
d = sys.argv[1]
bad = 0
def credit(it):
    if it.get("content_text"):
        return it["content_text"].strip().split("\n")[-1].strip()
    m = re.search(r'<p class="wiredesk-credit">(.*?)</p>', it.get("content_html", ""), re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip() if m else ""
norm = lambda s: " ".join((s or "").split())
rfc3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
for name in sorted(os.listdir(d)):
    if not name.endswith(".json"):
        continue
    slug = name[:-5]
    jf = json.load(open(os.path.join(d, name), encoding="utf-8"))
    probs = []
    if jf.get("version") != "https://jsonfeed.org/version/1.1": probs.append("version")
    if not jf.get("title"): probs.append("title")
    if not isinstance(jf.get("items"), list): probs.append("items")
    for it in jf.get("items", []):
        if not it.get("id"): probs.append("item without id")
        if not (it.get("content_html") or it.get("content_text")): probs.append(f"item {it.get('id')} has neither content_html nor content_text")
        for k in ("date_published", "date_modified"):
            if k in it and not rfc3339.match(it[k]): probs.append(f"item {it.get('id')} {k} {it[k]!r} not RFC 3339")
        ext = it.get("_wiredesk")
        if not ext or not ext.get("sources") or not all({"id", "name", "url"} <= set(s) for s in ext["sources"]) \
           or not all({"source", "guid", "url"} <= set(x) for x in ext.get("items", [])):
            probs.append(f"item {it.get('id')} has no valid _wiredesk extension")
    if probs:
        print(f"FAIL jsonfeed {name}: {'; '.join(probs[:5])}"); bad += 1
    else:
        print(f"ok   jsonfeed {name}: {len(jf['items'])} items, required fields present")
    expected = [(it["id"], it.get("title", ""), credit(it)) for it in jf.get("items", [])]
    for ext in ("rss", "atom"):
        path = os.path.join(d, f"{slug}.{ext}")
        p = feedparser.parse(open(path, "rb").read())
        probs = []
        if p.bozo: probs.append(f"bozo: {p.bozo_exception!r}")
        if len(p.entries) != len(expected): probs.append(f"{len(p.entries)} entries; want {len(expected)}")
        for e, (eid, title, cr) in zip(p.entries, expected):
            if e.get("id") != eid: probs.append(f"id {e.get('id')!r}; want {eid!r}")
            if norm(e.get("title")) != norm(title): probs.append(f"title {e.get('title')!r}; want {title!r}")
            text = " ".join([e.get("summary", "")] + [c.get("value", "") for c in e.get("content", [])])
            if cr and norm(cr) not in norm(html.unescape(re.sub(r"<[^>]+>", " ", text))):
                probs.append(f"{eid}: credit {cr!r} missing")
        if probs:
            print(f"FAIL feedparser {slug}.{ext}: {'; '.join(probs[:5])}"); bad += 1
        else:
            print(f"ok   feedparser {slug}.{ext}: bozo 0, {len(p.entries)} entries, ids, titles and credits match")
sys.exit(1 if bad else 0)
PY

# 3. newsboat: reload every RSS feed, then every Atom feed, from file:// URLs;
# every item must land in its own feed's cache. newsboat keys items by guid
# alone, so a story in two of our feeds shows in both only because each feed
# gives it its own entry id. The RSS and Atom documents of one feed share
# their ids (they are one feed), so each format gets its own cache.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/config"
for ext in rss atom; do
  : > "$tmp/urls.$ext"
  for f in "$dir"/*."$ext"; do echo "file://$f" >> "$tmp/urls.$ext"; done
  if ! newsboat -x reload -u "$tmp/urls.$ext" -c "$tmp/cache.$ext.db" -C "$tmp/config" >"$tmp/newsboat.$ext.log" 2>&1; then
    echo "FAIL newsboat reload ($ext): $(cat "$tmp/newsboat.$ext.log")"; fail=1
  fi
done
/usr/bin/python3 - "$dir" "$tmp" <<'PY' || fail=1
import json, os, sqlite3, sys
d, tmp = sys.argv[1], sys.argv[2]
bad = 0
for ext in ("rss", "atom"):
    db = sqlite3.connect(os.path.join(tmp, f"cache.{ext}.db"))
    for name in sorted(os.listdir(d)):
        if not name.endswith(".json"):
            continue
        slug = name[:-5]
        want = [it["id"] for it in json.load(open(os.path.join(d, name), encoding="utf-8"))["items"]]
        url = "file://" + os.path.join(d, f"{slug}.{ext}")
        got = {r[0] for r in db.execute("select guid from rss_item where feedurl = ?", (url,))}
        missing = [g for g in want if g not in got]
        if missing:
            print(f"FAIL newsboat {slug}.{ext}: {len(missing)} of {len(want)} items missing from its cache, e.g. {missing[0]!r}"); bad += 1
        else:
            print(f"ok   newsboat {slug}.{ext}: all {len(want)} items in its cache")
sys.exit(1 if bad else 0)
PY

# 4. npm readers.
node "$here/check.mjs" "$dir" || fail=1

if [ "$fail" -ne 0 ]; then echo "conformance: FAILED"; exit 1; fi
echo "conformance: all readers agree"
