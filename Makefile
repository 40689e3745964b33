# softlan: one non-recursive GNU make.
#
#   make            build the three binaries into build/bin/
#   make check      install deps, build, run every test (unit under ASan+UBSan,
#                   fuzz corpus replay, end-to-end suites)
#   make run        install deps, build, start the relay on its defaults
#   make demo       a LAN party in network namespaces to try by hand (root)
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS (default 60)
#   make deps       install build and test dependencies (Debian 12, as root)
#   make format     rewrite sources with clang-format
#   make lint       clang-format check and a grep for banned functions
#   make clean      remove build outputs (keeps the ngtcp2 build)
#   make distclean  remove build/ entirely
#
# V=1 shows full commands. CC=clang builds with clang.

VERSION := 0.1.0
BUILD ?= build
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
# Outside the checkout: downloaded sources and tools (promtool) kept between builds.
SOFTLAN_CACHE ?= /var/cache/softlan
SHELL := /bin/bash

Q := $(if $(V),,@)
say = $(if $(V),,@printf '  %-7s %s\n' $(1) $(2);)

# ---------------------------------------------------------------- deps, flags

# Shared by every BUILD dir (a gcc and a clang tree need only one ngtcp2).
NGTCP2_PREFIX ?= build/ngtcp2
CONFIG_MK := $(BUILD)/config.mk
PKGS := libngtcp2_crypto_gnutls libngtcp2 gnutls jansson sqlite3 libmicrohttpd libcurl

# config.mk holds pkg-config's answers, computed once after the dependencies
# are in place (make re-reads the makefile after building it).
NO_CONFIG_GOALS := clean deps format lint
ifneq ($(filter-out $(NO_CONFIG_GOALS),$(or $(MAKECMDGOALS),all)),)
-include $(CONFIG_MK)
endif

$(CONFIG_MK): mk/deps.sh mk/ngtcp2.sh
	$(Q)mk/deps.sh $(NGTCP2_PREFIX)
	$(Q)mkdir -p $(@D)
	$(Q)export PKG_CONFIG_PATH=$(abspath $(NGTCP2_PREFIX))/lib/pkgconfig; \
	pkg-config --atleast-version=1.0 libngtcp2 || \
		{ echo "ngtcp2 >= 1.0 not found" >&2; exit 1; }; \
	{ echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	  echo "PKG_LIBS := $$(pkg-config --libs $(PKGS))"; \
	  echo "CMOCKA_LIBS := $$(pkg-config --libs cmocka)"; \
	  echo "NGTCP2_VERSION := $$(pkg-config --modversion libngtcp2)"; } > $@.tmp
	$(Q)mv $@.tmp $@

.PHONY: deps
deps:
	$(Q)mk/deps.sh $(NGTCP2_PREFIX)

# ---------------------------------------------------------------- flags

CSTD := -std=c17 -D_GNU_SOURCE
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wwrite-strings -Wvla -Wformat=2 -Wformat-security
# The byte codecs live in shared/: there every narrowing must be explicit.
WARN_SHARED := -Wconversion
CPPFLAGS_ALL := -Ishared -Irelay -Iadmin -Igateway -Iclient -DLP_VERSION='"$(VERSION)"' -MMD -MP
OPT ?= -O2 -g
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS_ALL := -Wl,--as-needed
LIBS_ALL = $(PKG_LIBS) -lpthread

compile = $(CC) $(CSTD) $(WARN) $(CPPFLAGS_ALL) $(PKG_CFLAGS)

# ---------------------------------------------------------------- sources

SHARED_SRC := $(filter-out %_windows.c,$(wildcard shared/*.c))
RELAY_SRC := $(filter-out relay/main.c,$(wildcard relay/*.c)) $(wildcard admin/*.c)
GATEWAY_SRC := $(filter-out gateway/main.c,$(wildcard gateway/*.c))
CLIENT_SRC := $(filter-out client/main.c %_windows.c,$(wildcard client/*.c))
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_HELPER_SRC := $(filter-out $(TEST_SRC),$(wildcard tests/unit/*.c))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

BINS := lanparty-relay lanparty-gateway lanparty-client

# Files embedded into the relay (schema, dashboard assets) become C arrays.
GEN_SCHEMA := $(BUILD)/gen/schema_sql.c
$(GEN_SCHEMA): schema.sql mk/embed.sh
	$(call say,EMBED,$<)
	$(Q)mkdir -p $(@D)
	$(Q)mk/embed.sh $@ lp_schema_sql=schema.sql
RELAY_SRC += $(if $(wildcard schema.sql),$(GEN_SCHEMA))

# Feature fragments (dashboard assets, Windows cross-build, benchmarks): each
# mk/*.mk may add sources to the lists above and targets of its own.
include $(sort $(wildcard mk/*.mk))

# $(call objs,VARIANT,SOURCES)
objs = $(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$(2))

# Two variants of everything: "rel" (build/bin) and "asan" (tests, e2e).
define variant
$(1)_SHARED_LIB := $(BUILD)/$(1)/lib/libsoftlan.a
$(1)_RELAY_LIB := $(BUILD)/$(1)/lib/librelay.a
$(1)_GATEWAY_LIB := $(BUILD)/$(1)/lib/libgateway.a
$(1)_CLIENT_LIB := $(BUILD)/$(1)/lib/libclient.a
$(1)_LIBS := $$($(1)_RELAY_LIB) $$($(1)_GATEWAY_LIB) $$($(1)_CLIENT_LIB) $$($(1)_SHARED_LIB)

$$($(1)_SHARED_LIB): $$(call objs,$(1),$$(SHARED_SRC))
$$($(1)_RELAY_LIB): $$(call objs,$(1),$$(RELAY_SRC))
$$($(1)_GATEWAY_LIB): $$(call objs,$(1),$$(GATEWAY_SRC))
$$($(1)_CLIENT_LIB): $$(call objs,$(1),$$(CLIENT_SRC))

$(BUILD)/$(1)/obj/shared/%.o: shared/%.c $(CONFIG_MK)
	$$(call say,CC,$$<)
	$(Q)mkdir -p $$(@D)
	$(Q)$$(compile) $(2) $$(WARN_SHARED) -c $$< -o $$@

$(BUILD)/$(1)/obj/%.o: %.c $(CONFIG_MK)
	$$(call say,CC,$$<)
	$(Q)mkdir -p $$(@D)
	$(Q)$$(compile) $(2) -c $$< -o $$@

$(BUILD)/$(1)/lib/%.a:
	$$(call say,AR,$$@)
	$(Q)mkdir -p $$(@D)
	$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^

$(1)_BIN_DIR := $(BUILD)/$(if $(filter rel,$(1)),bin,$(1)/bin)

$$($(1)_BIN_DIR)/lanparty-relay: $(BUILD)/$(1)/obj/relay/main.o $$($(1)_RELAY_LIB) $$($(1)_SHARED_LIB)
$$($(1)_BIN_DIR)/lanparty-gateway: $(BUILD)/$(1)/obj/gateway/main.o $$($(1)_GATEWAY_LIB) $$($(1)_CLIENT_LIB) $$($(1)_SHARED_LIB)
$$($(1)_BIN_DIR)/lanparty-client: $(BUILD)/$(1)/obj/client/main.o $$($(1)_CLIENT_LIB) $$($(1)_SHARED_LIB)

$$($(1)_BIN_DIR)/%:
	$$(call say,LD,$$@)
	$(Q)mkdir -p $$(@D)
	$(Q)$$(CC) $(2) $$(LDFLAGS_ALL) -o $$@ $$^ $$(LIBS_ALL)

-include $$(shell find $(BUILD)/$(1)/obj -name '*.d' 2>/dev/null)
endef

$(eval $(call variant,rel,$(OPT)))
$(eval $(call variant,asan,-O1 -g $(SAN)))

REL_BINS := $(addprefix $(BUILD)/bin/,$(BINS))
ASAN_BINS := $(addprefix $(BUILD)/asan/bin/,$(BINS))

.SECONDARY:
.DEFAULT_GOAL := all
.PHONY: all
all: $(REL_BINS)

# ---------------------------------------------------------------- unit tests

TEST_BINS := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(TEST_SRC))
TEST_HELPER_OBJS := $(call objs,asan,$(TEST_HELPER_SRC))

$(BUILD)/asan/tests/%: $(BUILD)/asan/obj/tests/unit/%.o $(TEST_HELPER_OBJS) $(asan_LIBS)
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O1 -g $(SAN) $(LDFLAGS_ALL) -o $@ $^ $(CMOCKA_LIBS) $(LIBS_ALL)

.PHONY: unit
unit: $(TEST_BINS)
	$(Q)tests/run-unit.sh $(TEST_BINS)

# ---------------------------------------------------------------- integration

# Test programs that drive the real binaries (tests/integration/test_*.c),
# linked with the helpers beside them (e.g. a QUIC test peer).
INTEG_SRC := $(wildcard tests/integration/test_*.c)
INTEG_HELPER_SRC := $(filter-out $(INTEG_SRC),$(wildcard tests/integration/*.c))
INTEG_BINS := $(patsubst tests/integration/%.c,$(BUILD)/asan/integration/%,$(INTEG_SRC))
INTEG_HELPER_OBJS := $(call objs,asan,$(INTEG_HELPER_SRC))

$(BUILD)/asan/integration/%: $(BUILD)/asan/obj/tests/integration/%.o $(INTEG_HELPER_OBJS) $(asan_LIBS)
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O1 -g $(SAN) $(LDFLAGS_ALL) -o $@ $^ $(CMOCKA_LIBS) $(LIBS_ALL)

.PHONY: integration
integration: $(INTEG_BINS) $(ASAN_BINS)
	$(Q)LABEL=integration LP_BIN_DIR=$(BUILD)/asan/bin PATH="$$PATH:$(SOFTLAN_CACHE)/bin" \
		tests/run-unit.sh $(INTEG_BINS)

# ---------------------------------------------------------------- fuzzing

FUZZ_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_SHARED_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(SHARED_SRC))
fuzz_compile = $(FUZZ_CC) $(CSTD) $(WARN) $(CPPFLAGS_ALL) $(PKG_CFLAGS) $(FUZZ_FLAGS)

$(BUILD)/fuzz/obj/%.o: %.c $(CONFIG_MK)
	$(call say,FUZZCC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(fuzz_compile) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/tests/fuzz/%.o $(FUZZ_SHARED_OBJS)
	$(call say,LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(LDFLAGS_ALL) -o $@ $^ $(LIBS_ALL)

-include $(shell find $(BUILD)/fuzz/obj -name '*.d' 2>/dev/null)

.PHONY: fuzz-replay fuzz
fuzz-replay: $(FUZZ_BINS)
	$(Q)tests/fuzz/replay.sh $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BINS)

# ---------------------------------------------------------------- check, run

E2E_SUITES := $(sort $(wildcard tests/e2e/test_*.sh))

# Fragments (mk/*.mk) append their suites to CHECK_EXTRA (browser, wine tests).
.PHONY: check test e2e
check: test e2e $(CHECK_EXTRA)
	@echo "check: all suites passed"

# Everything but the end-to-end suites (CI runs it again with CC=clang).
test: all $(ASAN_BINS) unit fuzz-replay integration

e2e: $(ASAN_BINS)
	$(Q)if [ -n "$(E2E_SUITES)" ]; then tests/e2e/run.sh $(E2E_SUITES); fi

.PHONY: run demo
run: all
	$(Q)mk/run.sh $(BUILD)/bin/lanparty-relay

# The LAN party in network namespaces, up until Ctrl-C (root; see docs/testing.md).
demo: all
	$(Q)LP_BIN_DIR=$(BUILD)/bin mk/demo.sh

# ---------------------------------------------------------------- hygiene

FORMAT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

.PHONY: format lint clean distclean
format:
	$(Q)clang-format -i $(FORMAT_SRC)

lint:
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRC)
	$(Q)mk/banned.sh $(FORMAT_SRC)

clean:
	rm -rf $(BUILD)/rel $(BUILD)/asan $(BUILD)/fuzz $(BUILD)/bin $(BUILD)/quick $(CONFIG_MK)

distclean:
	rm -rf $(BUILD)
