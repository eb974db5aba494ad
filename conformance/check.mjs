// Reads wiredesk's published feeds with two npm feed readers nobody here
// wrote, and checks that each sees every entry with the expected id, title
// and credit line. Expectations come from our JSON Feed (whose required
// fields run.sh checks separately).
//
// usage: node check.mjs DIR
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import Parser from 'rss-parser'
import { extractFromXml, extractFromJson } from '@extractus/feed-extractor'

const dir = process.argv[2]
if (!dir) { console.error('usage: node check.mjs DIR'); process.exit(2) }

let failures = 0
const fail = (what, msg) => { failures++; console.log(`FAIL ${what}: ${msg}`) }
const ok = (what, msg) => console.log(`ok   ${what}: ${msg}`)

const creditOf = (item) => {
  if (item.content_text) {
    const lines = item.content_text.trim().split('\n')
    return lines[lines.length - 1].trim()
  }
  const m = /<p class="wiredesk-credit">([\s\S]*?)<\/p>/.exec(item.content_html || '')
  return m ? decode(m[1].replace(/<[^>]+>/g, '')).trim() : ''
}
const decode = (s) => s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'")
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim()

const slugs = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5))
if (slugs.length === 0) { console.error(`no *.json feeds in ${dir}`); process.exit(1) }

const compare = (what, expected, got) => {
  // got: [{id, title, text}] in document order
  if (got.length !== expected.length) {
    fail(what, `${got.length} entries; want ${expected.length}`)
    return
  }
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]; const g = got[i]
    if (g.id !== e.id) fail(what, `entry ${i} id ${JSON.stringify(g.id)}; want ${JSON.stringify(e.id)}`)
    if (norm(g.title) !== norm(e.title)) fail(what, `entry ${i} title ${JSON.stringify(g.title)}; want ${JSON.stringify(e.title)}`)
    if (e.credit && !norm(decode(g.text || '')).includes(norm(e.credit))) fail(what, `entry ${i} (${e.id}) lacks the credit ${JSON.stringify(e.credit)}`)
  }
  ok(what, `${got.length} entries, ids, titles and credits match`)
}

const parser = new Parser()
for (const slug of slugs) {
  const jf = JSON.parse(readFileSync(join(dir, `${slug}.json`), 'utf8'))
  const expected = jf.items.map((it) => ({ id: it.id, title: it.title || '', credit: creditOf(it) }))
  for (const it of expected) if (!it.credit) fail(`${slug}.json`, `item ${it.id} has no credit line`)

  // rss-parser: RSS and Atom
  for (const ext of ['rss', 'atom']) {
    const what = `rss-parser ${slug}.${ext}`
    try {
      const f = await parser.parseString(readFileSync(join(dir, `${slug}.${ext}`), 'utf8'))
      compare(what, expected, f.items.map((it) => ({
        id: ext === 'rss' ? it.guid : it.id,
        title: it.title,
        text: [it.content, it['content:encoded'], it.summary, it.contentSnippet].join('\n'),
      })))
    } catch (err) { fail(what, err.message) }
  }

  // @extractus/feed-extractor: RSS, Atom and JSON Feed
  const extra = (raw) => ({ raw: JSON.stringify(raw) })
  for (const ext of ['rss', 'atom', 'json']) {
    const what = `feed-extractor ${slug}.${ext}`
    try {
      const text = readFileSync(join(dir, `${slug}.${ext}`), 'utf8')
      const opts = { normalization: true, descriptionMaxLen: 100000, getExtraEntryFields: extra }
      const f = ext === 'json' ? extractFromJson(JSON.parse(text), opts) : extractFromXml(text, opts)
      compare(what, expected, f.entries.map((it) => ({ id: it.id, title: it.title, text: decode(it.raw || '') + '\n' + (it.description || '') })))
    } catch (err) { fail(what, err.message) }
  }
}
if (failures > 0) { console.log(`${failures} conformance failure(s)`); process.exit(1) }
