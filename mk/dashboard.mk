# The web dashboard: its files (admin/dashboard/) embedded into the relay, and
# `make browser-test`, which drives Debian's chromium through playwright-core
# against the real relay (tests/browser/, docs/dashboard.md).

DASH_DIR := admin/dashboard
DASH_FILES := index.html app.js app.css favicon.svg
GEN_DASH := $(BUILD)/gen/dashboard_assets.c

# Symbol names follow the file names: app.js -> lp_dash_app_js.
$(GEN_DASH): $(addprefix $(DASH_DIR)/,$(DASH_FILES)) mk/embed.sh mk/dashboard.mk
	$(call say,EMBED,$(DASH_DIR))
	$(Q)mkdir -p $(@D)
	$(Q)mk/embed.sh $@ $(foreach f,$(DASH_FILES),lp_dash_$(subst .,_,$(f))=$(DASH_DIR)/$(f))
RELAY_SRC += $(GEN_DASH)

# A test member that joins a room with an invite and stays until it is kicked
# or killed (tests/browser/joiner.c on the integration tests' QUIC peer).
BROWSER_JOINER := $(BUILD)/asan/browser/joiner
BROWSER_JOINER_OBJS := $(BUILD)/asan/obj/tests/browser/joiner.o \
	$(BUILD)/asan/obj/tests/integration/peer.o

$(BUILD)/asan/obj/tests/browser/joiner.o: CPPFLAGS_ALL += -Itests/integration

$(BROWSER_JOINER): $(BROWSER_JOINER_OBJS) $(BUILD)/asan/lib/libsoftlan.a
	$(call say,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O1 -g $(SAN) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_ALL)

# playwright-core lives outside the checkout, installed from the lock file.
BROWSER_DEPS_DIR := $(SOFTLAN_CACHE)/browser-test

.PHONY: browser-test browser-deps
browser-deps:
	$(Q)mk/browser-deps.sh $(BROWSER_DEPS_DIR)

browser-test: $(BUILD)/asan/bin/lanparty-relay $(BROWSER_JOINER) browser-deps
	$(Q)NODE_PATH=$(BROWSER_DEPS_DIR)/node_modules LP_BIN_DIR=$(BUILD)/asan/bin \
		LP_JOINER=$(BROWSER_JOINER) LP_SHOTS=$(BUILD)/browser \
		node tests/browser/dashboard.test.js

CHECK_EXTRA += browser-test
