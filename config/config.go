package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/wiredesk/wiredesk"
)

// DefaultClusterThreshold is the [cluster] threshold when it is not set
// (see wiredesk.DefaultClusterThreshold).
const DefaultClusterThreshold = wiredesk.DefaultClusterThreshold

// Config is a validated configuration file with every default applied.
// Paths are absolute; file sources have absolute file:// URLs.
type Config struct {
	File string // absolute path of the config file
	Dir  string // its folder; relative paths in the file resolve against it

	Server  Server
	Storage Storage
	Poll    Poll
	Publish Publish
	Cluster Cluster
	Log     Log

	// Overlay is the desk's overlay file merged over this one ("" when
	// there is none; see OverlayPath) and Revision its revision.
	Overlay  string
	Revision int

	Sources []wiredesk.Source // [[source]] tables, in file order
	Feeds   []wiredesk.Feed   // [[feed]] tables, in file order

	Alerts   []Alert   // [[alert]] tables, in file order
	Channels []Channel // [[channel]] tables, in file order
	// Warnings are keys that load but do not do what their writer meant:
	// keys kept so that old files load (archive_size), values whose meaning
	// changed ([log] format = "auto"). Commands print them; they never stop
	// a load.
	Warnings Errors
}

// Server is the [server] table: the HTTP listener of `wiredesk serve`.
type Server struct {
	Listen string // host:port of the public listener
	// AdminListen is a separate host:port for /status and /metrics; empty
	// means the public listener serves them too.
	AdminListen string
	BaseURL     string // absolute http(s) URL without a trailing slash
	// AdminToken, when set, is required as a bearer token on admin paths.
	AdminToken wiredesk.Secret

	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration // grace period for in-flight requests
	MaxHeaderBytes    int
	// Timezone is the zone times are shown in to people: /status, and the
	// sources and preview commands. Default: the machine's local zone.
	Timezone *time.Location
}

// Storage is the [storage] table.
type Storage struct {
	Path        string        // absolute path of the bbolt file
	Retention   time.Duration // items older than this are pruned
	LockTimeout time.Duration // how long Open waits for the file lock
}

// Poll is the [poll] table: how sources are fetched.
type Poll struct {
	Interval     time.Duration // default interval of a source
	Timeout      time.Duration // one fetch, headers and body
	MinInterval  time.Duration // shortest delay between two polls of a source
	MaxInterval  time.Duration // longest delay between two polls of a source
	MaxBackoff   time.Duration // longest delay after repeated failures
	HostDelay    time.Duration // minimum spacing of two requests to one host
	Concurrency  int           // fetches in flight
	PerHost      int           // fetches in flight per host
	MaxRedirects int
	MaxBody      int64 // bytes
	UserAgent    string

	// Bounds of one poll (defaults in build.go). MaxItems is the most items
	// taken from one document, newest first; the others cap the bytes of an
	// item's title, summary and content, cut at a character boundary.
	MaxItems   int
	MaxTitle   int64
	MaxSummary int64
	MaxContent int64
}

// Publish is the [publish] table.
type Publish struct {
	OutDir string // absolute; where `once` and `export` write feeds
	Hub    string // WebSub hub URL; empty: none
	// ArchivePeriod is the first-seen span one RFC 5005 archive page
	// covers; pages are numbered from 1970-01-01 UTC.
	ArchivePeriod time.Duration
	// DecisionElements publishes each editor's decision in full as a
	// wd:decision element in RSS and Atom besides the standard decision
	// category; off by default, since the W3C validator warns about the
	// wd namespace.
	DecisionElements bool
}

// Cluster is the [cluster] table.
type Cluster struct {
	Window    time.Duration // how far back a story may gather other wires
	Threshold float64       // similarity needed to join a story, 0 < t ≤ 1
}

// Log is the [log] table.
type Log struct {
	Level  string // debug, info, warn or error
	Format string // auto, text or json
}

// MaxFileSize is the largest config file Load reads. A desk of a thousand
// sources takes about 300 KB.
const MaxFileSize = 1 << 20

// Load reads the file at path and parses it with Parse, expanding ${VAR}
// from the process environment. A file that cannot be read is reported as
// *Errors too; errors.Is(err, fs.ErrNotExist) tells a missing file. The
// file must be a regular file (or a link to one) of at most MaxFileSize
// bytes: a device such as /dev/zero or a FIFO is refused at once instead
// of being read forever or waited on.
func Load(path string) (*Config, error) { return LoadEnv(path, os.LookupEnv) }

// LoadEnv is Load with lookupEnv resolving ${VAR} instead of the process
// environment. Commands that only read the database pass one that reads
// an unset variable as empty, so they need no wire passwords.
func LoadEnv(path string, lookupEnv func(string) (string, bool)) (*Config, error) {
	data, err := readFile(path)
	if err != nil {
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return nil, &Errors{{File: path, Msg: "cannot read: " + msg, err: err}}
	}
	cfg, err := Parse(path, data, lookupEnv)
	if err != nil {
		return nil, err
	}
	// The desk's overlay lives beside the database, which the file names.
	ovPath := OverlayPath(cfg.Storage.Path)
	ovData, err := readFile(ovPath)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return nil, &Errors{{File: ovPath, Msg: "cannot read the desk's overlay: " + err.Error(), err: err}}
	}
	return parseMerged(path, data, ovPath, ovData, lookupEnv)
}

// readFile reads a regular file of at most MaxFileSize bytes. It checks
// the kind of file before opening it, since opening a FIFO blocks until a
// writer comes, and reads at most one byte past the limit, since a file
// may grow after the check.
func readFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("not a regular file (%s); give the path of a TOML file", kind(fi.Mode()))}
	}
	if fi.Size() > MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("file is %d bytes, larger than the limit of %d", fi.Size(), MaxFileSize)}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("file is larger than the limit of %d bytes", MaxFileSize)}
	}
	return data, nil
}

// kind names a file mode's type for an error message.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

// Parse parses and validates the TOML document data. filename names the
// file in errors and anchors relative paths (storage path, out_dir,
// file sources) at its folder. lookupEnv resolves ${VAR} references; nil
// means that no variable is set.
//
// Every problem is reported in the returned *Errors, sorted by line; on
// any problem the *Config is nil.
func Parse(filename string, data []byte, lookupEnv func(string) (string, bool)) (*Config, error) {
	return parse(filename, data, nil, nil, lookupEnv)
}

// parse is Parse with the desk's overlay ov (read from doc) merged over
// the document; ov nil means none.
func parse(filename string, data []byte, doc *overlayDoc, ov *Overlay, lookupEnv func(string) (string, bool)) (*Config, error) {
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	abs, err := filepath.Abs(filename)
	if err != nil {
		return nil, &Errors{{File: filename, Msg: fmt.Sprintf("resolve path: %v", err), err: err}}
	}
	p := &parser{
		file:  filename,
		dir:   filepath.Dir(abs),
		env:   lookupEnv,
		known: schemaKeys(),
	}
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		return nil, &Errors{p.syntaxError(string(data), err)}
	}
	p.lines = indexLines(string(data))
	if ov != nil {
		p.overlay = doc
		p.origins = mergeOverlay(raw, ov)
	}
	cfg := p.config(raw)
	cfg.File = abs
	cfg.Dir = p.dir
	sort.SliceStable(p.warns, func(i, j int) bool { return p.warns[i].Line < p.warns[j].Line })
	cfg.Warnings = p.warns
	if ov != nil {
		cfg.Overlay, cfg.Revision = doc.file, ov.Revision
	}
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
		return nil, &p.errs
	}
	return cfg, nil
}
