# wiredesk — see README.md. Every target runs from a fresh clone.
GO        ?= go
BIN       := bin/wiredesk
# A semantic version: the latest vX.Y.Z tag, commits since and the commit
# (v1.2.0-3-gabc123def456), or v0.0.0-N-gHASH before the first tag.
VERSION   ?= $(shell git describe --tags --match 'v[0-9]*' --dirty --abbrev=12 2>/dev/null || \
	echo "v0.0.0-$$(git rev-list --count HEAD 2>/dev/null || echo 0)-g$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$$(git diff --quiet HEAD 2>/dev/null || echo -dirty)")
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS   := -s -w -X main.buildVersion=$(VERSION) -X main.buildRevision=$(REVISION)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME  ?= 30s

.PHONY: all build run test test-long deb deb-check race lint fmt vet imports tidy bench bench-10k microbench fuzz golden cluster-model cluster-eval lexicon-report cover conformance clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/wiredesk

## run: serve the offline demo on http://localhost:8080/
run: build
	./$(BIN) serve -config demo.toml

## test: vet, then every test with the race detector. A race-enabled program
## sleeps a second at exit (GORACE atexit_sleep_ms, default 1000) to catch late
## reports; every test binary and e2e run paid it, so it is 0 here (a caller's
## GORACE comes last and wins). Crash and flood tests run small; see test-long.
test: vet
	GORACE="atexit_sleep_ms=0 $$GORACE" $(GO) test -race -count=1 ./...

## test-long: what `make test` keeps short, at full size (CI runs it on every
## submission): the crash test with 20 kills over 300 wires and the flood of
## 185,000 items, without the race detector (it would only shrink them).
## Fuzzing is not part of it: a random search may find a new input on any
## run, and a gate must pass or fail for the code, not the draw. `make test`
## runs every fuzz target's seeds (testdata/fuzz holds every input a search
## ever found); `make fuzz` searches further.
test-long:
	$(GO) test -count=1 -run 'TestOnceSurvivesSIGKILL|TestOnceFlood' ./cmd/wiredesk -long

vet:
	$(GO) vet ./...

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## imports: config, storage, aggregator and publisher never import each other
imports:
	$(GO) test -count=1 -run TestImportRules ./cmd/wiredesk

## tidy: go.mod and go.sum list exactly what the code imports (direct deps not marked indirect)
tidy:
	$(GO) mod tidy -diff

lint: fmt vet imports tidy
	$(GO) run $(STATICCHECK) ./...

## bench: the end-to-end harness (see BENCHMARKS.md), then the micro-benchmarks
bench: build
	$(GO) run ./cmd/wirebench

bench-10k: build
	$(GO) run ./cmd/wirebench -sources 10000

microbench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; done

## golden: rewrite the golden files of every package that has them (review the diff!)
GOLDEN_PKGS := ./config ./aggregator/parse ./publisher ./publisher/render ./cmd/wiredesk
golden:
	$(GO) test -count=1 $(GOLDEN_PKGS) -update

## cluster-model: refit the story-matching model on the tune sets (review the diff of model.go)
cluster-model:
	$(GO) test -count=1 -run TestTrainModel ./aggregator/cluster -train

## lexicon-report: words of the tune sets (and LEXICON_FEEDS, comma-separated RSS files) without a concept, and stems two lexicon lines claim, written to LEXICON_REPORT
LEXICON_REPORT ?= lexicon-report
LEXICON_FEEDS ?=
lexicon-report:
	mkdir -p $(LEXICON_REPORT)
	$(GO) test -count=1 -run TestLexiconReport ./aggregator/cluster -lexicon-report $(abspath $(LEXICON_REPORT)) -lexicon-feeds '$(LEXICON_FEEDS)' -v

## cluster-eval: story-matching precision and recall on the copied real wire days, and the unsure list's worth
cluster-eval:
	$(GO) test -count=1 -run 'TestRealPrecision|TestTGContestPairs|TestUnsureReal' -v ./aggregator/cluster
	$(GO) test -count=1 -run TestEditorReadsUnsureOnRealDays -v ./cmd/wiredesk

cover:
	$(GO) test -count=1 -coverprofile=cover.out ./... && $(GO) tool cover -func=cover.out | tail -1

## conformance: the demo's feeds read by tools nobody here wrote
conformance: build
	bash conformance/install.sh
	rm -rf .conformance && mkdir -p .conformance
	./$(BIN) once -config demo.toml -out .conformance/out
	bash conformance/run.sh .conformance/out

## deb: a Debian package in dist/ (binary, systemd unit, system user, /etc/wiredesk, /var/lib/wiredesk)
deb: build
	rm -f dist/wiredesk_*.deb
	sh contrib/deb/build.sh '$(VERSION)' "$$($(GO) env GOARCH)" $(BIN) dist

## deb-check: build the package, install it with dpkg (root), run it and verify its unit (CI)
deb-check: deb
	dpkg -i dist/wiredesk_*.deb
	wiredesk version
	systemd-analyze verify /lib/systemd/system/wiredesk.service

clean:
	rm -rf bin dist public .conformance cover.out demo.db demo.db.lock-info demo.desk.toml lexicon-report
