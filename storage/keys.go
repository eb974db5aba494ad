package storage

import (
	"encoding/binary"
	"math"
	"time"
)

// Bucket names. Every bucket lives at the top level of the file.
var (
	// bucketMeta holds keyMeta* values: the schema version.
	bucketMeta = []byte("meta")
	// bucketSources maps a source id to its encoded wiredesk.SourceState.
	bucketSources = []byte("sources")
	// bucketItems maps an item id to its encoded wiredesk.Item, with the
	// mark of the story of its own it is alone in (encodeItemRecord).
	bucketItems = []byte("items")
	// bucketItemTime is the newest-first time index of items:
	// seqTimeKey(FirstSeen, seq, item id) → source id, seq being the
	// bucket's sequence at the item's save, so that one poll's items (all
	// first seen at the poll time) are appended in save order instead of
	// spread over the tree by their hashed ids (schema version 4). Keys
	// written before carry no sequence: indexKey(FirstSeen, item id)
	// (idFromTimeKey reads both).
	bucketItemTime = []byte("items_by_first_seen")
	// bucketIdentity maps identityKey(source id, Item.Key) → item id for
	// the items whose id is not wiredesk.ItemID(source id, Item.Key): ids
	// chosen by the caller of SaveFetch. Every other item is found under
	// its derived id in bucketItems; until schema version 4 every item had
	// an entry here, one more random-key page write per new item.
	bucketIdentity = []byte("identity")
	// bucketStories maps a story id to its encoded storyRecord. From
	// schema version 5 on, a story of one item under that item's id has
	// no record until it changes: the item's record stands for it
	// (buckets.story).
	bucketStories = []byte("stories")
	// bucketStoryTime is the newest-first time index of stories:
	// storyTimeKey(Updated, storyRecord.Seq, story id) → storyIndexValue;
	// like bucketItemTime, keys carry a save sequence from schema version
	// 4 on, so the stories a poll starts or updates are appended in order.
	bucketStoryTime = []byte("stories_by_updated")
	// bucketDecisions maps a story id to the encoded list of the editors'
	// decisions that shaped it (schema version 2).
	bucketDecisions = []byte("story_decisions")
	// bucketMerged maps the id of a story an editor merged away to the id
	// of the story that absorbed it, so that an item matched to the old id
	// before the merge and saved after it joins the survivor (schema
	// version 2).
	bucketMerged = []byte("stories_merged")
	// bucketOutbox holds the alerts waiting for delivery: outboxKey(channel,
	// seq) → JSON of wiredesk.Alert (schema version 3).
	bucketOutbox = []byte("alert_outbox")
	// bucketDead holds the alerts a channel refused until they ran out of
	// attempts, keyed like bucketOutbox (schema version 3).
	bucketDead = []byte("alert_dead")
	// bucketAlerted maps an alert's Once key to the number of wires its
	// story had at the last alert queued for it (uvarint), so a story
	// alerts once per rule and channel and follows up as wires join
	// (schema version 3).
	bucketAlerted = []byte("alert_once")
	// bucketUsers maps a desk user's name to the JSON of wiredesk.User
	// (created on first use, see desk.go).
	bucketUsers = []byte("desk_users")
	// bucketSessions maps a session key (the hash of its cookie token) to
	// the JSON of wiredesk.Session (created on first use, see desk.go).
	bucketSessions = []byte("desk_sessions")
	// bucketAudit maps an 8-byte big-endian sequence number to the JSON of
	// wiredesk.AuditEntry (created on first use, see desk.go).
	bucketAudit = []byte("desk_audit")
	// bucketMarks maps a story id to the JSON of the editors'
	// wiredesk.StoryMarks: spikes, pins and headline overrides (created on first use,
	// see desk.go).
	bucketMarks = []byte("story_marks")
	// bucketDismissed maps dismissKey(a, b) of two story ids to the JSON of
	// a Dismissal: an editor said the stories are two events, and the
	// desk stops listing them as unsure (created on first use, see
	// dismiss.go).
	bucketDismissed = []byte("stories_dismissed")
)

// keySchema holds the schema version as an 8-byte big-endian integer.
var keySchema = []byte("schema")

// storyIndexValue is the value of every story time index entry. bbolt
// cannot tell an empty value from a nested bucket during Compact, so index
// entries never store an empty value.
var storyIndexValue = []byte{1}

// timeKeyLen is the length of the time prefix of index keys.
const timeKeyLen = 8

// timeKey returns an 8-byte key that sorts newest first: the big-endian
// bitwise complement of t's Unix nanoseconds, shifted so that negative
// values order correctly. Times outside the int64-nanosecond range
// (years 1678–2262) are clamped.
func timeKey(t time.Time) [timeKeyLen]byte {
	var n int64
	switch {
	case t.Before(minNanoTime):
		n = math.MinInt64
	case t.After(maxNanoTime):
		n = math.MaxInt64
	default:
		n = t.UnixNano()
	}
	var k [timeKeyLen]byte
	binary.BigEndian.PutUint64(k[:], ^(uint64(n) ^ 1<<63))
	return k
}

// timeFromKey inverts timeKey for the first timeKeyLen bytes of k.
func timeFromKey(k []byte) time.Time {
	u := ^binary.BigEndian.Uint64(k[:timeKeyLen])
	return time.Unix(0, int64(u^1<<63)).UTC()
}

var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// indexKey returns timeKey(t) followed by id.
func indexKey(t time.Time, id string) []byte {
	tk := timeKey(t)
	k := make([]byte, 0, timeKeyLen+len(id))
	k = append(k, tk[:]...)
	return append(k, id...)
}

// seqLen is the length of the save sequence in time index keys: a 0x00
// marker, then the sequence's low 7 bytes big-endian (2⁵⁶ saves). An item
// or story id never starts with 0x00 (SaveFetch refuses one that does;
// derived ids start with the source id), so the marker tells a key with a
// sequence from one written before schema version 4.
const seqLen = 8

// seqTimeKey returns timeKey(t), the save sequence seq and id.
func seqTimeKey(t time.Time, seq uint64, id string) []byte {
	tk := timeKey(t)
	k := make([]byte, timeKeyLen+seqLen, timeKeyLen+seqLen+len(id))
	copy(k, tk[:])
	binary.BigEndian.PutUint64(k[timeKeyLen:], seq&(1<<56-1))
	return append(k, id...)
}

// storyTimeKey returns the story time index key of story id: with its
// save sequence, or without one (seq 0) for a story whose key was written
// before schema version 4.
func storyTimeKey(t time.Time, seq uint64, id string) []byte {
	if seq == 0 {
		return indexKey(t, id)
	}
	return seqTimeKey(t, seq, id)
}

// idFromTimeKey returns the item or story id of a time index key, with
// or without a save sequence.
func idFromTimeKey(k []byte) []byte {
	if len(k) > timeKeyLen+seqLen && k[timeKeyLen] == 0 {
		return k[timeKeyLen+seqLen:]
	}
	return k[timeKeyLen:]
}

// identityKey returns sourceID + 0x00 + key. Source ids are [a-z0-9-], so
// the separator cannot occur inside them.
func identityKey(sourceID, key string) []byte {
	k := make([]byte, 0, len(sourceID)+1+len(key))
	k = append(k, sourceID...)
	k = append(k, 0)
	return append(k, key...)
}
