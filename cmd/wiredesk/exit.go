package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/wiredesk/wiredesk"
	"github.com/wiredesk/wiredesk/config"
)

// Exit codes, as docs/DESIGN.md "Commands" lists them.
const (
	exitOK      = 0
	exitFatal   = 1
	exitUsage   = 2 // usage or config error
	exitPartial = 3 // some sources failed but feeds were written
	exitLocked  = 4 // database locked by another process
	exitDamaged = 5 // database file damaged or not a wiredesk database
)

// errPartial is returned by once when some sources failed but feeds were
// written.
var errPartial = errors.New("some sources failed")

// usageError marks a bad command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// exitCode maps an error to the process exit code. It is the only place
// that knows the mapping.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, wiredesk.ErrLocked):
		return exitLocked
	case errors.Is(err, wiredesk.ErrDamaged):
		return exitDamaged
	case errors.Is(err, errPartial):
		return exitPartial
	case errors.As(err, &ue), config.IsConfigError(err):
		return exitUsage
	default:
		return exitFatal
	}
}

// report prints err (unless it is already reported) and returns the exit
// code.
func report(stderr io.Writer, err error) int {
	code := exitCode(err)
	if err != nil && !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errPartial) {
		fmt.Fprintf(stderr, "wiredesk: %v\n", err)
	}
	return code
}
