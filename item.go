package wiredesk

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Item is one normalised entry of a source, as stored.
type Item struct {
	// ID is the storage id: SourceID + "/" + a hash of Key. Stable for the
	// life of the item.
	ID       string
	SourceID string
	// Key is the identity within the source (see Identity).
	Key string
	// GUID is the original guid/id as the wire wrote it; may be empty.
	GUID string
	// Link is the canonical link (tracking parameters removed).
	Link string
	// Title is plain text: trimmed, entities decoded, tags stripped.
	Title string
	// Summary is plain text derived from the description or content.
	Summary string
	// Content is sanitised HTML (bluemonday), links absolute.
	Content    string
	Authors    []string
	Categories []string
	Enclosures []Enclosure
	Image      string // media:content / media:thumbnail / enclosure image URL
	Language   string
	Published  time.Time
	Updated    time.Time // the wire's own updated date, zero when absent
	// DateGuessed is true when the wire gave no usable date (missing,
	// unparseable or more than a day in the future) and Published is the
	// first-seen time.
	DateGuessed bool
	FirstSeen   time.Time // when wiredesk first stored it; never changes
	Modified    time.Time // when a changed version last replaced it; zero if never
	// Hash is a hash of the published fields, used to detect changes.
	Hash string
	// StoryID is the story this item belongs to; set at first store and
	// changed only by an editor's decision (StoryDecision): a merge moves
	// the item into the surviving story, a split into a story of its own.
	StoryID string
	// Origin is the RSS <source url="..."> the wire itself credited, if any.
	Origin *Origin
}

// Enclosure is an attached media file.
type Enclosure struct {
	URL    string
	Type   string
	Length int64
}

// Origin is the feed an item credits as its source (RSS <source>).
type Origin struct {
	URL   string
	Title string
}

// IdentityInput is what Identity needs to know about an item.
type IdentityInput struct {
	GUID       string
	GUIDUnique bool // the GUID appears once in the document
	Link       string
	Title      string
	Date       time.Time // zero when the wire gave none
}

// Identity returns the item's identity key within its source, following
// docs/DESIGN.md "Identity rules": the GUID when present and unique within the
// document; GUID + canonical link when the feed reuses a GUID; else the
// canonical link; else a hash of the normalised title and date.
func Identity(in IdentityInput) string {
	guid := strings.TrimSpace(in.GUID)
	switch {
	case guid != "" && in.GUIDUnique:
		return "guid:" + guid
	case guid != "" && in.Link != "":
		return "guid+link:" + guid + " " + in.Link
	case in.Link != "":
		return "link:" + in.Link
	}
	title := strings.ToLower(strings.Join(strings.Fields(in.Title), " "))
	date := ""
	if !in.Date.IsZero() {
		date = in.Date.UTC().Format(time.RFC3339)
	}
	if guid != "" {
		title = guid + "\x00" + title
	}
	return "hash:" + shortHash(title+"\x00"+date)
}

// ItemID returns the storage id of the item with the given identity key.
func ItemID(sourceID, key string) string {
	return sourceID + "/" + shortHash(key)
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:10])
}

// Date returns the date to show for the item: Published, else FirstSeen.
func (it Item) Date() time.Time {
	if !it.Published.IsZero() {
		return it.Published
	}
	return it.FirstSeen
}
