package wiredesk

import (
	"encoding/json"
	"log/slog"
)

// Secret is a credential read from the environment (a password, an API key).
// It prints, logs and marshals as "REDACTED"; call Reveal to use the value.
type Secret string

const redacted = "REDACTED"

// Reveal returns the secret's value. Only code that sends it to the wire
// should call it.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer and never shows the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer so %#v does not leak the value either.
func (s Secret) GoString() string { return `wiredesk.Secret("` + s.String() + `")` }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalText implements encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
