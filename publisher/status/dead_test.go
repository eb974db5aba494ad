package status

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

// Dead letters of the alert outbox are listed below the sources, escaped
// (a headline is wire text) and counted among the problems.
func TestDeadAlerts(t *testing.T) {
	p := fixture()
	p.DeadAlerts = func(context.Context) ([]wiredesk.Alert, error) {
		return []wiredesk.Alert{{
			ID: "flash/hook/story/x/1", Kind: wiredesk.AlertNew, Rule: "flash", Channel: "hook",
			Title: `МОЛНИЯ <img src=x onerror=alert(1)>`, Attempts: 8, LastError: "channel hook: status 404: no such hook",
			Queued: now.Add(-3 * time.Minute),
		}}, nil
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/status", nil))
	body := rec.Body.String()
	for _, want := range []string{`id="dead-alerts"`, "МОЛНИЯ &lt;img src=x", "status 404: no such hook", "flash/hook/story/x/1", "3 need attention"} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	if strings.Contains(body, "<img") {
		t.Error("a dead letter's headline is not escaped")
	}

	p.DeadAlerts = func(context.Context) ([]wiredesk.Alert, error) { return nil, nil }
	rec = httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/status", nil))
	if strings.Contains(rec.Body.String(), `id="dead-alerts"`) {
		t.Error("a section of dead letters without any")
	}

	p.DeadAlerts = func(context.Context) ([]wiredesk.Alert, error) { return nil, errors.New("disk") }
	if _, err := p.Build(context.Background()); err == nil {
		t.Error("Build hides a failure to read the dead letters")
	}
}
