package parse

import (
	"flag"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedNow is the first-seen time used by tests, so golden files are stable.
var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
