package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// screen replays what a terminal shows for the bytes written to it: \r
// returns to the start of the line, ESC[K erases to its end, \n starts a
// new line and other bytes overwrite the line from the cursor.
func screen(out string) []string {
	lines := []string{""}
	col := 0
	for i := 0; i < len(out); i++ {
		cur := &lines[len(lines)-1]
		switch {
		case out[i] == '\r':
			col = 0
		case out[i] == '\n':
			lines = append(lines, "")
			col = 0
		case strings.HasPrefix(out[i:], "\033[K"):
			*cur = (*cur)[:col]
			i += len("\033[K") - 1
		default:
			if col < len(*cur) {
				*cur = (*cur)[:col] + string(out[i]) + (*cur)[col+1:]
			} else {
				*cur += string(out[i])
			}
			col++
		}
	}
	return lines
}

// On a terminal, log records written while the bar is drawn each get a
// line of their own, whole, and the bar is drawn again below them; after
// finish nothing of the bar is left. Records come from several goroutines,
// as the poller logs them.
func TestProgressKeepsLogLinesWhole(t *testing.T) {
	var term bytes.Buffer
	bar := newProgress(&term, true, 20)
	log := newLogger(bar, "info", "text")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 5 {
				bar.step(nil)
				log.Warn("poll: slow source", "source", fmt.Sprintf("wire-%d-%d", g, i))
			}
		})
	}
	wg.Wait()
	beforeFinish := screen(term.String())
	if last := beforeFinish[len(beforeFinish)-1]; last != "[==============================] 20/20 sources" {
		t.Errorf("last line before finish = %q; want the full bar", last)
	}
	bar.finish()

	lines := screen(term.String())
	if last := lines[len(lines)-1]; last != "" {
		t.Errorf("last line after finish = %q; want the bar erased", last)
	}
	records := 0
	for _, l := range lines[:len(lines)-1] {
		if !strings.HasPrefix(l, "time=") || !strings.Contains(l, `msg="poll: slow source" source=wire-`) || strings.Contains(l, "sources") || strings.Contains(l, "[=") {
			t.Errorf("screen line %q is not one whole log record", l)
			continue
		}
		records++
	}
	if records != 20 {
		t.Errorf("%d log records on the screen; want 20:\n%s", records, strings.Join(lines, "\n"))
	}
}

// Off a terminal the bar draws nothing and logs pass through unchanged.
func TestProgressOffTerminal(t *testing.T) {
	var out bytes.Buffer
	bar := newProgress(&out, false, 3)
	log := newLogger(bar, "info", "text")
	bar.step(nil)
	log.Warn("poll failed", "source", "tass")
	bar.step(func() { fmt.Fprint(&out, "tass line\n") })
	bar.finish()
	got := out.String()
	if strings.ContainsAny(got, "\r\033") || strings.Contains(got, "sources") {
		t.Errorf("output off a terminal has bar bytes: %q", got)
	}
	if !strings.Contains(got, `msg="poll failed" source=tass`) || !strings.HasSuffix(got, "tass line\n") {
		t.Errorf("output = %q; want the log record and the source line", got)
	}
}
