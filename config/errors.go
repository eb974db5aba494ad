package config

import (
	"errors"
	"strconv"
	"strings"
)

// Error is one problem in a configuration file.
type Error struct {
	File   string // the file name as given to Load or Parse
	Line   int    // 1-based; 0 when the problem concerns the whole file
	Column int    // 1-based; set for TOML syntax errors only
	// Key locates the value: a dotted TOML key ("poll.interval"), inside
	// an array table prefixed with the element (`source "tass": interval`).
	// It is empty when the problem has no key (a syntax error, an
	// unreadable file).
	Key string
	Msg string // what is wrong and, where possible, how to fix it

	err error // underlying error (an unreadable file), for errors.Is
}

// Error formats the problem as "file:line[:column]: key: msg".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error, if any (for example fs.ErrNotExist
// when the file is missing).
func (e *Error) Unwrap() error { return e.err }

// Errors is every problem found in one configuration file, sorted by line.
// Load and Parse return it as *Errors.
type Errors []*Error

// Error lists the problems, one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual problems, so that errors.As can find an
// *Error and errors.Is can see an underlying error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// IsConfigError reports whether err is, or wraps, a problem in the
// configuration file (*Errors or *Error), which cmd/wiredesk maps to exit
// code 2.
func IsConfigError(err error) bool {
	var es *Errors
	if errors.As(err, &es) {
		return true
	}
	var e *Error
	return errors.As(err, &e)
}
