# DUO suite: one entry point for people and CI. Every target makes sure uv is there first
# (installing uv 0.13.9 into the cache if it is not on PATH) and the workspace is synced from
# uv.lock. Downloads (uv, Kafka's jars, the compose schema) are cached in
# $(DUO_CACHE_DIR), ~/.cache/duo-suite unless set.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
DUO_CACHE_DIR ?= $(HOME)/.cache/duo-suite
export DUO_CACHE_DIR
CACHED_UV := $(DUO_CACHE_DIR)/uv-$(UV_VERSION)/bin/uv
UV := $(or $(shell command -v uv 2>/dev/null),$(CACHED_UV))
RUN := $(UV) run --no-sync

ROLE ?= coordinator
BRANCHES ?= brussels
PYTEST_ARGS ?=
# Three pytest workers, each with its own Kafka, store and SMTP sink: most tests wait on I/O (a
# broker restart, a killed relay, a polled mailbox), so three keep 2 cores busy. A test file stays
# on one worker (its fixtures are shared within it).
PYTEST_WORKERS ?= 3

.PHONY: help run infra test fuzz provision chromium bench events-docs token sync ensure-uv clean-data screenshots figures-from-log rebuild

help:
	@echo "make run          the whole suite locally: Kafka, SecantusDB, SMTP sink, the four services and the console (DUO_PROCESSES=2: two processes each)"
	@echo "make test         every test: unit, integration, end-to-end (PYTEST_ARGS=... to pass options)"
	@echo "make infra        only the infrastructure (Kafka, SecantusDB, SMTP sink), in the foreground"
	@echo "make fuzz         schemathesis over every route with a bigger budget (FUZZ_EXAMPLES=50 per operation)"
	@echo "make bench        every benchmark in bench/"
	@echo "make events-docs  the events' JSON Schema and AsyncAPI documents"
	@echo "make figures-from-log  the programme's figures recomputed from the event log alone (OUTPUT=figures.json)"
	@echo "make token        a bearer token (ROLE=coordinator BRANCHES=brussels)"
	@echo "make rebuild      a service's view from the event log, offline, into a fresh database (SERVICE=matching|followup|notify|intake)"
	@echo "make screenshots  a PNG of each console page in docs/screenshots/ (the browser test's flow)"
	@echo "make provision    fetch Kafka and the compose schema into the cache, check the local store is installed"
	@echo "make clean-data   delete the local run's data (.run/)"

# uv: the one on PATH, else 0.13.9 installed from PyPI into the cache.
ifeq ($(UV),$(CACHED_UV))
ensure-uv: $(CACHED_UV)
else
ensure-uv: ;
endif

$(CACHED_UV):
	@echo "uv is not on PATH: installing uv==$(UV_VERSION) into $(DUO_CACHE_DIR)/uv-$(UV_VERSION)"
	@python3 -m venv "$(DUO_CACHE_DIR)/uv-$(UV_VERSION)" \
	  && "$(DUO_CACHE_DIR)/uv-$(UV_VERSION)/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)" \
	  || { rm -rf "$(DUO_CACHE_DIR)/uv-$(UV_VERSION)"; \
	       python3 -m pip install --quiet --disable-pip-version-check --target "$(DUO_CACHE_DIR)/uv-$(UV_VERSION)" "uv==$(UV_VERSION)"; }
	@test -x "$(CACHED_UV)"

sync: ensure-uv
	$(UV) sync --all-packages --frozen

provision: sync
	$(RUN) python -m infra.provision

run: sync
	$(RUN) python -m infra.run

infra: sync
	$(RUN) python -m infra.run --infra-only

# The console's browser tests drive Debian's Chromium (Playwright cannot download its own here).
chromium:
	@[ -x /usr/bin/chromium ] || { echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && apt-get install -y -qq chromium; }

test: provision chromium
	$(RUN) pytest tests -n $(PYTEST_WORKERS) --dist loadfile --durations=12 $(PYTEST_ARGS)

# The test suite fuzzes every route with a few examples each; this runs the same with more.
FUZZ_EXAMPLES ?= 50
fuzz: provision
	DUO_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(RUN) pytest tests/e2e/test_api_fuzzing.py -s -q $(PYTEST_ARGS)

bench: sync
	@found=0; \
	for file in bench/*.py bench/*/__main__.py; do \
	  [ -e "$$file" ] || continue; \
	  grep -qE "^if __name__ == ['\"]__main__['\"]" "$$file" || [[ "$$file" == */__main__.py ]] || continue; \
	  module="$${file%.py}"; module="$${module%/__main__}"; module="$${module//\//.}"; \
	  echo "== $$module"; $(RUN) python -m "$$module"; found=1; \
	done; \
	[ "$$found" = 1 ] || echo "no benchmark with a main in bench/"

# The console's browser test, keeping a PNG of each page it visits (needs Debian's chromium).
screenshots: provision
	DUO_SCREENSHOTS="$(CURDIR)/docs/screenshots" $(RUN) pytest tests/e2e/test_console_browser.py -k coordinator -q

events-docs: sync
	$(RUN) python -m shared.events.export

# Reads the topics from offset 0 with the DUO_* settings (DUO_KAFKA_BOOTSTRAP, DUO_TOPIC_PREFIX); no database.
OUTPUT ?= figures-from-log.json
figures-from-log: sync
	$(RUN) python -m services.followup.figures_from_log --output "$(OUTPUT)"

SERVICE ?=
rebuild: sync
	@case "$(SERVICE)" in matching|followup|notify|intake) ;; \
	  *) echo "SERVICE must be matching, followup, notify or intake"; exit 2;; esac
	$(RUN) python -m services.$(SERVICE).rebuild $(REBUILD_ARGS)

token: ensure-uv
	@$(UV) sync --all-packages --frozen --quiet
	@$(RUN) python -m infra.token --role "$(ROLE)" --branches "$(BRANCHES)"

clean-data:
	rm -rf .run
