# lanparty-loadgen: the relay capacity load generator (issue 7; tests/bench/loadgen*.c).
#
#   make loadgen    build/bin/lanparty-loadgen, -O2, for the bench harness
#
# The ASan build (build/asan/bin/lanparty-loadgen) is what the integration
# test tests/integration/test_loadgen.c runs, so `make integration` builds it.
# The generator routes packets to members by connection ID with the relay's
# own map (relay/cidmap.c); everything else comes from libsoftlan.a.

LOADGEN_SRC := $(sort $(wildcard tests/bench/loadgen*.c)) relay/cidmap.c
LOADGEN_REL := $(BUILD)/bin/lanparty-loadgen
LOADGEN_ASAN := $(BUILD)/asan/bin/lanparty-loadgen

# Linked by the variants' $(BUILD)/bin/% and $(BUILD)/asan/bin/% rules (objects, then the library).
$(LOADGEN_REL): $(patsubst %.c,$(BUILD)/rel/obj/%.o,$(LOADGEN_SRC)) $(BUILD)/rel/lib/libsoftlan.a
$(LOADGEN_ASAN): $(patsubst %.c,$(BUILD)/asan/obj/%.o,$(LOADGEN_SRC)) $(BUILD)/asan/lib/libsoftlan.a

.PHONY: loadgen
loadgen: $(LOADGEN_REL)

integration: $(LOADGEN_ASAN)
