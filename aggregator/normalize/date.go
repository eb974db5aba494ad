package normalize

import "time"

// ParseDate parses a feed date from its raw string. loc interprets zoneless
// times and the MSK/MSD zone names (nil = UTC).
func ParseDate(raw string, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC3339Nano} {
		if t, err := time.ParseInLocation(layout, raw, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
