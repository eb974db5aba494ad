package storage

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

func TestCodecRoundTrip(t *testing.T) {
	item := filled[wiredesk.Item](0)
	state := filled[wiredesk.SourceState](100)
	story := filled[storyRecord](200)
	decisions := []wiredesk.StoryDecision{filled[wiredesk.StoryDecision](300), filled[wiredesk.StoryDecision](400)}
	zeroTimes := wiredesk.Item{ID: "a/1", Published: time.Time{}, Enclosures: []wiredesk.Enclosure{{}}}
	old := wiredesk.Item{ID: "a/2", Published: time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), Updated: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)}

	tests := []struct {
		name string
		in   any
		rt   func() (any, error)
	}{
		{"item every field", item, func() (any, error) { return decodeItem(encodeItem(&item)) }},
		{"item zero values", wiredesk.Item{}, func() (any, error) { return decodeItem(encodeItem(&wiredesk.Item{})) }},
		{"item zero times and empty enclosure", zeroTimes, func() (any, error) { return decodeItem(encodeItem(&zeroTimes)) }},
		{"item extreme dates", old, func() (any, error) { return decodeItem(encodeItem(&old)) }},
		{"source state every field", state, func() (any, error) { return decodeSourceState(encodeSourceState(&state)) }},
		{"story record every field", story, func() (any, error) { return decodeStory(encodeStory(&story)) }},
		{"decisions every field", decisions, func() (any, error) { return decodeDecisions(encodeDecisions(decisions)) }},
		{"no decisions", []wiredesk.StoryDecision(nil), func() (any, error) { return decodeDecisions(encodeDecisions(nil)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.rt()
			if err != nil {
				t.Fatalf("round trip: %v", err)
			}
			if !reflect.DeepEqual(got, tt.in) {
				t.Errorf("round trip = %+v\nwant %+v", got, tt.in)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	item := filled[wiredesk.Item](0)
	good := encodeItem(&item)
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "empty value"},
		{"unknown version", append([]byte{9}, good[1:]...), "unknown codec version 9"},
		{"truncated", good[:len(good)/2], "corrupt value"},
		{"trailing bytes", append(bytes.Clone(good), 0), "trailing bytes"},
		{"huge list", []byte{itemCodec, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}, "corrupt value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeItem(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("decodeItem error = %v; want it to contain %q", err, tt.want)
			}
		})
	}
}

// FuzzDecodeItem checks that no stored bytes make the decoder panic, and
// that whatever it accepts encodes back to the same bytes.
func FuzzDecodeItem(f *testing.F) {
	item := filled[wiredesk.Item](0)
	f.Add(encodeItem(&item))
	f.Add(encodeItem(&wiredesk.Item{}))
	it := benchItem("tass", 7, time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
	f.Add(encodeItem(&it))
	f.Add(encodeItemRecord(&it, 300))
	f.Fuzz(func(t *testing.T, b []byte) {
		it, seq, err := decodeItemRecord(b)
		if err != nil {
			return
		}
		if again := encodeItemRecord(&it, seq); !bytes.Equal(again, b) {
			// Varints have one canonical form per value except for
			// over-long encodings, and codec 1 has no mark; accept
			// those only if they decode alike.
			it2, seq2, err := decodeItemRecord(again)
			if err != nil || !reflect.DeepEqual(it2, it) || seq2 != seq {
				t.Errorf("re-encoding changed the item: %+v, %d vs %+v, %d (%v)", it2, seq2, it, seq, err)
			}
		}
	})
}

// FuzzDecodeRecords does for the other stored records what
// FuzzDecodeItem does for items: no bytes make a decoder panic, and what
// it accepts survives encoding and decoding again unchanged. kind picks
// the record: a source state, a story or a story's decisions.
func FuzzDecodeRecords(f *testing.F) {
	state := filled[wiredesk.SourceState](100)
	story := filled[storyRecord](200)
	decisions := []wiredesk.StoryDecision{filled[wiredesk.StoryDecision](300), filled[wiredesk.StoryDecision](400)}
	f.Add(byte(0), encodeSourceState(&state))
	f.Add(byte(0), encodeSourceState(&wiredesk.SourceState{}))
	f.Add(byte(1), encodeStory(&story))
	f.Add(byte(1), encodeStory(&storyRecord{}))
	f.Add(byte(2), encodeDecisions(decisions))
	f.Add(byte(2), encodeDecisions(nil))
	f.Fuzz(func(t *testing.T, kind byte, b []byte) {
		var got, again any
		var err error
		switch kind % 3 {
		case 0:
			var st wiredesk.SourceState
			if st, err = decodeSourceState(b); err == nil {
				got = st
				again, err = decodeSourceState(encodeSourceState(&st))
			}
		case 1:
			var r storyRecord
			if r, err = decodeStory(b); err == nil {
				got = r
				again, err = decodeStory(encodeStory(&r))
			}
		case 2:
			var ds []wiredesk.StoryDecision
			if ds, err = decodeDecisions(b); err == nil {
				got = ds
				again, err = decodeDecisions(encodeDecisions(ds))
			}
		}
		if got == nil {
			return // refused
		}
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("re-encoding changed the record: %+v vs %+v (%v)", again, got, err)
		}
	})
}

// BenchmarkCodec compares the stored encoding with encoding/json of the
// same item: it decided the format.
func BenchmarkCodec(b *testing.B) {
	it := benchItem("interfax", 42, time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC))
	it.ID, it.StoryID, it.FirstSeen = wiredesk.ItemID(it.SourceID, it.Key), "interfax/abc", it.Published
	b.Run("binary", func(b *testing.B) {
		for b.Loop() {
			if _, err := decodeItem(encodeItem(&it)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(encodeItem(&it))), "bytes/value")
	})
	b.Run("json", func(b *testing.B) {
		v, _ := json.Marshal(it)
		defer b.ReportMetric(float64(len(v)), "bytes/value")
		for b.Loop() {
			v, err := json.Marshal(it)
			if err != nil {
				b.Fatal(err)
			}
			var got wiredesk.Item
			if err := json.Unmarshal(v, &got); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A source state written by codec version 1 (before Hub and Self) still
// decodes, with both empty.
func TestSourceStateCodecV1(t *testing.T) {
	st := wiredesk.SourceState{SourceID: "tass", State: wiredesk.StateOK, ETag: `"x"`, GoneURL: "https://g.example/"}
	b := encodeSourceState(&st)
	v1 := append([]byte{1}, b[1:len(b)-2]...) // two empty strings are two zero bytes
	got, err := decodeSourceState(v1)
	if err != nil {
		t.Fatal(err)
	}
	if got.SourceID != "tass" || got.ETag != `"x"` || got.GoneURL != "https://g.example/" || got.Hub != "" || got.Self != "" {
		t.Errorf("decode v1 = %+v", got)
	}
	st.Hub, st.Self = "https://hub.example/", "https://tass.example/rss"
	if got, err := decodeSourceState(encodeSourceState(&st)); err != nil || got.Hub != st.Hub || got.Self != st.Self {
		t.Errorf("round trip = %+v, %v", got, err)
	}
}

// A story written by codec version 1 (before Seq) still decodes, with Seq
// 0: its time index key has no save sequence.
func TestDecodeStoryV1(t *testing.T) {
	r := storyRecord{Created: time.Unix(1e9, 0).UTC(), Updated: time.Unix(1e9+60, 0).UTC(), ItemIDs: []string{"a/1", "b/2"}}
	b := encodeStory(&r) // Seq 0 is one zero byte at the end
	v1 := append([]byte{1}, b[1:len(b)-1]...)
	got, err := decodeStory(v1)
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("decode v1 = %+v, %v; want %+v", got, err, r)
	}
	if _, err := decodeStory(append([]byte{1}, b[1:]...)); err == nil {
		t.Error("a v1 story with a trailing sequence decoded; want trailing bytes refused")
	}
	r.Seq = 300
	if got, err := decodeStory(encodeStory(&r)); err != nil || got.Seq != 300 {
		t.Errorf("round trip of Seq 300 = %+v, %v", got, err)
	}
}

// An item written by codec version 1 (before the mark of a story of its
// own) still decodes, without the mark.
func TestDecodeItemV1(t *testing.T) {
	it := filled[wiredesk.Item](0)
	b := encodeItem(&it) // no mark is one zero byte at the end
	v1 := append([]byte{1}, b[1:len(b)-1]...)
	got, seq, err := decodeItemRecord(v1)
	if err != nil || !reflect.DeepEqual(got, it) || seq != 0 {
		t.Errorf("decode v1 = %+v, %d, %v; want %+v, 0", got, seq, err, it)
	}
	if _, _, err := decodeItemRecord(append([]byte{1}, b[1:]...)); err == nil {
		t.Error("a v1 item with a trailing mark decoded; want trailing bytes refused")
	}
	if got, seq, err := decodeItemRecord(encodeItemRecord(&it, 300)); err != nil || !reflect.DeepEqual(got, it) || seq != 300 {
		t.Errorf("round trip with mark 300 = %d, %v", seq, err)
	}
}
