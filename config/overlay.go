package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/wiredesk/wiredesk"
)

// The desk's overlay: sources and feeds changed in the browser are kept in
// a TOML file of their own beside the database, never in the hand-written
// config, whose comments and layout stay as their author left them. Load
// merges the overlay over the file: an overlay [[source]] replaces the
// file's source of the same id (or adds one), an overlay [[feed]] the
// feed of the same slug, and removed_feeds deletes feeds. The overlay
// carries a revision; UpdateOverlay writes only over the revision its
// caller read, so of two editors saving at once the second is told.

// OverlayPath is where the desk keeps its overlay for a database file:
// beside it, "wiredesk.db" → "wiredesk.desk.toml". The database's folder
// is the one the daemon can write (systemd's StateDirectory).
func OverlayPath(storagePath string) string {
	return strings.TrimSuffix(storagePath, filepath.Ext(storagePath)) + ".desk.toml"
}

// Overlay is the desk's overlay file. Tables are kept as decoded TOML
// (strings as written, "${VAR}" references unexpanded), so writing one
// back never stores an expanded secret.
type Overlay struct {
	Revision     int              `toml:"revision"`
	UpdatedBy    string           `toml:"updated_by,omitempty"`
	UpdatedAt    time.Time        `toml:"updated_at"`
	RemovedFeeds []string         `toml:"removed_feeds,omitempty"`
	Sources      []map[string]any `toml:"source,omitempty"`
	Feeds        []map[string]any `toml:"feed,omitempty"`

	path string // where it was read from
}

// ErrConflict is returned by UpdateOverlay when the overlay changed since
// the caller read it.
var ErrConflict = errors.New("the configuration was changed by someone else since you loaded it")

// overlayKeys are the overlay's top-level keys.
var overlayKeys = []string{"revision", "updated_by", "updated_at", "removed_feeds", "source", "feed"}

// overlayDoc is an overlay merged into a parse: its file and lines.
type overlayDoc struct {
	file  string
	lines *lineIndex
}

// origin is where a merged [[source]] or [[feed]] came from: the index of
// the element in the hand-written file, or in the overlay.
type origin struct {
	overlay bool
	index   int
}

// ReadOverlay reads the overlay at path; a missing file is an empty
// overlay of revision 0.
func ReadOverlay(path string) (*Overlay, error) {
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Overlay{}, nil
	}
	if err != nil {
		return nil, &Errors{{File: path, Msg: "cannot read: " + err.Error(), err: err}}
	}
	return decodeOverlay(path, data)
}

func decodeOverlay(path string, data []byte) (*Overlay, error) {
	var raw map[string]any
	_, err := toml.Decode(string(data), &raw)
	if err != nil {
		p := &parser{file: path}
		return nil, &Errors{p.syntaxError(string(data), err)}
	}
	lines := indexLines(string(data))
	var errs Errors
	bad := func(key, msg string) {
		errs = append(errs, &Error{File: path, Line: lines.line([]string{key}), Key: key, Msg: msg})
	}
	for k := range raw {
		if !slices.Contains(overlayKeys, k) {
			bad(k, "unknown key in the desk's overlay (it holds "+strings.Join(overlayKeys, ", ")+")")
		}
	}
	var ov Overlay
	if _, err := toml.Decode(string(data), &ov); err != nil {
		bad("", "not a desk overlay: "+err.Error())
	}
	if len(errs) > 0 {
		return nil, &errs
	}
	return &ov, nil
}

// Encode writes the overlay as TOML under a comment that says what it is.
func (o *Overlay) Encode() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# The wiredesk desk's configuration overlay: sources and feeds changed in the\n" +
		"# browser. Merged over the hand-written config by every command; written by\n" +
		"# `wiredesk serve` only (a hand edit is overwritten at the next desk save).\n\n")
	if err := toml.NewEncoder(&b).Encode(o); err != nil {
		return nil, fmt.Errorf("encode the desk's overlay: %w", err)
	}
	return b.Bytes(), nil
}

// mergeOverlay merges ov's tables into the hand-written document raw and
// returns, per array of tables, where each merged element came from.
func mergeOverlay(raw map[string]any, ov *Overlay) map[string][]origin {
	origins := map[string][]origin{}
	merge := func(key, idKey string, over []map[string]any, removed []string) {
		base, ok := tableList(raw[key])
		if !ok {
			return // not an array of tables: the plain parse reports it
		}
		used := make([]bool, len(over))
		find := func(id any) int {
			for j, m := range over {
				if s, ok := m[idKey].(string); ok && s != "" && s == id {
					return j
				}
			}
			return -1
		}
		var out []map[string]any
		var from []origin
		for i, m := range base {
			id, _ := m[idKey].(string)
			if id != "" && slices.Contains(removed, id) {
				continue
			}
			if j := find(id); id != "" && j >= 0 && !used[j] {
				used[j] = true
				out, from = append(out, over[j]), append(from, origin{overlay: true, index: j})
				continue
			}
			out, from = append(out, m), append(from, origin{index: i})
		}
		for j, m := range over {
			if !used[j] {
				out, from = append(out, m), append(from, origin{overlay: true, index: j})
			}
		}
		if len(out) > 0 || raw[key] != nil {
			raw[key] = out
		}
		origins[key] = from
	}
	merge("source", "id", ov.Sources, nil)
	merge("feed", "slug", ov.Feeds, ov.RemovedFeeds)
	return origins
}

// tableList returns v as a list of tables when it is one (nil is an
// empty list).
func tableList(v any) ([]map[string]any, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case []map[string]any:
		return v, true
	case []any:
		out := make([]map[string]any, 0, len(v))
		for _, el := range v {
			m, ok := el.(map[string]any)
			if !ok {
				return nil, false
			}
			out = append(out, m)
		}
		return out, true
	}
	return nil, false
}

// parseMerged parses the hand-written document data with the overlay
// (read from ovData at ovPath) merged over it.
func parseMerged(filename string, data []byte, ovPath string, ovData []byte, lookupEnv func(string) (string, bool)) (*Config, error) {
	ov, err := decodeOverlay(ovPath, ovData)
	if err != nil {
		return nil, err
	}
	return parse(filename, data, &overlayDoc{file: ovPath, lines: indexLines(string(ovData))}, ov, lookupEnv)
}

// UpdateOverlay changes the desk's overlay of the config at cfgPath: it
// reads the overlay, refuses with ErrConflict when its revision is not
// expected (someone saved since the caller read it), applies change,
// validates the hand-written file with the new overlay as Load would, and
// writes the overlay atomically (temporary file, fsync, rename) with the
// next revision. It returns the new configuration. Validation problems
// come back as *Errors naming key and message; nothing is written then.
//
// Within one process saves are serialised; only `wiredesk serve` writes
// the overlay, and the database lock keeps it to one daemon.
func UpdateOverlay(cfgPath string, expected int, by string, lookupEnv func(string) (string, bool), change func(*Overlay) error) (*Config, error) {
	overlayMu.Lock()
	defer overlayMu.Unlock()
	cfg, ov, out, err := tryOverlay(cfgPath, lookupEnv, func(ov *Overlay) error {
		if ov.Revision != expected {
			who := ""
			if ov.UpdatedBy != "" {
				who = fmt.Sprintf(" (revision %d, saved by %s at %s)", ov.Revision, ov.UpdatedBy, ov.UpdatedAt.UTC().Format(time.RFC3339))
			}
			return fmt.Errorf("%w%s; reload the page and make your change again", ErrConflict, who)
		}
		if err := change(ov); err != nil {
			return err
		}
		ov.Revision = expected + 1
		ov.UpdatedBy = by
		ov.UpdatedAt = time.Now().UTC().Truncate(time.Second)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(ov.path, out); err != nil {
		return nil, err
	}
	return cfg, nil
}

// TryOverlay is UpdateOverlay without the revision check and without
// writing: the configuration as it would be after change, for a test
// fetch or a preview of rules not yet saved.
func TryOverlay(cfgPath string, lookupEnv func(string) (string, bool), change func(*Overlay) error) (*Config, error) {
	cfg, _, _, err := tryOverlay(cfgPath, lookupEnv, change)
	return cfg, err
}

// tryOverlay reads the config and its overlay, applies change to the
// overlay and parses the result; it returns the configuration, the
// changed overlay and its encoding.
func tryOverlay(cfgPath string, lookupEnv func(string) (string, bool), change func(*Overlay) error) (*Config, *Overlay, []byte, error) {
	data, err := readFile(cfgPath)
	if err != nil {
		return nil, nil, nil, &Errors{{File: cfgPath, Msg: "cannot read: " + err.Error(), err: err}}
	}
	base, err := Parse(cfgPath, data, lookupEnv)
	if err != nil {
		return nil, nil, nil, err
	}
	path := OverlayPath(base.Storage.Path)
	ov, err := ReadOverlay(path)
	if err != nil {
		return nil, nil, nil, err
	}
	ov.path = path
	if err := change(ov); err != nil {
		return nil, nil, nil, err
	}
	out, err := ov.Encode()
	if err != nil {
		return nil, nil, nil, err
	}
	cfg, err := parseMerged(cfgPath, data, path, out, lookupEnv)
	if err != nil {
		return nil, nil, nil, err
	}
	return cfg, ov, out, nil
}

// Table is one [[source]] or [[feed]] of the merged configuration as
// written (decoded TOML, ${VAR} references unexpanded).
type Table struct {
	Key      string         // the source's id or the feed's slug
	Table    map[string]any // its keys
	FromDesk bool           // from the desk's overlay, not the hand-written file
}

// Tables returns the merged [[source]] and [[feed]] tables of the config
// at cfgPath, as written, and the overlay's revision.
func Tables(cfgPath string) (sources, feeds []Table, revision int, err error) {
	data, err := readFile(cfgPath)
	if err != nil {
		return nil, nil, 0, &Errors{{File: cfgPath, Msg: "cannot read: " + err.Error(), err: err}}
	}
	// Only the storage path is needed here: an unset variable reads as
	// empty rather than failing.
	base, err := Parse(cfgPath, data, func(name string) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		return "", true
	})
	if err != nil {
		return nil, nil, 0, err
	}
	ov, err := ReadOverlay(OverlayPath(base.Storage.Path))
	if err != nil {
		return nil, nil, 0, err
	}
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, nil, 0, fmt.Errorf("%s: %w", cfgPath, err)
	}
	origins := mergeOverlay(raw, ov)
	collect := func(key, idKey string) []Table {
		list, _ := tableList(raw[key])
		out := make([]Table, 0, len(list))
		for i, m := range list {
			id, _ := m[idKey].(string)
			t := Table{Key: id, Table: m}
			if o := origins[key]; i < len(o) {
				t.FromDesk = o[i].overlay
			}
			out = append(out, t)
		}
		return out
	}
	return collect("source", "id"), collect("feed", "slug"), ov.Revision, nil
}

// EncodeTable writes one table's keys as TOML, for an editor to change.
func EncodeTable(m map[string]any) (string, error) {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(m); err != nil {
		return "", err
	}
	return b.String(), nil
}

// DecodeTable reads the keys of one table written as TOML by an editor
// (without its [[source]] or [[feed]] header). A syntax error names the
// line.
func DecodeTable(name, text string) (map[string]any, error) {
	var m map[string]any
	if _, err := toml.Decode(text, &m); err != nil {
		p := &parser{file: name}
		return nil, &Errors{p.syntaxError(text, err)}
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

var overlayMu sync.Mutex

// writeAtomic replaces path with data: a reader sees the old file or the
// new one, never a part, and a crash leaves one of the two.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write the desk's overlay: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write the desk's overlay: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write the desk's overlay: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write the desk's overlay: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write the desk's overlay: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync() // the rename itself survives a crash where the OS allows
		d.Close()
	}
	return nil
}

// varRef is a ${VAR} reference.
var varRef = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)

// CheckSecretRefs reports every credential in a source table (as decoded
// TOML) that is written literally instead of as a ${VAR} reference:
// password, header values, a password in the URL and URL query parameters
// that look like credentials. The desk stores only references; the value
// lives in the daemon's environment. Messages never quote the value.
func CheckSecretRefs(src map[string]any) Errors {
	var errs Errors
	bad := func(key, msg string) { errs = append(errs, &Error{Key: key, Msg: msg}) }
	if s, ok := src["password"].(string); ok && s != "" && !onlyRefs(s) {
		bad("password", "write the password as a ${VAR} reference to the daemon's environment, not literally (value not shown)")
	}
	if h, ok := src["headers"].(map[string]any); ok {
		names := make([]string, 0, len(h))
		for k := range h {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			if s, ok := h[k].(string); ok && s != "" && !varRef.MatchString(s) {
				bad("headers."+k, "header values may carry credentials: write them with a ${VAR} reference (e.g. \"Bearer ${TOKEN}\"), not literally (value not shown)")
			}
		}
	}
	if s, ok := src["url"].(string); ok && s != "" {
		// References become a marker the URL parser accepts anywhere.
		const marker = "VARREF"
		u, err := url.Parse(varRef.ReplaceAllString(s, marker))
		if err == nil {
			if pw, set := u.User.Password(); set && pw != marker {
				bad("url", "the URL's password must be a ${VAR} reference, or use username and password = \"${VAR}\" (value not shown)")
			}
			q := u.Query()
			redacted, perr := url.Parse(wiredesk.RedactURL(u.String()))
			if perr == nil {
				rq := redacted.Query()
				for k, vs := range q {
					if slices.Equal(rq[k], vs) {
						continue
					}
					for _, v := range vs {
						if !strings.Contains(v, marker) {
							bad("url", fmt.Sprintf("query parameter %q looks like a credential: write its value as a ${VAR} reference (value not shown)", k))
							break
						}
					}
				}
			}
		}
	}
	return errs
}

// onlyRefs reports whether s is made of ${VAR} references only.
func onlyRefs(s string) bool { return varRef.ReplaceAllString(s, "") == "" }
