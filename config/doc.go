// Package config reads the wiredesk TOML file, applies defaults, expands
// ${VAR} references from the environment, validates every value and turns
// the [[source]] and [[feed]] tables into wiredesk.Source and wiredesk.Feed
// values.
//
// The file is edited by hand, so every problem is reported at once, sorted
// by line, each naming the file, the line and the key:
//
//	wiredesk.toml:14: source "tass": interval: bare integer 300; write a duration string such as "5m"
//
// Such failures are returned as *Errors; IsConfigError tells them apart
// from other failures. Secret values (passwords, header values, the admin
// token) never appear in an error.
//
// The package only reads the file it is given: it does not open the
// database, create out_dir or reach the network. The keys, their defaults
// and units are documented in config.example.toml at the repository root.
package config
