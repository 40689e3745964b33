# make bench / make bench-smoke: softlan against OpenVPN 2.6 (TAP), tinc 1.0
# (switch mode) and plain IP forwarding in network namespaces, as root
# (tests/bench/bench.sh; docs/performance.md).
#
#   make bench          full run with the release binaries (10-20 min), then the
#                       relay capacity run of the load generator when it is built;
#                       results in tests/bench/results/bench-DATE.{md,json}
#   make bench-smoke    1 repetition, short tests, plain and softlan only (about
#                       a minute), results in build/bench/smoke/; keeps the
#                       harness working in CI
#   BENCH_ARGS="--systems softlan,openvpn --reps 5"   passed to bench.sh
#
# Never part of `make check`: tests assert behaviour, benchmarks measure speed.

BENCH_ARGS ?=
BENCH_LOADGEN := $(if $(wildcard mk/loadgen.mk),loadgen)

.PHONY: bench bench-smoke
bench: all $(BENCH_LOADGEN)
	$(Q)BENCH_COMMAND="make bench$(if $(BENCH_ARGS), BENCH_ARGS='$(BENCH_ARGS)')" \
		tests/bench/bench.sh --bin $(BUILD)/bin $(BENCH_ARGS)

bench-smoke: all $(BENCH_LOADGEN)
	$(Q)BENCH_COMMAND="make bench-smoke$(if $(BENCH_ARGS), BENCH_ARGS='$(BENCH_ARGS)')" \
		tests/bench/bench.sh --smoke --bin $(BUILD)/bin $(BENCH_ARGS)
