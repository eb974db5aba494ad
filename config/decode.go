package config

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"github.com/wiredesk/wiredesk"
)

// parser holds the state of one Parse call: where values came from and
// every problem found so far.
type parser struct {
	file  string
	dir   string
	env   func(string) (string, bool)
	lines *lineIndex
	errs  Errors
	warns Errors // keys that load but do nothing; see Config.Warnings
	// known lists, per table ("" for the top level, "source" for every
	// [[source]]), the keys the decoder asks for, in order.
	known   map[string][]string
	decoded []*table // tables to check for unknown keys
	// overlay is the desk's overlay merged into the document (nil: none);
	// origins says, per array of tables ("source", "feed"), where each
	// merged element came from, so errors name its file and line.
	overlay *overlayDoc
	origins map[string][]origin
}

// schemaKeys returns the keys the decoder knows, per table, by decoding an
// empty document with one element of each array table. Parse starts from
// it so that a [[source]] key misplaced in a [[feed]] (or the other way
// round) can be named whatever the file contains.
func schemaKeys() map[string][]string {
	p := &parser{env: func(string) (string, bool) { return "", false }, known: map[string][]string{}, lines: indexLines("")}
	p.config(map[string]any{"source": []map[string]any{{}}, "feed": []map[string]any{{}}, "alert": []map[string]any{{}}, "channel": []map[string]any{{}}})
	return p.known
}

// table is one TOML table being decoded.
type table struct {
	p      *parser
	ov     *overlayDoc // non-nil for a table from the desk's overlay
	m      map[string]any
	schema string   // "server", "source", …; "" for the top level
	path   []string // lineIndex path of the table
	name   string   // how errors name the table: "poll", `source "tass"`
	array  bool     // an element of an array of tables
}

func (p *parser) add(e *Error) {
	if e.File == "" {
		e.File = p.file
	}
	p.errs = append(p.errs, e)
}

// syntaxError converts a TOML decoding error. When the last key read is a
// secret, the decoder's message (which may quote the value) is withheld.
func (p *parser) syntaxError(doc string, err error) *Error {
	e := &Error{File: p.file, err: err}
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		e.Msg = "syntax error: " + err.Error()
		return e
	}
	e.Line = pe.Position.Line
	e.Column = column(doc, pe.Position.Start)
	e.Msg = "syntax error: " + pe.Message
	if secretKey(strings.Split(pe.LastKey, ".")) {
		e.Msg = "syntax error in the value of " + pe.LastKey + " (not shown: it is a secret); check quotes and escapes"
	}
	return e
}

// column turns a byte offset into a 1-based column counted in characters.
func column(doc string, off int) int {
	if off < 0 || off > len(doc) {
		return 0
	}
	start := strings.LastIndexByte(doc[:off], '\n') + 1
	return utf8.RuneCountInString(doc[start:off]) + 1
}

// secretKey reports whether a dotted TOML key names a secret value.
func secretKey(k []string) bool {
	for i, part := range k {
		switch part {
		case "password", "admin_token", "secret", "token":
			return true
		case "headers":
			if i < len(k)-1 {
				return true
			}
		}
	}
	return false
}

func (t *table) ask(key string) (any, bool) {
	if !slices.Contains(t.p.known[t.schema], key) {
		t.p.known[t.schema] = append(t.p.known[t.schema], key)
	}
	v, ok := t.m[key]
	return v, ok
}

// keyName is how errors name key of this table.
func (t *table) keyName(key string) string {
	switch {
	case key == "":
		return t.name
	case t.name == "":
		return key
	case t.array:
		return t.name + ": " + key
	default:
		return t.name + "." + key
	}
}

func (t *table) line(key string) int {
	path := t.path
	if key != "" {
		path = append(slices.Clip(t.path), key)
	}
	if t.ov != nil {
		return t.ov.lines.line(path)
	}
	return t.p.lines.line(path)
}

// errorf reports a problem with key ("" for the table itself).
func (t *table) errorf(key, format string, args ...any) {
	e := &Error{Line: t.line(key), Key: t.keyName(key), Msg: fmt.Sprintf(format, args...)}
	if t.ov != nil {
		e.File = t.ov.file
	}
	t.p.add(e)
}

// warnf records a key that loads but does not do what its writer meant
// (a key kept so that old files load): not an error, but never silent.
func (t *table) warnf(key, format string, args ...any) {
	t.p.warns = append(t.p.warns, &Error{File: t.p.file, Line: t.line(key), Key: t.keyName(key), Msg: fmt.Sprintf(format, args...)})
}

// sub returns the table under key; a missing table is an empty one, so that
// defaults apply and the known keys are still registered.
func (t *table) sub(key string) *table {
	st := &table{p: t.p, ov: t.ov, m: map[string]any{}, schema: key, path: append(slices.Clip(t.path), key), name: key}
	v, ok := t.ask(key)
	if !ok {
		return st
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		t.errorf(key, "must be a table [%s], not %s", key, typeName(v))
		return st
	}
	st.m = m
	return st
}

// elements returns the tables of the array of tables under key.
func (t *table) elements(key string) []*table {
	v, ok := t.ask(key)
	if !ok {
		return nil
	}
	list, isList := v.([]map[string]any)
	if inline, isArray := v.([]any); isArray { // source = [{ id = "a", … }]
		isList = true
		list = nil
		for _, el := range inline {
			m, isMap := el.(map[string]any)
			if !isMap {
				isList = false
				break
			}
			list = append(list, m)
		}
	}
	if !isList {
		t.errorf(key, "must be an array of tables: write [[%s]] above each one, not %s", key, typeName(v))
		return nil
	}
	out := make([]*table, len(list))
	for i, m := range list {
		out[i] = &table{
			p: t.p, ov: t.ov, m: m, schema: key, array: true,
			path: append(slices.Clip(t.path), key, elem(i)),
			name: fmt.Sprintf("%s #%d", key, i+1),
		}
		if o := t.p.origins[key]; t.schema == "" && i < len(o) {
			// A merged element: its path and lines are those of the
			// document it came from.
			out[i].path = append(slices.Clip(t.path), key, elem(o[i].index))
			if o[i].overlay {
				out[i].ov = t.p.overlay
				out[i].name = fmt.Sprintf("%s #%d (desk)", key, o[i].index+1)
			}
		}
	}
	return out
}

// finish queues the check for keys of the table that the decoder did not
// ask for; it runs once every table is decoded (see checkUnknown).
func (t *table) finish() { t.p.decoded = append(t.p.decoded, t) }

// checkUnknown reports every unknown key of the decoded tables.
func (p *parser) checkUnknown() {
	for _, t := range p.decoded {
		t.unknownKeys()
	}
}

func (t *table) unknownKeys() {
	known := t.p.known[t.schema]
	keys := make([]string, 0, len(t.m))
	for k := range t.m {
		if !slices.Contains(known, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if t.schema == "" {
			t.errorf(k, "%s", t.p.unknownTopLevel(k, t.m[k], known))
			continue
		}
		t.errorf(k, "%s", t.p.unknownKey(t.schema, k, known))
	}
}

// unknownKey explains an unknown key: a close known key of the same table,
// else the table where such a key belongs, else the list of known keys.
func (p *parser) unknownKey(schema, key string, known []string) string {
	where := "in [" + schema + "]"
	switch schema {
	case "":
		where = "at the top level"
	case "source", "feed", "alert", "channel":
		where = "in [[" + schema + "]]"
	}
	msg := fmt.Sprintf("unknown key %q %s", key, where)
	if s := suggest(key, known); s != "" {
		return msg + fmt.Sprintf("; did you mean %q?", s)
	}
	var tables []string
	for _, other := range tableOrder {
		if other != schema && slices.Contains(p.known[other], key) {
			tables = append(tables, other)
		}
	}
	if len(tables) > 0 {
		return msg + fmt.Sprintf("; %q is a key of %s: is a table header missing or misplaced?", key, headers(tables))
	}
	return msg + "; known keys: " + strings.Join(known, ", ")
}

// unknownTopLevel explains an unknown table or key outside any table.
func (p *parser) unknownTopLevel(key string, v any, known []string) string {
	var header string
	switch v.(type) {
	case map[string]any:
		header = "[%s]"
	case []map[string]any:
		header = "[[%s]]"
	default:
		return p.unknownKey("", key, known)
	}
	msg := "unknown table " + fmt.Sprintf(header, key)
	if s := suggest(key, known); s != "" {
		return msg + "; did you mean " + headers([]string{s}) + "?"
	}
	return msg + "; known tables: " + headers(known)
}

// A Schema is one table of the config file and the keys it may hold.
type Schema struct {
	Header string   // as written in the file: "[poll]", "[[source]]"
	Keys   []string // in the order the decoder reads them
}

// Schemas lists every table of the config file with the keys it may
// hold, in the order they are decoded: what `wiredesk check -h` prints.
// It is read off the decoder, so it names every key a file may have.
func Schemas() []Schema {
	known := schemaKeys()
	out := make([]Schema, 0, len(tableOrder)-1)
	for _, t := range tableOrder[1:] {
		out = append(out, Schema{Header: headers([]string{t}), Keys: known[t]})
	}
	return out
}

// tableOrder lists the tables in the order they are decoded.
var tableOrder = []string{"", "server", "storage", "poll", "publish", "cluster", "log", "source", "feed", "alert", "channel"}

func headers(tables []string) string {
	out := make([]string, len(tables))
	for i, t := range tables {
		if t == "source" || t == "feed" || t == "alert" || t == "channel" {
			out[i] = "[[" + t + "]]"
		} else {
			out[i] = "[" + t + "]"
		}
	}
	if len(out) > 2 {
		return strings.Join(out, ", ")
	}
	return strings.Join(out, " and ")
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("a %T", v)
}

// expand replaces ${VAR} with the variable's value and $$ with $; a $
// followed by anything else stays as it is (so /regex$/ needs no escape).
// It reports every unset variable by name, never a value.
func (t *table) expand(key, s string) (string, bool) {
	if !strings.Contains(s, "$") {
		return s, true
	}
	var b strings.Builder
	ok := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				t.errorf(key, `unterminated "${": write ${NAME}, or "$$" for a literal "$"`)
				return "", false
			}
			name := s[i+2 : i+2+end]
			i += 2 + end
			if !validEnvName(name) {
				t.errorf(key, "invalid environment variable name %q: use letters, digits and _", name)
				ok = false
				continue
			}
			v, set := t.p.env(name)
			if !set {
				t.errorf(key, "environment variable %s is not set", name)
				ok = false
				continue
			}
			b.WriteString(v)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ok
}

func validEnvName(s string) bool {
	if s == "" || '0' <= s[0] && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// rawString returns the expanded string at key; ok is false when the key
// is missing or wrong (the problem is already reported).
func (t *table) rawString(key string) (s string, present, ok bool) {
	v, present := t.ask(key)
	if !present {
		return "", false, false
	}
	str, isStr := v.(string)
	if !isStr {
		t.errorf(key, "must be a string (in quotes), not %s", typeName(v))
		return "", true, false
	}
	s, ok = t.expand(key, str)
	return s, true, ok
}

// str sets *dst from a string key, if present and valid; it reports
// whether it did.
func (t *table) str(key string, dst *string) bool {
	s, _, ok := t.rawString(key)
	if ok {
		*dst = s
	}
	return ok
}

// zone reads an IANA time zone name ("Europe/Moscow", "UTC") into dst; an
// empty string keeps dst. "Local" is refused: it would mean different
// zones on different machines reading the same file.
func (t *table) zone(key string, dst **time.Location) {
	var tz string
	if !t.str(key, &tz) || tz == "" {
		return
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		t.errorf(key, "%q is not an IANA time zone name such as \"Europe/Moscow\" or \"UTC\"", tz)
		return
	}
	*dst = loc
}

func (t *table) secret(key string, dst *wiredesk.Secret) {
	var s string
	if t.str(key, &s) {
		if strings.ContainsAny(s, "\r\n") {
			t.errorf(key, "contains a line break (value not shown)")
			return
		}
		*dst = wiredesk.Secret(s)
	}
}

// unitString returns the string value of a key that needs a unit
// (durations, sizes). A bare number is an error that says what to write
// instead (want), and for integers with unitSuffix also the integer with
// that unit ("4096B"); ok is false when the key is absent or invalid.
func (t *table) unitString(key, want, unitSuffix string) (s string, ok bool) {
	v, present := t.ask(key)
	if !present {
		return "", false
	}
	switch v := v.(type) {
	case int64:
		if unitSuffix != "" {
			t.errorf(key, `bare integer %d; write %s or "%d%s"`, v, want, v, unitSuffix)
		} else {
			t.errorf(key, `bare integer %d; write %s`, v, want)
		}
		return "", false
	case float64:
		t.errorf(key, `bare number %v; write %s`, v, want)
		return "", false
	}
	s, _, ok = t.rawString(key)
	return s, ok
}

// duration sets *dst from a duration string such as "5m"; min is the
// smallest value allowed.
func (t *table) duration(key string, dst *time.Duration, min time.Duration) {
	s, ok := t.unitString(key, `a duration string such as "5m"`, "")
	if !ok {
		return
	}
	d, err := parseDuration(s)
	if err != nil {
		t.errorf(key, "%v", err)
		return
	}
	if d < min {
		switch min {
		case 0:
			t.errorf(key, "%q is negative", s)
		case time.Nanosecond:
			t.errorf(key, "%q must be longer than zero", s)
		default:
			t.errorf(key, "%q is shorter than the minimum %s", s, wiredesk.FormatDuration(min))
		}
		return
	}
	*dst = d
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New(`empty duration; write a duration string such as "5m"`)
	}
	d, err := time.ParseDuration(s)
	if err == nil {
		return d, nil
	}
	if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
		return 0, fmt.Errorf(`%q has no unit; write a duration string such as "%ss" or "5m"`, s, s)
	}
	// The hint names hours only for days a Duration holds: 24*n must
	// neither overflow nor suggest what would fail again.
	const maxDays = math.MaxInt64 / int64(24*time.Hour)
	if n, nerr := strconv.ParseInt(strings.TrimSuffix(s, "d"), 10, 64); nerr == nil && strings.HasSuffix(s, "d") && n >= 0 && n <= maxDays {
		return 0, fmt.Errorf(`invalid duration %q: there is no "d" unit; write "%dh" for %d days`, s, 24*n, n)
	}
	return 0, fmt.Errorf(`invalid duration %q; write a duration string such as "90s", "5m" or "48h" (units ms, s, m, h)`, s)
}

// sizeUnits are the units of size strings: decimal KB/MB/GB, binary
// KiB/MiB/GiB, matched without regard to case.
var sizeUnits = map[string]int64{
	"b":  1,
	"kb": 1000, "mb": 1000 * 1000, "gb": 1000 * 1000 * 1000,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
}

// size sets *dst from a size string such as "10MB"; sizes must be positive.
func (t *table) size(key string, dst *int64, max int64) {
	s, ok := t.unitString(key, `a size string such as "10MB"`, "B")
	if !ok {
		return
	}
	n, err := parseSize(s)
	if err != nil {
		t.errorf(key, "%v", err)
		return
	}
	if n > max {
		t.errorf(key, "%q is larger than the maximum %d bytes", s, max)
		return
	}
	*dst = n
}

func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return !('0' <= r && r <= '9' || r == '.') })
	if i <= 0 {
		if i < 0 && s != "" {
			return 0, fmt.Errorf(`%q has no unit; write a size string such as "10MB" or "%sB"`, s, s)
		}
		return 0, fmt.Errorf(`invalid size %q; write a size string such as "10MB", "512KB" or "1GiB"`, s)
	}
	num, unit := s[:i], strings.ToLower(strings.TrimSpace(s[i:]))
	mult, ok := sizeUnits[unit]
	f, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil {
		return 0, fmt.Errorf(`invalid size %q; write a size string such as "10MB", "512KB" or "1GiB" (units B, KB, MB, GB, KiB, MiB, GiB)`, s)
	}
	b := f * float64(mult)
	if b > math.MaxInt64/2 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	if b < 1 {
		return 0, fmt.Errorf("size %q must be at least 1 byte", s)
	}
	return int64(b), nil
}

// integer sets *dst from an integer key within [min, max].
func (t *table) integer(key string, dst *int, min, max int) {
	v, present := t.ask(key)
	if !present {
		return
	}
	n, isInt := v.(int64)
	if !isInt {
		if s, isStr := v.(string); isStr {
			t.errorf(key, "must be a number without quotes, not the string %q", s)
		} else {
			t.errorf(key, "must be an integer, not %s", typeName(v))
		}
		return
	}
	if n < int64(min) || n > int64(max) {
		switch {
		case n < 0 && min >= 0:
			t.errorf(key, "%d is negative", n)
		case max == math.MaxInt:
			t.errorf(key, "%d is less than the minimum %d", n, min)
		default:
			t.errorf(key, "%d is out of range %d..%d", n, min, max)
		}
		return
	}
	*dst = int(n)
}

func (t *table) boolean(key string, dst *bool) {
	v, present := t.ask(key)
	if !present {
		return
	}
	b, isBool := v.(bool)
	if !isBool {
		t.errorf(key, "must be true or false (without quotes), not %s", typeName(v))
		return
	}
	*dst = b
}

// strs sets *dst from an array of strings; empty strings are an error.
func (t *table) strs(key string, dst *[]string) bool {
	v, present := t.ask(key)
	if !present {
		return false
	}
	list, isList := v.([]any)
	if !isList {
		if s, isStr := v.(string); isStr {
			t.errorf(key, "must be an array of strings: write [%q]", s)
		} else {
			t.errorf(key, "must be an array of strings, not %s", typeName(v))
		}
		return false
	}
	out := make([]string, 0, len(list))
	ok := true
	for i, el := range list {
		s, isStr := el.(string)
		if !isStr {
			t.errorf(key, "element %d must be a string, not %s", i+1, typeName(el))
			ok = false
			continue
		}
		s, good := t.expand(key, s)
		if !good {
			ok = false
			continue
		}
		if strings.TrimSpace(s) == "" {
			t.errorf(key, "element %d is empty", i+1)
			ok = false
			continue
		}
		out = append(out, s)
	}
	if ok {
		*dst = out
	}
	return ok
}
