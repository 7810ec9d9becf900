# costctl: one non-recursive Makefile. `make check` and `make demo` are the
# README's two commands; each installs what is missing first
# (scripts/install-deps.sh, via build/config.mk).
#
#   make            build costctl
#   make check      unit + CLI + fuzz-corpus tests
#   make demo       ingest the bundled fixtures, print a few prices
#   make bench      performance figures (ratios against a baseline run)
#   make sanitize   the tests under ASan + UBSan
#   make fuzz       libFuzzer build of the ingest fuzz target (clang)
#   make golden     rewrite the CLI tests' exact outputs (review the diff)
#   make readme-image  docs/proposal-est456.png: page 1 of the demo's proposal
#   make style      what clang-format would change in the current diff
#   make install    PREFIX=/usr/local, DESTDIR: the binary, costctl.1, the example config
#   make clean
#
# Options: V=1 (show commands), WERROR=1 (warnings are errors),
# SANITIZE=address,undefined, BUILD=dir.

.DEFAULT_GOAL := all
SHELL := /bin/sh
comma := ,

SANITIZE ?=
ifeq ($(SANITIZE),)
BUILD ?= build
OPT ?= -O2 -g
else
BUILD ?= build/san
OPT ?= -O1 -g -fno-omit-frame-pointer
ifneq ($(filter-out address undefined,$(subst $(comma), ,$(SANITIZE))),)
$(error SANITIZE takes address and/or undefined, not '$(SANITIZE)')
endif
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
endif

ifneq ($(V),1)
Q := @
say = @printf '  %-7s %s\n' $(1) $(2);
else
Q :=
say =
endif

CC ?= cc
WARN := -std=c17 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wold-style-definition -Wpointer-arith \
	-Wwrite-strings -Wvla -Wformat=2 -fno-common
ifeq ($(WERROR),1)
WARN += -Werror
endif

# Library flags come from pkg-config after the dependency script ran.
include $(BUILD)/config.mk
$(BUILD)/config.mk: scripts/install-deps.sh
	@mkdir -p $(BUILD)
	$(Q)scripts/install-deps.sh build
	$(Q){ echo "PKG_CFLAGS := $$(pkg-config --cflags libcurl yajl xlsxwriter zlib sqlite3 libcrypto libzip expat)"; \
	  echo "PKG_LIBS := $$(pkg-config --libs libcurl yajl xlsxwriter zlib sqlite3 libcrypto libzip expat) -lhpdf"; \
	  echo "CHECK_CFLAGS := $$(pkg-config --cflags check)"; \
	  echo "CHECK_LIBS := $$(pkg-config --libs check)"; } >$@.tmp && mv $@.tmp $@

CPPFLAGS += -D_GNU_SOURCE -I.
CFLAGS += $(WARN) $(OPT) -fopenmp -pthread $(SAN_FLAGS) -MMD -MP $(PKG_CFLAGS)
LDFLAGS += -fopenmp -pthread $(SAN_FLAGS)
LIBS := $(PKG_LIBS) -lm

LIB_SRC := $(wildcard pipeline/*/*.c)
CMD_SRC := $(wildcard cmd/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
LIB := $(BUILD)/libpipeline.a
COSTCTL := $(BUILD)/costctl
UNIT := $(BUILD)/tests/unit/runner
# one fuzz target per parser of outside input, each with its corpus in
# tests/fuzz/corpus/<name>; replayed in `make check`, fuzzed by `make fuzz`
FUZZ_TARGETS := ingest json item config pricebook calc sheet tree
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/replay_%)
BENCH_TOOLS := $(BUILD)/tests/bench/gen_offer $(BUILD)/tests/bench/yajl_noop \
	$(BUILD)/tests/bench/runstat $(BUILD)/tests/bench/ingest_only \
	$(BUILD)/tests/bench/store_bench $(BUILD)/tests/bench/calc_bench $(BUILD)/tests/bench/docs_bench
.SECONDARY:

all: $(COSTCTL) fonts

# The proposal's fonts: DejaVu Sans and Sans Bold (fonts-dejavu-core) cut to
# the scripts a proposal is written in (Latin, Greek, Cyrillic, Hebrew,
# Arabic, Vietnamese, punctuation, currency, arrows, maths, shapes). libharu
# 2.3.0 looks every code point of its UTF-8 encoder up in a font's cmap
# when it builds the font, in every document: the cut font has 102 cmap
# runs to DejaVu's 241 and 3,281 glyphs to 6,253, so a proposal is made
# twice as fast and is a third the size. Built into templates/fonts/ (not
# committed), where the templates name them.
FONT_RANGES := U+0020-007E,U+00A0-05FF,U+0600-06FF,U+1E00-1EFF,U+2000-27BF,U+FB00-FB4F,U+FFFD
FONTS := templates/fonts/DejaVuSans.ttf templates/fonts/DejaVuSans-Bold.ttf
templates/fonts/%.ttf: /usr/share/fonts/truetype/dejavu/%.ttf $(BUILD)/config.mk
	@mkdir -p templates/fonts
	$(call say,FONT,$@)pyftsubset $< --unicodes='$(FONT_RANGES)' --layout-features='' --no-hinting \
		--output-file=$@.tmp 2>/dev/null && mv $@.tmp $@
fonts: $(FONTS)

$(BUILD)/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%.o: CFLAGS += $(CHECK_CFLAGS)

$(LIB): $(LIB_OBJ)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

$(COSTCTL): $(CMD_OBJ) $(LIB)
	$(call say,LINK,$@)$(CC) $(LDFLAGS) -o $@ $(CMD_OBJ) $(LIB) $(LIBS)

$(UNIT): $(UNIT_OBJ) $(LIB)
	$(call say,LINK,$@)$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(LIB) $(CHECK_LIBS) $(LIBS)

$(BUILD)/tests/fuzz/replay_%: $(BUILD)/tests/fuzz/regression_driver.o $(BUILD)/tests/fuzz/fuzz_%.o $(LIB)
	$(call say,LINK,$@)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o $(LIB)
	$(call say,LINK,$@)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# small programs the CLI tests drive (the library's pieces a command does not expose)
TEST_TOOLS := $(BUILD)/tests/tools/s3_put
$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(LIB)
	$(call say,LINK,$@)$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# ---------------------------------------------------------------- tests
PREFIX ?= /usr/local
DESTDIR ?=

$(BUILD)/costctl.1: $(COSTCTL) scripts/manpage.sh
	$(call say,MAN,$@)scripts/manpage.sh $(COSTCTL) >$@.tmp && mv $@.tmp $@

install: $(COSTCTL) $(FONTS) $(BUILD)/costctl.1
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/doc/costctl/docs $(DESTDIR)$(PREFIX)/share/costctl/templates/branding
	install -m 0755 $(COSTCTL) $(DESTDIR)$(PREFIX)/bin/costctl
	install -m 0644 templates/*.tmpl templates/README.md $(DESTDIR)$(PREFIX)/share/costctl/templates/
	install -m 0644 templates/branding/*.conf $(DESTDIR)$(PREFIX)/share/costctl/templates/branding/
	install -d $(DESTDIR)$(PREFIX)/share/costctl/templates/fonts
	install -m 0644 $(FONTS) $(DESTDIR)$(PREFIX)/share/costctl/templates/fonts/
	install -m 0644 $(BUILD)/costctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/costctl.1
	install -m 0644 costctl.conf.example README.md $(DESTDIR)$(PREFIX)/share/doc/costctl/
	install -m 0644 docs/*.md $(DESTDIR)$(PREFIX)/share/doc/costctl/docs/

.PHONY: fonts readme-image install check check-unit check-cli check-fuzz check-dynamodb sanitize demo bench fuzz clean style golden

check: check-unit check-cli check-fuzz check-dynamodb

check-unit: $(UNIT) $(COSTCTL)
	$(Q)COSTCTL_FIXTURES=fixtures COSTCTL_SHARED=$(or $(SHARED),../shared) $(UNIT)

check-cli: $(COSTCTL) $(FONTS) $(TEST_TOOLS) $(BUILD)/.test-deps
	$(Q)tests/cli/run.sh $(COSTCTL)

# the servers the CLI tests start (nginx, the fault server)
$(BUILD)/.test-deps: scripts/install-deps.sh
	$(Q)scripts/install-deps.sh test && touch $@

check-fuzz: $(FUZZ_REPLAY)
	$(Q)for t in $(FUZZ_TARGETS); do \
		$(BUILD)/tests/fuzz/replay_$$t tests/fuzz/corpus/$$t || exit 1; \
	done

# the store suite and `costctl table` against DynamoDB Local (java, npm)
check-dynamodb: $(UNIT) $(COSTCTL) $(BUILD)/.test-deps
	$(Q)tests/integration/dynamodb.sh $(BUILD)

sanitize:
	$(Q)$(MAKE) --no-print-directory SANITIZE=address,undefined check

demo: $(COSTCTL) $(FONTS)
	$(Q)scripts/demo.sh $(COSTCTL)

# the README's picture of the proposal: rendered from what `make demo` wrote
readme-image: demo $(BUILD)/.test-deps
	$(Q)pdf=$$(awk '$$1 == "pdf" { print $$2 }' $${COSTCTL_STATE:-state}/docs-est456.tsv) && \
		pdftoppm -png -r 40 -f 1 -l 1 -singlefile "$$pdf" docs/proposal-est456 2>/dev/null && \
		echo "  wrote docs/proposal-est456.png from $$pdf"

bench: $(COSTCTL) $(BENCH_TOOLS) $(BUILD)/.test-deps
	$(Q)tests/bench/bench_ingest.sh $(BUILD)
	$(Q)tests/bench/bench_fetch.sh $(BUILD)
	$(Q)rm -rf $(BUILD)/bench/store && mkdir -p $(BUILD)/bench/store && \
		$(BUILD)/tests/bench/store_bench sqlite:$(BUILD)/bench/store/bench.db
	$(Q)tests/integration/dynamodb.sh $(BUILD) bench
	$(Q)tests/bench/bench_recalc.sh $(BUILD)
	$(Q)tests/bench/bench_docs.sh $(BUILD)
	$(Q)tests/bench/bench_diff.sh $(BUILD)
	$(Q)tests/bench/bench_nightly.sh $(BUILD)

# libFuzzer needs clang; the regression driver above replays the corpora in
# `make check`. FUZZ_SECONDS a target (default 60), FUZZ=name to run one;
# new findings land in build/fuzz/corpus-<name>: copy the interesting ones
# into tests/fuzz/corpus/<name>.
FUZZ ?= $(FUZZ_TARGETS)
fuzz: $(BUILD)/config.mk
	$(Q)scripts/install-deps.sh fuzz
	$(Q)mkdir -p $(BUILD)/fuzz
	$(Q)for t in $(FUZZ); do \
		echo "  CLANG   fuzz_$$t"; \
		clang $(CPPFLAGS) -std=c17 -g -O1 -fopenmp -pthread -fsanitize=fuzzer,address,undefined \
			$(PKG_CFLAGS) -o $(BUILD)/fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c $(LIB_SRC) $(PKG_LIBS) -lm || exit 1; \
		mkdir -p $(BUILD)/fuzz/corpus-$$t && cp tests/fuzz/corpus/$$t/* $(BUILD)/fuzz/corpus-$$t/; \
		$(BUILD)/fuzz/fuzz_$$t -max_total_time=$${FUZZ_SECONDS:-60} -max_len=65536 -timeout=10 \
			-artifact_prefix=$(BUILD)/fuzz/$$t- $(BUILD)/fuzz/corpus-$$t || exit 1; \
	done

# Rewrites the CLI tests' exact stdout files; review `git diff` before committing.
golden: $(COSTCTL)
	$(Q)tests/cli/run.sh --update $(COSTCTL)
	$(Q)git --no-pager diff --stat -- tests/cli

style:
	$(Q)git clang-format --diff

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
