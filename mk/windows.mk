# The Windows client, cross-built on Debian 12 with mingw-w64 (docs/windows.md).
#
#   make windows        build/win64/lanparty-client.exe: one static exe that
#                       imports only Windows system DLLs
#   make windows-test   the agent core's unit tests and the Windows backend's
#                       decisions (tests/windows/), built for Windows and run
#                       under wine, plus checks of the exe itself; part of
#                       `make check`
#
# The static libraries it links (gnutls, ngtcp2, curl, jansson, cmocka...) come
# from mk/win-deps.sh: Debian's source packages cross-built into a prefix
# cached in $(SOFTLAN_CACHE)/win64-KEY (cold about 14 minutes, then seconds).
# The same sources as Linux, minus the *_linux.c files, plus the *_windows.c
# ones; shared/compat_windows/ maps the few POSIX headers the OS-free code
# includes.

WIN_BUILD := $(BUILD)/win64
WIN_CC := x86_64-w64-mingw32-gcc
WIN_AR := x86_64-w64-mingw32-ar
WIN_CONFIG := $(WIN_BUILD)/config.mk
WIN_PKGS := libngtcp2_crypto_gnutls libngtcp2 gnutls jansson libcurl
WIN_EXE := $(WIN_BUILD)/lanparty-client.exe

# The prefix is built (or found in the cache) only for the goals that need it.
WIN_GOALS := windows windows-test check $(WIN_BUILD)/%
ifneq ($(filter $(WIN_GOALS),$(MAKECMDGOALS)),)
-include $(WIN_CONFIG)
endif

$(WIN_CONFIG): mk/win-deps.sh
	$(Q)mkdir -p $(@D)
	$(Q)prefix=$$(mk/win-deps.sh) && export PKG_CONFIG_LIBDIR=$$prefix/lib/pkgconfig && \
	{ echo "WIN_PREFIX := $$prefix"; \
	  echo "WIN_PKG_CFLAGS := $$(pkg-config --cflags $(WIN_PKGS))"; \
	  echo "WIN_PKG_LIBS := $$(pkg-config --static --libs $(WIN_PKGS))"; } > $@.tmp
	$(Q)mv $@.tmp $@

WIN_SHARED_SRC := $(filter-out %_linux.c,$(wildcard shared/*.c))
WIN_CLIENT_SRC := $(filter-out %_linux.c client/main.c client/main_windows.c,\
	$(wildcard client/*.c))
WIN_OBJ = $(patsubst %.c,$(WIN_BUILD)/obj/%.o,$(1))

# Windows 10 APIs; mingw's C99 printf (%zu) instead of msvcrt's; static ngtcp2.
WIN_DEFS := -D_WIN32_WINNT=0x0A00 -D__USE_MINGW_ANSI_STDIO=1 -DNGTCP2_STATICLIB
WIN_CPPFLAGS := -Ishared/compat_windows $(CPPFLAGS_ALL) -Itests/windows
win_compile = $(WIN_CC) $(CSTD) $(WIN_DEFS) $(WARN) $(WIN_CPPFLAGS) $(WIN_PKG_CFLAGS) -O2 -g
# System DLLs only: IP Helper, COM (Network List Manager), Winsock, CNG, the
# service manager (advapi32), multimedia timers, the command line (shell32).
WIN_SYSLIBS := -liphlpapi -lole32 -luuid -lws2_32 -lbcrypt -lwinmm -ladvapi32 -lshell32 \
	-lcrypt32 -lncrypt
WIN_LDFLAGS := -static


$(WIN_BUILD)/obj/shared/%.o: shared/%.c $(WIN_CONFIG)
	$(call say,WINCC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(win_compile) $(WARN_SHARED) $(WIN_EXTRA_WARN) -c $< -o $@

$(WIN_BUILD)/obj/%.o: %.c $(WIN_CONFIG)
	$(call say,WINCC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(win_compile) -c $< -o $@

WIN_LIB := $(WIN_BUILD)/lib/libsoftlan-client.a
$(WIN_LIB): $(call WIN_OBJ,$(WIN_CLIENT_SRC) $(WIN_SHARED_SRC))
	$(call say,WINAR,$@)
	$(Q)mkdir -p $(@D)
	$(Q)rm -f $@ && $(WIN_AR) rcs $@ $^

$(WIN_EXE): $(call WIN_OBJ,client/main_windows.c) $(WIN_LIB)
	$(call say,WINLD,$@)
	$(Q)$(WIN_CC) $(WIN_LDFLAGS) -s -o $@ $^ $(WIN_PKG_LIBS) $(WIN_SYSLIBS)

.PHONY: windows windows-test
windows: $(WIN_EXE)

# ---------------------------------------------------------------- tests

# The agent core's unit tests that are about OS-free code, and the Windows
# backend's own (tests/windows/test_*.c, with the fakes beside them).
WIN_UNIT_TESTS := test_b64 test_counters test_ctrl test_ctrl_decode \
	test_ctrl_reader test_dgram test_err test_eth test_invite test_mac test_mss test_mtu \
	test_rand test_ratelimit test_reasm
WIN_TEST_SRC := $(wildcard tests/windows/test_*.c)
WIN_TEST_HELPER_SRC := $(filter-out $(WIN_TEST_SRC),$(wildcard tests/windows/*.c))
WIN_TEST_EXES := $(patsubst %,$(WIN_BUILD)/tests/%.exe,$(WIN_UNIT_TESTS)) \
	$(patsubst tests/windows/%.c,$(WIN_BUILD)/tests/%.exe,$(WIN_TEST_SRC))

$(WIN_BUILD)/tests/%.exe: $(WIN_BUILD)/obj/tests/unit/%.o $(WIN_LIB)
	$(call say,WINLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(WIN_CC) $(WIN_LDFLAGS) -o $@ $^ -lcmocka $(WIN_PKG_LIBS) $(WIN_SYSLIBS)

$(WIN_BUILD)/tests/%.exe: $(WIN_BUILD)/obj/tests/windows/%.o \
		$(call WIN_OBJ,$(WIN_TEST_HELPER_SRC)) $(WIN_LIB)
	$(call say,WINLD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(WIN_CC) $(WIN_LDFLAGS) -o $@ $^ -lcmocka $(WIN_PKG_LIBS) $(WIN_SYSLIBS)

# test_win_join joins a room of the real relay (the Linux build) on loopback.
windows-test: $(WIN_TEST_EXES) $(WIN_EXE) $(BUILD)/bin/lanparty-relay
	$(Q)WIN_BUILD=$(WIN_BUILD) RELAY_BIN=$(BUILD)/bin/lanparty-relay \
		tests/windows/run.sh $(WIN_EXE) $(WIN_TEST_EXES)

-include $(shell find $(WIN_BUILD)/obj -name '*.d' 2>/dev/null)

CHECK_EXTRA += windows-test
