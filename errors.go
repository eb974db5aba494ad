package wiredesk

import "errors"

// ErrLocked is returned by storage.Open when another process holds the
// database file (typically a running `wiredesk serve`).
var ErrLocked = errors.New("database locked by another process")

// ErrNotFound is returned when a source, item, story or feed does not exist.
var ErrNotFound = errors.New("not found")

// ErrSchemaTooNew is returned by storage.Open when the database was written
// by a newer wiredesk whose schema this binary does not know.
var ErrSchemaTooNew = errors.New("database schema is newer than this wiredesk")

// ErrDamaged is returned by storage when the database file is not a
// readable wiredesk database: empty, truncated, overwritten in places, or
// another kind of file altogether.
var ErrDamaged = errors.New("database damaged")

// ErrRefused is returned when an editor's decision cannot apply as asked:
// merging a story into itself, or splitting the only item of a story out
// of it.
var ErrRefused = errors.New("refused")
