package config_test

import (
	"fmt"

	"github.com/wiredesk/wiredesk/config"
)

func ExampleParse() {
	doc := `[poll]
intervall = "5m"

[[source]]
id = "tass"
url = "https://tass.ru/rss/v2.xml"
interval = 300
username = "desk"
password = "${TASS_PASSWORD}"
`
	env := func(string) (string, bool) { return "", false } // nothing set
	_, err := config.Parse("wiredesk.toml", []byte(doc), env)
	fmt.Println(err)
	fmt.Println("config error:", config.IsConfigError(err))
	// Output:
	// wiredesk.toml:2: poll.intervall: unknown key "intervall" in [poll]; did you mean "interval"?
	// wiredesk.toml:7: source "tass": interval: bare integer 300; write a duration string such as "5m"
	// wiredesk.toml:9: source "tass": password: environment variable TASS_PASSWORD is not set
	// config error: true
}

func ExampleParse_fileSource() {
	doc := `[[source]]
id = "demo"
url = "file://testdata/demo.xml"
`
	cfg, err := config.Parse("/etc/wiredesk/wiredesk.toml", []byte(doc), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Sources[0].URL)
	fmt.Println(cfg.Storage.Path)
	fmt.Println(cfg.Server.BaseURL)
	// Output:
	// file:///etc/wiredesk/testdata/demo.xml
	// /etc/wiredesk/wiredesk.db
	// http://127.0.0.1:8080
}
