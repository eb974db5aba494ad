// Package fetch downloads one feed URL politely and safely: conditional GET
// (If-None-Match / If-Modified-Since), a total timeout and a response-header
// timeout, a cap on the body size that also holds after gzip decompression,
// a bounded number of redirects, Retry-After parsing, basic auth and
// per-source headers. file:// URLs are read from the local disk with the
// same cap and answer conditional requests with 304 like a web server, so a
// cron pass over local files behaves like one over HTTP.
//
// No secret (the password, header values, URL userinfo passwords or
// credential-like query parameters, see wiredesk.RedactURL) ever appears in
// an error returned by this package.
//
// Fetch does not parse (see aggregator/parse), decide when to poll again, or
// limit requests per host (see aggregator/schedule).
package fetch
