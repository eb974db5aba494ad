package fetch_test

import (
	"fmt"
	"time"

	"github.com/wiredesk/wiredesk/aggregator/fetch"
)

func ExampleParseRetryAfter() {
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	for _, v := range []string{"120", "Fri, 02 Jan 2026 13:00:00 GMT", "soon"} {
		t, ok := fetch.ParseRetryAfter(v, now)
		fmt.Println(t.Format(time.Kitchen), ok)
	}
	// Output:
	// 12:02PM true
	// 1:00PM true
	// 12:00AM false
}
