package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Format is the syndication format of a synthetic feed.
type Format int

// The formats the generator mixes, with their shares of all sources.
const (
	FormatRSS2 Format = iota // 45%
	FormatAtom               // 35%
	FormatRDF                // 20%, RSS 1.0
)

func (f Format) String() string {
	switch f {
	case FormatRSS2:
		return "rss2"
	case FormatAtom:
		return "atom"
	case FormatRDF:
		return "rdf"
	}
	return fmt.Sprintf("format(%d)", int(f))
}

// Charsets of the synthetic feeds.
const (
	charsetUTF8 = "utf-8"
	charset1251 = "windows-1251"
)

// Size bounds of a generated feed body in bytes. Targets are drawn a little
// inside the 20–100 KB range the issue asks for, so that the exact size,
// which depends on the text drawn, stays inside it.
const (
	minFeedBytes    = 20_000
	maxFeedBytes    = 100_000
	minTargetBytes  = 22_000
	maxTargetBytes  = 96_000
	itemBudgetFloor = 150 // bytes of HTML content per item at the least
)

// Generator makes the synthetic wire: deterministic feeds, one per source
// index, from Seed and Base alone.
type Generator struct {
	Seed    uint64    // same Seed and Base: same bytes
	Sources int       // number of sources; sizes the pool of shared events
	Items   int       // items per feed
	Base    time.Time // "now" of the wire: items are dated in the 24 hours before it
}

// Spec is what the generator decided for one source before writing it.
type Spec struct {
	Index   int
	Format  Format
	Lang    string // "ru" or "en"
	Charset string // charsetUTF8 or charset1251
	// InProlog is true when the charset is named in the XML prolog; false
	// when only the HTTP Content-Type names it (windows-1251 feeds only;
	// UTF-8 feeds always have a plain prolog).
	InProlog bool
	Target   int // body size aimed at, in bytes
}

// Feed is one generated source: its body on the wire and its HTTP metadata.
type Feed struct {
	Spec
	Body         []byte
	ContentType  string
	ETag         string // quoted strong entity tag
	LastModified string // HTTP date
}

func (g *Generator) rng(stream uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(g.Seed^stream, uint64(i)))
}

// Spec returns the decisions for source i without generating its body.
func (g *Generator) Spec(i int) Spec {
	r := g.rng(0x5eed, i)
	s := Spec{Index: i}
	switch p := r.Float64(); {
	case p < 0.45:
		s.Format = FormatRSS2
	case p < 0.80:
		s.Format = FormatAtom
	default:
		s.Format = FormatRDF
	}
	// 60% Russian; half of those (30% of all sources) in windows-1251,
	// named in the prolog or only in the Content-Type, half each.
	switch p := r.Float64(); {
	case p < 0.30:
		s.Lang, s.Charset = "ru", charset1251
		s.InProlog = r.IntN(2) == 0
	case p < 0.60:
		s.Lang, s.Charset, s.InProlog = "ru", charsetUTF8, true
	default:
		s.Lang, s.Charset, s.InProlog = "en", charsetUTF8, true
	}
	s.Target = minTargetBytes + r.IntN(maxTargetBytes-minTargetBytes+1)
	return s
}

// Path is the URL path of source i on the wire server.
func Path(i int) string { return fmt.Sprintf("/feeds/%d.xml", i) }

// SourceID is the configured id of source i.
func SourceID(i int) string { return fmt.Sprintf("wire-%05d", i) }

// Feed generates source i.
func (g *Generator) Feed(i int) Feed {
	s := g.Spec(i)
	r := g.rng(0xfeed, i)
	w := &feedWriter{g: g, s: s, r: r}
	text := w.document()
	var body []byte
	if s.Charset == charset1251 {
		enc, err := charmap.Windows1251.NewEncoder().String(text)
		if err != nil {
			// The vocabulary is Cyrillic, Latin and ASCII punctuation
			// only; anything else is a bug in this file.
			panic(fmt.Sprintf("wirebench: source %d: encode windows-1251: %v", i, err))
		}
		body = []byte(enc)
	} else {
		body = []byte(text)
	}
	sum := sha256.Sum256(body)
	f := Feed{
		Spec:         s,
		Body:         body,
		ETag:         `"` + hex.EncodeToString(sum[:8]) + `"`,
		LastModified: g.Base.UTC().Format(http.TimeFormat),
	}
	mime := map[Format]string{FormatRSS2: "application/rss+xml", FormatAtom: "application/atom+xml", FormatRDF: "application/rdf+xml"}[s.Format]
	switch {
	case s.Charset == charset1251 && !s.InProlog:
		f.ContentType = mime + "; charset=windows-1251"
	case s.Charset == charset1251:
		f.ContentType = "text/xml" // the prolog alone names the charset
	default:
		f.ContentType = mime + "; charset=utf-8"
	}
	return f
}

// feedWriter writes one feed document as UTF-8 text; Feed encodes it.
type feedWriter struct {
	g *Generator
	s Spec
	r *rand.Rand
	b strings.Builder
}

// size is the length of text in the feed's final encoding: every
// character the generator writes is one byte in windows-1251.
func (w *feedWriter) size(text string) int {
	if w.s.Charset == charset1251 {
		return utf8.RuneCountInString(text)
	}
	return len(text)
}

type item struct {
	title, lead, content, link, guid string
	date                             time.Time
}

func (w *feedWriter) document() string {
	s := w.s
	items := make([]item, w.g.Items)
	t := w.g.Base
	for k := range items {
		t = t.Add(-time.Duration(1+w.r.IntN(40)) * time.Minute)
		items[k] = item{
			title: w.title(),
			lead:  w.sentences(2 + w.r.IntN(2)),
			link:  fmt.Sprintf("https://%s/news/%d/%d-%d.html", w.host(), 2026, s.Index, k),
			guid:  fmt.Sprintf("urn:wire:%d:%d", s.Index, k),
			date:  t,
		}
	}
	// Size the HTML content of each item so the document lands near
	// the target: measure the document without content first.
	skeleton := w.render(items)
	budget := max(itemBudgetFloor, (s.Target-w.size(skeleton))/max(1, len(items)))
	for k := range items {
		items[k].content = w.html(budget)
	}
	return w.render(items)
}

func (w *feedWriter) host() string {
	if w.s.Lang == "ru" {
		return fmt.Sprintf("lenta%d.example.ru", w.s.Index)
	}
	return fmt.Sprintf("wire%d.example.com", w.s.Index)
}

func (w *feedWriter) prolog() string {
	switch {
	case w.s.Charset == charset1251 && w.s.InProlog:
		return `<?xml version="1.0" encoding="windows-1251"?>` + "\n"
	case w.s.Charset == charset1251:
		return `<?xml version="1.0"?>` + "\n"
	}
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
}

func (w *feedWriter) channelTitle() string {
	if w.s.Lang == "ru" {
		return fmt.Sprintf("Лента новостей №%d", w.s.Index)
	}
	return fmt.Sprintf("Wire service %d: top news", w.s.Index)
}

func (w *feedWriter) render(items []item) string {
	b := &w.b
	b.Reset()
	b.WriteString(w.prolog())
	esc := html.EscapeString
	home := "https://" + w.host() + "/"
	switch w.s.Format {
	case FormatRSS2:
		b.WriteString(`<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">` + "\n<channel>\n")
		fmt.Fprintf(b, "<title>%s</title>\n<link>%s</link>\n<description>%s</description>\n<language>%s</language>\n<ttl>5</ttl>\n",
			esc(w.channelTitle()), home, esc(w.channelTitle()), w.s.Lang)
		fmt.Fprintf(b, "<lastBuildDate>%s</lastBuildDate>\n", w.g.Base.Format(time.RFC1123Z))
		for _, it := range items {
			fmt.Fprintf(b, "<item>\n<title>%s</title>\n<link>%s</link>\n<guid isPermaLink=\"false\">%s</guid>\n<pubDate>%s</pubDate>\n<category>%s</category>\n<description>%s</description>\n<content:encoded><![CDATA[%s]]></content:encoded>\n</item>\n",
				esc(it.title), it.link, it.guid, it.date.Format(time.RFC1123Z), w.category(), esc(it.lead), it.content)
		}
		b.WriteString("</channel>\n</rss>\n")
	case FormatAtom:
		fmt.Fprintf(b, "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"%s\">\n<title>%s</title>\n<id>%s</id>\n<link href=\"%s\"/>\n<updated>%s</updated>\n<author><name>%s</name></author>\n",
			w.s.Lang, esc(w.channelTitle()), home, home, w.g.Base.Format(time.RFC3339), esc(w.channelTitle()))
		for _, it := range items {
			fmt.Fprintf(b, "<entry>\n<title>%s</title>\n<link rel=\"alternate\" href=\"%s\"/>\n<id>%s</id>\n<published>%s</published>\n<updated>%s</updated>\n<category term=\"%s\"/>\n<summary>%s</summary>\n<content type=\"html\">%s</content>\n</entry>\n",
				esc(it.title), it.link, it.guid, it.date.Format(time.RFC3339), it.date.Format(time.RFC3339), w.category(), esc(it.lead), esc(it.content))
		}
		b.WriteString("</feed>\n")
	case FormatRDF:
		b.WriteString(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">` + "\n")
		fmt.Fprintf(b, "<channel rdf:about=\"%s\">\n<title>%s</title>\n<link>%s</link>\n<description>%s</description>\n<dc:language>%s</dc:language>\n<items><rdf:Seq>\n",
			home, esc(w.channelTitle()), home, esc(w.channelTitle()), w.s.Lang)
		for _, it := range items {
			fmt.Fprintf(b, "<rdf:li rdf:resource=\"%s\"/>\n", it.link)
		}
		b.WriteString("</rdf:Seq></items>\n</channel>\n")
		for _, it := range items {
			fmt.Fprintf(b, "<item rdf:about=\"%s\">\n<title>%s</title>\n<link>%s</link>\n<dc:date>%s</dc:date>\n<dc:subject>%s</dc:subject>\n<description>%s</description>\n<content:encoded><![CDATA[%s]]></content:encoded>\n</item>\n",
				it.link, esc(it.title), it.link, it.date.Format(time.RFC3339), w.category(), esc(it.lead), it.content)
		}
		b.WriteString("</rdf:RDF>\n")
	}
	return b.String()
}

func (w *feedWriter) category() string {
	if w.s.Lang == "ru" {
		return categoriesRU[w.r.IntN(len(categoriesRU))]
	}
	return categoriesEN[w.r.IntN(len(categoriesEN))]
}

// title is either a report of a shared event, which other sources of the
// same language also carry in other words (so clustering has stories to
// find), or a story of this source alone.
func (w *feedWriter) title() string {
	if w.r.IntN(2) == 0 {
		return w.eventTitle()
	}
	n := 5 + w.r.IntN(6)
	words := make([]string, n)
	for k := range words {
		words[k] = w.word()
	}
	return capitalize(strings.Join(words, " "))
}

// eventTitle draws a shared event: about three reports per event over
// the whole wire. The event fixes the key words and the number; each
// report shuffles them and adds words of its own.
func (w *feedWriter) eventTitle() string {
	pool := max(50, w.g.Sources*w.g.Items/6)
	ev := w.r.IntN(pool)
	er := rand.New(rand.NewPCG(w.g.Seed^0xe7e7, uint64(ev)))
	key := make([]string, 4+er.IntN(3))
	for k := range key {
		key[k] = vocabWord(er, w.s.Lang)
	}
	number := fmt.Sprintf("%d", 2+er.IntN(998))
	words := append(key, number)
	for range 1 + w.r.IntN(2) {
		words = append(words, w.word())
	}
	w.r.Shuffle(len(words), func(a, b int) { words[a], words[b] = words[b], words[a] })
	return capitalize(strings.Join(words, " "))
}

func (w *feedWriter) word() string { return vocabWord(w.r, w.s.Lang) }

func (w *feedWriter) sentences(n int) string {
	var b strings.Builder
	for k := range n {
		if k > 0 {
			b.WriteByte(' ')
		}
		m := 6 + w.r.IntN(10)
		for j := range m {
			word := w.word()
			if j == 0 {
				word = capitalize(word)
			} else {
				b.WriteByte(' ')
			}
			b.WriteString(word)
			if j < m-1 && w.r.IntN(8) == 0 {
				b.WriteByte(',')
			}
		}
		b.WriteByte('.')
	}
	return b.String()
}

// html writes paragraphs with links, emphasis and the odd image until the
// content reaches budget bytes in the feed's encoding.
func (w *feedWriter) html(budget int) string {
	var b strings.Builder
	for n := 0; n < budget; {
		var p string
		switch w.r.IntN(10) {
		case 0:
			p = fmt.Sprintf(`<p><img src="https://%s/img/%d.jpg" alt="%s" width="640" height="360"/></p>`, w.host(), w.r.IntN(1_000_000), w.word())
		case 1:
			p = fmt.Sprintf(`<p>%s <a href="https://%s/news/%d.html">%s</a> %s</p>`, w.sentences(1), w.host(), w.r.IntN(1_000_000), w.word(), w.sentences(1))
		case 2:
			p = fmt.Sprintf(`<p><b>%s</b> %s</p>`, w.sentences(1), w.sentences(1))
		case 3:
			p = fmt.Sprintf(`<blockquote><p>%s</p></blockquote>`, w.sentences(1))
		default:
			p = "<p>" + w.sentences(1+w.r.IntN(3)) + "</p>"
		}
		b.WriteString(p)
		b.WriteByte('\n')
		n += w.size(p) + 1
	}
	return b.String()
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return strings.ToUpper(string(r)) + s[n:]
}

// commonShare is the share of words drawn from the common news words; the
// rest are made up from syllables. It is tuned so that two unrelated
// synthetic items are about as alike as two unrelated items of the real
// wire feeds in /work/shared/corpus (mean cluster.Similarity about 0.005;
// TestGeneratedSimilarity): more common words would flood the cluster
// index with candidates that real text does not produce.
const commonShare = 0.16

// vocabWord draws a word: a common news word of the language with
// probability commonShare, else a made-up word from syllables, so that
// the vocabulary is large enough for unrelated titles to share few words.
func vocabWord(r *rand.Rand, lang string) string {
	common, syl := commonEN, syllablesEN
	if lang == "ru" {
		common, syl = commonRU, syllablesRU
	}
	if r.Float64() < commonShare {
		return common[r.IntN(len(common))]
	}
	n := 2 + r.IntN(3)
	var b strings.Builder
	for range n {
		b.WriteString(syl[r.IntN(len(syl))])
	}
	return b.String()
}

var (
	commonRU = strings.Fields(`и в не на что с по к из за от для о как это так его был она они при уже года
		президент правительство министр заявил сообщил глава компания рынок нефть газ банк рубль доллар
		выборы суд дело закон проект регион область город москва россия казахстан узбекистан киргизия
		таджикистан туркмения украина сибирь экономика бюджет инфляция ставка санкции соглашение переговоры
		делегация визит встреча саммит совет дума депутат губернатор мэр полиция авария пожар погода
		температура снег дождь урожай экспорт импорт поставки трубопровод строительство мост дорога
		аэропорт поезд самолет рейс билет цена рост снижение прогноз данные статистика опрос население
		школа университет больница врач вакцина спорт футбол хоккей матч чемпионат победа команда тренер`)
	commonEN = strings.Fields(`the a of to in and for on with at by from as is was has said will would
		president government minister said reported officials company market oil gas bank currency dollar
		election court case law project region province city capital russia kazakhstan uzbekistan kyrgyzstan
		tajikistan turkmenistan ukraine economy budget inflation rate sanctions agreement talks delegation
		visit meeting summit council parliament lawmaker governor mayor police crash fire weather
		temperature snow rain harvest exports imports supplies pipeline construction bridge road airport
		train plane flight ticket price growth decline forecast data statistics poll population school
		university hospital doctor vaccine sport football hockey match championship victory team coach`)
	syllablesRU  = strings.Fields(`ка ра но ли ст ва ми ко ре то пр ве на де бо лу ти жа ше зо ку ры фе цо ча хи ло се мо ду`)
	syllablesEN  = strings.Fields(`ka ra no li st va mi co re to pr ve na de bo lu ti ja she zo ku ry fe tso cha hi lo se mo du`)
	categoriesRU = []string{"Политика", "Экономика", "Общество", "Спорт", "Происшествия", "В мире"}
	categoriesEN = []string{"Politics", "Business", "World", "Sport", "Society", "Energy"}
)
