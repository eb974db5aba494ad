package wiredesk

import (
	"strconv"
	"strings"
	"time"
)

// FormatDuration writes d the way a config file and a person write it:
// "48h" and "1h30m", not "48h0m0s" and "1h30m0s". Config errors, the
// curation reasons and the command line share it, so a duration reads the
// same everywhere it is shown.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Count writes n of a thing whose plural takes an s: "1 item", "0 items",
// "2 wires". The command line, the desk and the alerts share it.
func Count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
