package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wiredesk/wiredesk"
)

func TestAlertValues(t *testing.T) {
	doc := `
[[source]]
id = "interfax"
url = "https://www.interfax.ru/rss.asp"
tags = ["wire"]

[[source]]
id = "reuters"
url = "https://example.org/reuters.xml"
urgent_prefixes = ["BREAKING"]
urgent_categories = ["flash"]

[[source]]
id = "quiet"
url = "https://example.org/quiet.xml"
urgent_prefixes = []
urgent = true
interval = "15s"

[[feed]]
slug = "asia"
title = "Asia"

[[channel]]
name = "hook"
type = "webhook"
url = "https://hooks.example/desk"
secret = "${TASS_PASSWORD}"

[[channel]]
name = "slack"
type = "slack"
url = "https://hooks.slack.com/services/${INTERFAX_KEY}"
per_minute = 60
burst = 1

[[channel]]
name = "tg"
type = "telegram"
token = "${KAZINFORM_API_KEY}"
chat_id = "@desk"
api_url = "http://127.0.0.1:9/"

[[channel]]
name = "mail"
type = "smtp"
host = "smtp.example.org:587"
username = "desk"
password = "${KAZINFORM_PASSWORD}"
from = "Wire desk <desk@example.org>"
to = ["Анна <anna@example.org>"]
max_attempts = 3
backoff = "2s"
max_backoff = "1m"
timeout = "5s"

[[alert]]
name = "flash"
channels = ["hook", "slack"]
tags = ["wire"]
feeds = ["asia"]
include = ["Казах*"]
urgent = true
min_wires = 2
max_age = "30m"
quiet_hours = "23:30-07:00"
timezone = "Europe/Moscow"

[[alert]]
name = "down"
channels = ["mail"]
source_down = true
sources = ["interfax"]
`
	cfg, err := Parse("w.toml", []byte(doc), fakeEnv)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Sources[0].UrgentPrefixes, wiredesk.DefaultUrgentPrefixes(); !reflect.DeepEqual(got, want) {
		t.Errorf("default urgent_prefixes = %v; want %v", got, want)
	}
	if got := cfg.Sources[1]; !reflect.DeepEqual(got.UrgentPrefixes, []string{"BREAKING"}) || !reflect.DeepEqual(got.UrgentCategories, []string{"flash"}) {
		t.Errorf("reuters markers = %v %v", got.UrgentPrefixes, got.UrgentCategories)
	}
	if got := cfg.Sources[2].UrgentPrefixes; len(got) != 0 {
		t.Errorf("urgent_prefixes = [] gave %v; want none", got)
	}
	if got := cfg.Sources[2]; !got.Urgent || got.Interval != 15*time.Second {
		t.Errorf("fast lane source: urgent %v, interval %v; want true, 15s", got.Urgent, got.Interval)
	}
	if len(cfg.Channels) != 4 || len(cfg.Alerts) != 2 {
		t.Fatalf("got %d channels, %d alerts", len(cfg.Channels), len(cfg.Alerts))
	}
	hook, slack, tg, mail := cfg.Channels[0], cfg.Channels[1], cfg.Channels[2], cfg.Channels[3]
	if hook.Type != ChannelWebhook || hook.URL.Reveal() != "https://hooks.example/desk" || hook.Secret.Reveal() != "tass-password-value-91c2" {
		t.Errorf("hook = %+v", hook)
	}
	if hook.PerMinute != defaultPerMinute || hook.MaxAttempts != defaultMaxAttempts || hook.Timeout != defaultAlertTimeout {
		t.Errorf("hook defaults = %d/min, %d attempts, %s", hook.PerMinute, hook.MaxAttempts, hook.Timeout)
	}
	if slack.URL.Reveal() != "https://hooks.slack.com/services/interfax-key-value-0a4c" || slack.PerMinute != 60 || slack.Burst != 1 {
		t.Errorf("slack = %+v", slack)
	}
	if tg.APIURL != "http://127.0.0.1:9" || tg.ChatID != "@desk" || tg.Token.Reveal() != "kazinform-api-key-value-e8b1" {
		t.Errorf("telegram = %+v", tg)
	}
	if mail.SMTPHost != "smtp.example.org:587" || !mail.StartTLS || mail.MaxAttempts != 3 || mail.Backoff != 2*time.Second || mail.To[0] != "Анна <anna@example.org>" {
		t.Errorf("smtp = %+v", mail)
	}
	flash := cfg.Alerts[0]
	if !flash.Urgent || flash.MinWires != 2 || flash.MaxAge != 30*time.Minute || flash.Timezone.String() != "Europe/Moscow" ||
		flash.QuietStart != 23*time.Hour+30*time.Minute || flash.QuietEnd != 7*time.Hour || !reflect.DeepEqual(flash.Feeds, []string{"asia"}) {
		t.Errorf("flash = %+v", flash)
	}
	if down := cfg.Alerts[1]; !down.SourceDown || down.MinWires != 1 || down.MaxAge != defaultAlertMaxAge {
		t.Errorf("down = %+v", down)
	}
	// Secrets never show in the printed config values.
	for _, c := range cfg.Channels {
		s := strings.Join([]string{c.URL.String(), c.Secret.String(), c.Token.String(), c.Password.String()}, " ")
		for _, v := range secretValues {
			if strings.Contains(s, v) {
				t.Errorf("channel %s prints secret %q", c.Name, v)
			}
		}
	}
}

// A secret written into the file is refused without repeating it.
func TestAlertSecretsOnlyFromEnvironment(t *testing.T) {
	for _, tt := range []struct{ name, doc, key string }{
		{"webhook secret", "[[channel]]\nname = \"h\"\ntype = \"webhook\"\nurl = \"https://h.example/\"\nsecret = \"hunter2\"\n", "secret"},
		{"telegram token", "[[channel]]\nname = \"t\"\ntype = \"telegram\"\nchat_id = \"1\"\ntoken = \"hunter2\"\n", "token"},
		{"smtp password", "[[channel]]\nname = \"m\"\ntype = \"smtp\"\nhost = \"h:25\"\nfrom = \"a@b.c\"\nto = [\"a@b.c\"]\nusername = \"u\"\npassword = \"hunter2\"\n", "password"},
		{"slack url", "[[channel]]\nname = \"s\"\ntype = \"slack\"\nurl = \"https://hooks.slack.com/hunter2\"\n", "url"},
		{"escaped dollar is no reference", "[[channel]]\nname = \"s\"\ntype = \"slack\"\nurl = \"https://hooks.slack.com/$${hunter2}\"\n", "url"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("w.toml", []byte(tt.doc), fakeEnv)
			if err == nil {
				t.Fatal("Parse accepted a secret written into the file")
			}
			if !strings.Contains(err.Error(), tt.key+": is a secret and must be read from the environment") {
				t.Errorf("error = %v; want it to name %s", err, tt.key)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error repeats the secret: %v", err)
			}
		})
	}
}

func TestParseQuietHours(t *testing.T) {
	for _, tt := range []struct {
		in         string
		start, end time.Duration
		ok         bool
	}{
		{"23:00-07:00", 23 * time.Hour, 7 * time.Hour, true},
		{"09:30 - 18:00", 9*time.Hour + 30*time.Minute, 18 * time.Hour, true},
		{"0:00-24:00", 0, 24 * time.Hour, true},
		{"23:00-23:00", 0, 0, false},
		{"23-07", 0, 0, false},
		{"24:30-01:00", 0, 0, false},
		{"12:60-13:00", 0, 0, false},
	} {
		t.Run(tt.in, func(t *testing.T) {
			start, end, err := parseQuietHours(tt.in)
			if (err == nil) != tt.ok || start != tt.start || end != tt.end {
				t.Errorf("parseQuietHours(%q) = %v, %v, %v; want %v, %v, ok %v", tt.in, start, end, err, tt.start, tt.end, tt.ok)
			}
		})
	}
}
