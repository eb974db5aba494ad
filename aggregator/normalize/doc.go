// Package normalize turns the raw strings found in feeds into clean values:
// dates (ParseDate), plain text (Text, Lead), safe HTML (SanitizeHTML) and
// canonical links (CanonicalURL).
//
// It is pure: no I/O, no logging, no clock, and every function is safe for
// concurrent use. Its one package-level value is the bluemonday policy,
// built once on first use and never changed. Policy about missing or
// implausible values (a missing date, a date in the future, an empty title)
// belongs to the caller, package parse.
package normalize
