package parse

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// DefaultEncoding is the charset assumed for a body that is not valid UTF-8,
// whose charset nothing trustworthy names (no BOM, no usable XML prolog
// label, no HTTP charset, no per-source fallback) and that detection cannot
// read as Russian or Western text either (Hebrew, CJK…). windows-1252 is
// what browsers and Universal Feed Parser fall back to; it decodes every
// byte, so the feed still parses.
const DefaultEncoding = "windows-1252"

// Decision records which charset Decode used and why, for logs and the
// status page (wiredesk.SourceState.Encoding).
type Decision struct {
	// Charset is the canonical (WHATWG) name of the charset the body was
	// decoded from, e.g. "windows-1251", "utf-16le", "utf-8".
	Charset string
	// Reason says which rule chose it, e.g. "HTTP Content-Type charset".
	Reason string
}

// String returns "charset (reason)".
func (d Decision) String() string { return d.Charset + " (" + d.Reason + ")" }

// Decode converts a feed body to UTF-8 once, so that gofeed never decodes it
// a second time: the result has no byte order mark, and an XML prolog that
// names an encoding is rewritten to encoding="utf-8" (a prolog is inserted
// when the body had none and was not UTF-8). JSON bodies are UTF-8 by
// definition: only a BOM is stripped and invalid bytes are replaced.
//
// The charset is chosen by the first rule that applies:
//
//  1. override, the source's forced encoding (an unknown label is an error);
//  2. a byte order mark (UTF-8, UTF-16LE/BE, UTF-32LE/BE);
//  3. the UTF-16/32 byte pattern of "<" or leading whitespace without BOM;
//  4. the body is valid UTF-8 and not pure ASCII: UTF-8, whatever the labels
//     say (a "windows-1252" prolog on UTF-8 bytes is a common lie); and a
//     body that is UTF-8 but for a few invalid bytes (at least
//     damagedUTF8Ratio valid multi-byte characters per bad byte) stays
//     UTF-8 with U+FFFD for the bad bytes, whatever the labels say;
//  5. the XML prolog's encoding label, unless the bytes contradict it;
//  6. the charset parameter of the HTTP Content-Type, unless contradicted;
//  7. fallback, the source's fallback encoding (an unknown label is an
//     error), unless contradicted;
//  8. UTF-8 for a pure ASCII body;
//  9. detection: the candidate single-byte charset (windows-1251, KOI8-R,
//     windows-1252, ISO-8859-5, IBM866, x-mac-cyrillic) that reads at least
//     three quarters of the body's non-ASCII letters as plausible words
//     (see detect.go), the best scoring one;
//  10. DefaultEncoding.
//
// A label is contradicted when it says UTF-8 over bytes that are not mostly
// UTF-8, or when it names a single-byte charset that reads most non-ASCII
// letters as nonsense while the best candidate reads at least three
// quarters of them as words. Labels of UTF-16/32 in rules 5–7 are skipped
// (the body is not in the wide byte pattern, or rule 3 would have matched),
// and so are unknown labels. Every skipped label and the detection figures
// are named in the Decision's reason, which `wiredesk fetch` and /status
// show. A body that a prolog or HTTP label calls UTF-8 and that has more
// valid multi-byte sequences than invalid bytes is also taken as UTF-8.
//
// The output is always valid UTF-8.
func Decode(body []byte, contentType, override, fallback string) ([]byte, Decision, error) {
	if strings.TrimSpace(override) != "" {
		enc, name, err := lookup(override)
		if err != nil {
			return nil, Decision{}, fmt.Errorf("decode: forced encoding: %w", err)
		}
		return transcode(stripBOMFor(body, name), enc, name, Decision{name, fmt.Sprintf("forced by source encoding %q", strings.TrimSpace(override))})
	}

	if enc, name, n := sniffBOM(body); enc != nil {
		return transcode(body[n:], enc, name, Decision{name, "byte order mark"})
	}
	if enc, name := sniffWide(body); enc != nil {
		return transcode(body, enc, name, Decision{name, name + " byte pattern without BOM"})
	}

	if looksJSON(body, contentType) {
		return finish(body, false), Decision{"utf-8", "JSON is always UTF-8"}, nil
	}

	ascii := isASCII(body)
	valid := ascii || utf8.Valid(body)
	if valid && !ascii {
		return finishValid(body, false), Decision{"utf-8", "body is valid UTF-8"}, nil
	}
	if !valid {
		if good, bad, ok := damagedUTF8(body); ok {
			return finishValid(bytes.ToValidUTF8(body, []byte("\uFFFD")), false),
				Decision{"utf-8", fmt.Sprintf("body is UTF-8 but for %d invalid bytes among %d multi-byte characters, invalid bytes replaced", bad, good)}, nil
		}
	}
	return decode8bit(body, contentType, fallback, ascii)
}

// damagedUTF8Ratio is how many valid multi-byte UTF-8 sequences a body
// needs per invalid byte to be read as damaged UTF-8 whatever its labels
// say. Text in a single-byte Cyrillic or Western charset almost never forms
// valid sequences (a lead byte 0xC2–0xF4 must be followed by 0x80–0xBF,
// mostly punctuation there), so even a few per invalid byte is telling;
// eight leaves a wide margin.
const damagedUTF8Ratio = 8

// decode8bit is Decode for a body that is pure ASCII or not UTF-8: rules 5
// to 8, with detection judging every label. A label is "contradicted by the
// bytes" when it is utf-8 on bytes that are not mostly UTF-8, or when it is
// a single-byte charset that reads most words as nonsense while another
// candidate reads at least three quarters of them as text.
func decode8bit(body []byte, contentType, fallback string, ascii bool) ([]byte, Decision, error) {
	valid := ascii
	var (
		det     *detection
		bigrams *bigramSet
		ignored []string
	)
	detected := func() detection {
		if det == nil {
			if bigrams == nil {
				bigrams = newBigramSet()
			}
			d := detect(body, bigrams)
			det = &d
		}
		return *det
	}
	// contradicted returns why the bytes refute charset name, or "".
	contradicted := func(name string) string {
		if ascii {
			return ""
		}
		// The label's own reading first: when it reads the text as words,
		// nothing contradicts it and the other five readings are not
		// needed (they cost a fifth of a large pass's CPU).
		if bigrams == nil {
			bigrams = newBigramSet()
		}
		own, ok := detection{}.of(name, body[:min(len(body), detectScanLimit)], bigrams)
		if !ok || !own.garbles() {
			return ""
		}
		d := detected()
		best := d.best()
		if best.charset == name || !best.fits() {
			return ""
		}
		return fmt.Sprintf("contradicted by the bytes (%s; %s)", own, d.summary())
	}
	try := func(label, source string) ([]byte, Decision, bool) {
		label = strings.TrimSpace(label)
		if label == "" {
			return nil, Decision{}, false
		}
		enc, name, err := lookup(label)
		switch {
		case err != nil:
			ignored = append(ignored, fmt.Sprintf("unknown %s %q", source, label))
			return nil, Decision{}, false
		case isWide(name):
			ignored = append(ignored, fmt.Sprintf("%s %q on 8-bit data", source, label))
			return nil, Decision{}, false
		case name == "utf-8" && !valid:
			if mostlyUTF8(body) {
				return finishValid(bytes.ToValidUTF8(body, []byte("\uFFFD")), false),
					Decision{"utf-8", source + ", invalid bytes replaced"}, true
			}
			ignored = append(ignored, fmt.Sprintf("%s %q on invalid UTF-8", source, label))
			return nil, Decision{}, false
		}
		if why := contradicted(name); why != "" {
			ignored = append(ignored, fmt.Sprintf("%s %q: %s", source, label, why))
			return nil, Decision{}, false
		}
		reason := source
		if !strings.EqualFold(label, name) {
			reason = fmt.Sprintf("%s %q", source, label)
		}
		out, d, err := transcode(body, enc, name, Decision{name, reason})
		if err != nil {
			ignored = append(ignored, fmt.Sprintf("%s %q: %v", source, label, err))
			return nil, Decision{}, false
		}
		return out, d, true
	}
	note := func(d Decision) Decision {
		if len(ignored) > 0 {
			d.Reason += "; ignored " + strings.Join(ignored, ", ")
		}
		return d
	}

	if out, d, ok := try(prologEncoding(body), "XML prolog encoding"); ok {
		return out, note(d), nil
	}
	if out, d, ok := try(contentTypeCharset(contentType), "HTTP Content-Type charset"); ok {
		return out, note(d), nil
	}
	if strings.TrimSpace(fallback) != "" {
		enc, name, err := lookup(fallback)
		if err != nil {
			return nil, Decision{}, fmt.Errorf("decode: fallback encoding: %w", err)
		}
		switch why := contradicted(name); {
		case isWide(name):
			ignored = append(ignored, fmt.Sprintf("source fallback encoding %q on 8-bit data", fallback))
		case why != "":
			ignored = append(ignored, fmt.Sprintf("source fallback encoding %q: %s", fallback, why))
		default:
			out, d, err := transcode(body, enc, name, Decision{name, "source fallback encoding"})
			return out, note(d), err
		}
	}
	if ascii {
		return finishValid(body, false), note(Decision{"utf-8", "body is ASCII"}), nil
	}
	if d := detected(); d.best().fits() {
		best := d.best()
		enc, name, err := lookup(best.charset)
		if err != nil {
			return nil, Decision{}, fmt.Errorf("decode: detected encoding: %w", err)
		}
		out, dec, err := transcode(body, enc, name, Decision{name, "detected from the bytes, " + d.summary()})
		return out, note(dec), err
	}
	enc, name, err := lookup(DefaultEncoding)
	if err != nil {
		return nil, Decision{}, fmt.Errorf("decode: default encoding: %w", err)
	}
	out, d, err := transcode(body, enc, name, Decision{name, "default for 8-bit data with no usable label that no candidate reads as text"})
	return out, note(d), err
}

// lookup resolves a charset label to an encoding and its canonical name.
// It knows the WHATWG labels (htmlindex) plus UTF-32, and refuses the
// "replacement" encoding, which would turn the whole body into U+FFFD.
func lookup(label string) (encoding.Encoding, string, error) {
	l := strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	switch l {
	case "utf-32", "utf32", "ucs-4", "iso-10646-ucs-4", "utf-32le":
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le", nil
	case "utf-32be":
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be", nil
	case "utf-16", "utf16", "ucs-2", "iso-10646-ucs-2":
		// A plain "utf-16" label says nothing of byte order; the BOM or byte
		// pattern rules have already handled real UTF-16 bodies.
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", nil
	}
	enc, err := htmlindex.Get(l)
	if err != nil {
		return nil, "", fmt.Errorf("unknown charset %q", label)
	}
	if enc == encoding.Replacement {
		return nil, "", fmt.Errorf("unsupported charset %q", label)
	}
	name, err := htmlindex.Name(enc)
	if err != nil {
		return nil, "", fmt.Errorf("unknown charset %q: %w", label, err)
	}
	return enc, name, nil
}

func isWide(name string) bool {
	return strings.HasPrefix(name, "utf-16") || strings.HasPrefix(name, "utf-32")
}

// sniffBOM returns the encoding announced by a byte order mark and the BOM's
// length. UTF-32LE is tested before UTF-16LE, whose BOM is its prefix.
func sniffBOM(b []byte) (encoding.Encoding, string, int) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return encoding.Nop, "utf-8", 3
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0, 0}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le", 4
	case bytes.HasPrefix(b, []byte{0, 0, 0xFE, 0xFF}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be", 4
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le", 2
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be", 2
	}
	return nil, "", 0
}

// sniffWide recognises UTF-16 and UTF-32 without a BOM from the first code
// unit, which in an XML document is "<" or whitespace (XML 1.0 appendix F).
func sniffWide(b []byte) (encoding.Encoding, string) {
	if len(b) < 4 {
		return nil, ""
	}
	start := func(c byte) bool { return c == '<' || c == ' ' || c == '\t' || c == '\r' || c == '\n' }
	switch {
	case start(b[0]) && b[1] == 0 && b[2] == 0 && b[3] == 0:
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "utf-32le"
	case b[0] == 0 && b[1] == 0 && b[2] == 0 && start(b[3]):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "utf-32be"
	case start(b[0]) && b[1] == 0 && b[2] != 0 && b[3] == 0:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le"
	case b[0] == 0 && start(b[1]) && b[2] == 0 && b[3] != 0:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be"
	}
	return nil, ""
}

// stripBOMFor removes a BOM that agrees with the forced charset name.
func stripBOMFor(b []byte, name string) []byte {
	if _, bomName, n := sniffBOM(b); n > 0 && bomName == name {
		return b[n:]
	}
	return b
}

// transcode decodes b from enc (canonical name) to UTF-8 and fixes the
// prolog.
func transcode(b []byte, enc encoding.Encoding, name string, d Decision) ([]byte, Decision, error) {
	if name == "utf-8" {
		if !utf8.Valid(b) {
			b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
		}
		return finish(b, false), d, nil
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return nil, d, fmt.Errorf("decode %s: %w", name, err)
	}
	return finish(out, true), d, nil
}

// finishValid is finish for a body already known to be valid UTF-8: it
// saves validating it a second time.
func finishValid(b []byte, insert bool) []byte {
	return rewriteProlog(bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF}), insert)
}

// finish strips a leftover UTF-8 BOM, guarantees valid UTF-8 and rewrites
// the XML prolog to declare UTF-8. insert adds a prolog when there is none.
func finish(b []byte, insert bool) []byte {
	b = bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	return rewriteProlog(b, insert)
}

// prologBounds finds the XML declaration at the start of b (after optional
// whitespace) and returns the byte range of its attributes, between "<?xml"
// and "?>". ok is false when there is none.
func prologBounds(b []byte) (start, end int, ok bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	if !bytes.HasPrefix(b[i:], []byte("<?xml")) || len(b) < i+6 {
		return 0, 0, false
	}
	if c := b[i+5]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
		return 0, 0, false
	}
	limit := min(len(b), i+512)
	j := bytes.Index(b[i:limit], []byte("?>"))
	if j < 0 {
		return 0, 0, false
	}
	return i + 5, i + j, true
}

// prologAttr returns the value of attribute name in the declaration's
// attribute text and its byte range there.
func prologAttr(attrs []byte, name string) (val string, vs, ve int, ok bool) {
	for i := 0; i < len(attrs); {
		k := bytes.Index(attrs[i:], []byte(name))
		if k < 0 {
			return "", 0, 0, false
		}
		k += i
		j := k + len(name)
		prev := byte(' ')
		if k > 0 {
			prev = attrs[k-1]
		}
		for j < len(attrs) && (attrs[j] == ' ' || attrs[j] == '\t' || attrs[j] == '\r' || attrs[j] == '\n') {
			j++
		}
		if (prev != ' ' && prev != '\t' && prev != '\r' && prev != '\n') || j >= len(attrs) || attrs[j] != '=' {
			i = k + len(name)
			continue
		}
		j++
		for j < len(attrs) && (attrs[j] == ' ' || attrs[j] == '\t' || attrs[j] == '\r' || attrs[j] == '\n') {
			j++
		}
		if j >= len(attrs) || (attrs[j] != '"' && attrs[j] != '\'') {
			return "", 0, 0, false
		}
		q := attrs[j]
		e := bytes.IndexByte(attrs[j+1:], q)
		if e < 0 {
			return "", 0, 0, false
		}
		return string(attrs[j+1 : j+1+e]), j + 1, j + 1 + e, true
	}
	return "", 0, 0, false
}

// prologEncoding returns the encoding label of the XML declaration, or "".
func prologEncoding(b []byte) string {
	s, e, ok := prologBounds(b)
	if !ok {
		return ""
	}
	v, _, _, _ := prologAttr(b[s:e], "encoding")
	return v
}

// rewriteProlog makes the XML declaration say encoding="utf-8": an existing
// encoding value is replaced, a declaration without one gets it added, and
// with insert a body without a declaration gets one. Bodies that are not XML
// (no leading "<") are returned unchanged.
func rewriteProlog(b []byte, insert bool) []byte {
	s, e, ok := prologBounds(b)
	if !ok {
		t := bytes.TrimLeft(b, " \t\r\n")
		if !insert || len(t) == 0 || t[0] != '<' {
			return b
		}
		out := make([]byte, 0, len(b)+40)
		out = append(out, `<?xml version="1.0" encoding="utf-8"?>`...)
		out = append(out, '\n')
		return append(out, t...)
	}
	out := setPrologEncoding(b, s, e)
	_, _, _, readable := prologAttr(b[s:e], "encoding")
	malformed := !readable && bytes.Contains(b[s:e], []byte("encoding"))
	if malformed || !strings.EqualFold(prologEncoding(out), "utf-8") {
		// A declaration too malformed to edit (an encoding value without
		// its closing quote: `<?xml encoding="?>`, which FuzzDecode found):
		// a clean one replaces it rather than sit beside a second encoding.
		return append([]byte(`<?xml version="1.0" encoding="utf-8"?>`), b[e+len("?>"):]...)
	}
	return out
}

// setPrologEncoding edits the declaration whose attributes are b[s:e] to
// say encoding="utf-8".
func setPrologEncoding(b []byte, s, e int) []byte {
	attrs := b[s:e]
	v, vs, ve, found := prologAttr(attrs, "encoding")
	if found && strings.EqualFold(v, "utf-8") {
		return b
	}
	out := make([]byte, 0, len(b)+20)
	if found {
		out = append(out, b[:s+vs]...)
		out = append(out, "utf-8"...)
		return append(out, b[s+ve:]...)
	}
	// No encoding attribute: add one after the version (or at the end).
	insertAt := e
	if _, _, vEnd, ok := prologAttr(attrs, "version"); ok {
		insertAt = s + vEnd + 1
	}
	out = append(out, b[:insertAt]...)
	out = append(out, ` encoding="utf-8"`...)
	return append(out, b[insertAt:]...)
}

// contentTypeCharset returns the charset parameter of an HTTP Content-Type.
func contentTypeCharset(ct string) string {
	if ct == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		// Be lenient with malformed headers such as "text/xml;charset=cp1251;".
		// Only ASCII is lowered: strings.ToLower may change the length
		// (invalid UTF-8 becomes U+FFFD, "K" a one-byte "k"), and i must
		// index ct itself.
		low := asciiLower(ct)
		i := strings.Index(low, "charset=")
		if i < 0 {
			return ""
		}
		v := ct[i+len("charset="):]
		if j := strings.IndexAny(v, "; "); j >= 0 {
			v = v[:j]
		}
		return strings.Trim(v, `"'`)
	}
	return params["charset"]
}

// asciiLower returns s with A-Z lowered and every other byte kept, so
// that an offset into the result is the same offset into s.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// looksJSON reports whether the body is a JSON document: its first
// non-space byte is "{", or the media type says JSON and it is not "<".
func looksJSON(b []byte, ct string) bool {
	t := bytes.TrimLeft(bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF}), " \t\r\n")
	if len(t) > 0 && t[0] == '{' {
		return true
	}
	if len(t) > 0 && t[0] == '<' {
		return false
	}
	mt, _, _ := mime.ParseMediaType(ct)
	return strings.HasSuffix(mt, "json")
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// mostlyUTF8 reports whether b, which is not valid UTF-8, still has more
// valid multi-byte sequences than invalid bytes: a UTF-8 feed with a few
// damaged bytes (a CMS that cut a string mid-character), not an 8-bit
// charset. It is the test for a body a label calls UTF-8; without such a
// label Decode asks for damagedUTF8Ratio times more.
func mostlyUTF8(b []byte) bool {
	good, bad := utf8Sequences(b)
	return good > bad
}

// damagedUTF8 reports whether b is UTF-8 with a few invalid bytes: some
// invalid bytes, and damagedUTF8Ratio times as many valid multi-byte
// sequences (utf8Sequences' counts, which it returns when ok). It stops
// reading once the bytes left, at two a sequence, cannot make up the
// ratio: an 8-bit body says so within its first few kilobytes of text.
func damagedUTF8(b []byte) (good, bad int, ok bool) {
	good, bad, whole := countUTF8(b, damagedUTF8Ratio)
	return good, bad, whole && bad > 0 && good >= damagedUTF8Ratio*bad
}

// utf8Sequences counts the valid multi-byte UTF-8 sequences and the
// invalid bytes of b.
func utf8Sequences(b []byte) (good, bad int) {
	good, bad, _ = countUTF8(b, 0)
	return good, bad
}

// countUTF8 counts the valid multi-byte UTF-8 sequences and the invalid
// bytes of b. With a ratio above 0 it stops, whole false, as soon as the
// bytes left could no longer bring the valid sequences to ratio times the
// invalid bytes.
func countUTF8(b []byte, ratio int) (good, bad int, whole bool) {
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			bad++
			if good+(len(b)-1)/2 < ratio*bad {
				return good, bad, false
			}
		} else {
			good++
		}
		b = b[n:]
	}
	return good, bad, true
}
