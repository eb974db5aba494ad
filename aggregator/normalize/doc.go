// Package normalize turns the raw strings found in feeds into clean values:
// dates, plain text, safe HTML, leads and canonical links.
//
// It is pure: no I/O, no logging, no clock. Policy decisions about missing or
// implausible values (for example "missing date → first-seen") belong to the
// caller.
package normalize
