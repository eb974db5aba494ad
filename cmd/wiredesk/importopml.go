package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html/charset"

	"github.com/wiredesk/wiredesk"
)

type opmlDoc struct {
	XMLName xml.Name      `xml:"opml"`
	Body    []opmlOutline `xml:"body>outline"`
}

type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr"`
	Type     string        `xml:"type,attr"`
	XMLURL   string        `xml:"xmlUrl,attr"`
	Language string        `xml:"language,attr"`
	Outlines []opmlOutline `xml:"outline"`
}

func cmdImportOPML(ctx context.Context, e *env, args []string) error {
	fs, _ := flags(e, "import-opml", "import-opml FILE",
		"  wiredesk import-opml subscriptions.opml >> wiredesk.toml\n\n"+
			"Prints a [[source]] block for every feed outline; review them before use. Exit codes: 0, 1.")
	if err := parseFlags(fs, interleave(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &usageError{msg: "import-opml needs exactly one FILE"}
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	return importOPML(e.stdout, e.stderr, f, fs.Arg(0))
}

// importOPML writes one [[source]] block per feed outline of r. Ids are
// derived from titles and de-duplicated. An OPML file may come from
// anyone: a feed URL that is not http(s), or that points at this machine
// or a private network, is flagged on warn and in a comment above its
// block, so nobody pastes it unread.
func importOPML(w, warn io.Writer, r io.Reader, name string) error {
	dec := xml.NewDecoder(r)
	dec.CharsetReader = charset.NewReaderLabel
	var doc opmlDoc
	if err := dec.Decode(&doc); err != nil {
		var se *xml.SyntaxError
		if asSyntax(err, &se) {
			return fmt.Errorf("%s:%d: not valid OPML: %s", name, se.Line, se.Msg)
		}
		return fmt.Errorf("%s: not valid OPML: %w", name, err)
	}
	var feeds []opmlOutline
	var walk func([]opmlOutline, []string)
	var folderOf [][]string
	walk = func(outlines []opmlOutline, folder []string) {
		for _, o := range outlines {
			if o.XMLURL != "" {
				feeds = append(feeds, o)
				folderOf = append(folderOf, folder)
			}
			if len(o.Outlines) > 0 {
				label := strings.TrimSpace(firstNonEmpty(o.Title, o.Text))
				sub := folder
				if label != "" && o.XMLURL == "" {
					sub = append(append([]string{}, folder...), slug(label))
				}
				walk(o.Outlines, sub)
			}
		}
	}
	walk(doc.Body, nil)
	if len(feeds) == 0 {
		return fmt.Errorf("%s: no feed outlines (outline elements with an xmlUrl attribute)", name)
	}
	taken := map[string]bool{}
	for i, o := range feeds {
		title := strings.TrimSpace(firstNonEmpty(o.Title, o.Text, o.XMLURL))
		id := uniqueID(slug(title), taken)
		if why := suspectURL(o.XMLURL); why != "" {
			fmt.Fprintf(warn, "wiredesk: warning: %s: source %q: %s\n", name, id, why)
			fmt.Fprintf(w, "# WARNING: %s; review before use\n", why)
		}
		fmt.Fprintf(w, "[[source]]\nid   = %s\nname = %s\nurl  = %s\n", strconv.Quote(id), strconv.Quote(title), strconv.Quote(o.XMLURL))
		if o.Language != "" {
			fmt.Fprintf(w, "language = %s\n", strconv.Quote(o.Language))
		}
		if len(folderOf[i]) > 0 {
			q := make([]string, len(folderOf[i]))
			for j, t := range folderOf[i] {
				q[j] = strconv.Quote(t)
			}
			fmt.Fprintf(w, "tags = [%s]\n", strings.Join(q, ", "))
		}
		fmt.Fprintln(w)
	}
	return nil
}

// uniqueID returns id, or "source" for an empty one, with the first
// "-N" suffix that no earlier id took, and records it in taken. Checking
// the suffixed id too matters: a feed titled "Feed 2" slugs to the same
// "feed-2" as the second of two feeds titled "Feed".
func uniqueID(id string, taken map[string]bool) string {
	if id == "" {
		id = "source"
	}
	out := id
	for n := 2; taken[out]; n++ {
		out = id + "-" + strconv.Itoa(n)
	}
	taken[out] = true
	return out
}

func asSyntax(err error, se **xml.SyntaxError) bool {
	e, ok := err.(*xml.SyntaxError)
	if ok {
		*se = e
	}
	return ok
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// slug makes a config id from a title: lower-case ASCII letters, digits and
// dashes; Cyrillic is transliterated so Russian wires get readable ids.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		var out string
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			out = string(r)
		default:
			out = translit[r]
		}
		if out == "" {
			if b.Len() > 0 {
				dash = true
			}
			continue
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteString(out)
	}
	res := b.String()
	if len(res) > 40 {
		res = strings.TrimRight(res[:40], "-")
	}
	return res
}

var translit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "",
	'э': "e", 'ю': "yu", 'я': "ya",
}

// suspectURL says why a feed URL from an untrusted OPML file deserves a
// second look, or "" when it is a plain public http(s) URL. Host names are
// not resolved (no network here); only address literals and names that
// can only mean this machine or a private network are flagged.
func suspectURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "URL does not parse"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Sprintf("scheme %q is not http or https (wiredesk would read %s)", u.Scheme, wiredesk.RedactURL(raw))
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") || strings.HasSuffix(host, ".internal") {
		return fmt.Sprintf("host %q is this machine or a local network", host)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		switch {
		case ip.IsLoopback():
			return fmt.Sprintf("address %s is this machine (loopback)", ip)
		case ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsUnspecified(), ip.IsMulticast():
			return fmt.Sprintf("address %s is private, link-local or not routable", ip)
		}
	}
	return ""
}
