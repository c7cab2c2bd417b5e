# vfio-bind: build, test and install.
#   make              build the tools (checks its libraries, installs nothing)
#   make deps         install what building and testing need (.ci/install-deps, as root)
#   make check        install the test dependencies, then every test: unit
#                     (doctest, fixture sysfs trees), shell, and the real-kernel
#                     boot tests in QEMU (several minutes)
#   make check-unit check-shell check-vm   one suite each (nothing installed)
#   make check-faults every writing command with each call failing, killed,
#                     or its writes cut short by a power cut (tests/faults/)
#   make check-mutants one-line breaks of the important rules: each must fail
#                     the unit suite (tests/mutants/mutants.txt)
#   make check-system whole-system test: debootstrap Debian 12, install the
#                     .deb, boot it in QEMU (not part of make check)
#   make demo         boot a VM with emulated Radeons and show who claimed what
#   make bench        planning speed, binary size, image check and claim-at-boot figures
#   make lint         shellcheck on every script, clang-format, the layer rule
#   make install      DESTDIR=... PREFIX=/usr
#   make STATIC=1     fully static vfio-bind when a static libkmod exists

PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
DOCDIR     ?= $(DATADIR)/doc/vfio-bind
SYSCONFDIR ?= /etc
DRACUTDIR  ?= $(LIBDIR)/dracut/modules.d/90vfio-bind
INITRAMFSTOOLSDIR ?= $(DATADIR)/initramfs-tools
INITCPIODIR ?= $(LIBDIR)/initcpio
UNITDIR    ?= $(LIBDIR)/systemd/system
# zsh's directory for packaged completions (Debian: $(DATADIR)/zsh/vendor-completions).
ZSHCOMPDIR ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
VERSION    := 0.1.0

CXX        ?= g++
PKG_CONFIG ?= pkg-config
CXXFLAGS   ?= -Os -g
CXXFLAGS   += -std=c++17 -Wall -Wextra -Wno-missing-field-initializers -MMD -MP \
              -ffunction-sections -fdata-sections -DVFIO_BIND_VERSION='"$(VERSION)"'
CPPFLAGS   += -Isrc
LDFLAGS    += -Wl,--gc-sections -Wl,--as-needed

# The libraries the build needs (pkg-config name:Debian package). A missing
# one stops the build with the package to install; nothing is installed here.
LIBRARIES := libkmod:libkmod-dev inih:libinih-dev zlib:zlib1g-dev libzstd:libzstd-dev \
             liblzma:liblzma-dev liblz4:liblz4-dev
pc_name = $(word 1,$(subst :, ,$(1)))
pc_pkg  = $(word 2,$(subst :, ,$(1)))

# libstdc++, libgcc and inih are linked in: in the initramfs the binary needs
# only libc and libkmod.
STATIC_RUNTIME = -static-libstdc++ -static-libgcc
KMOD_LIBS  = $(shell $(PKG_CONFIG) --libs libkmod 2>/dev/null || echo -lkmod)
INIH_LIBS  = -Wl,-Bstatic -linih -Wl,-Bdynamic
IMAGE_LIBS = -lz -lzstd -llzma -llz4
# ISA-L's igzip inflates gzip images several times faster than zlib: used
# where pkg-config finds it (libisal-dev), else zlib does; ISAL=0 forces zlib.
ISAL ?= $(shell $(PKG_CONFIG) --exists libisal 2>/dev/null && echo 1 || echo 0)
ifeq ($(ISAL),1)
IMAGE_LIBS += -lisal
IMAGE_CPPFLAGS = -DVB_HAVE_ISAL
endif
ifeq ($(STATIC),1)
# Debian ships no libkmod.a: say so rather than fail at link time.
ifeq ($(wildcard $(shell $(CXX) -print-file-name=libkmod.a)),)
$(error STATIC=1 needs a static libkmod (libkmod.a), which this system does not have)
endif
STATIC_RUNTIME = -static
INIH_LIBS = -linih
endif

B = build

# The layers of src/, lowest first (src/README.md): each is a static
# library, and a layer may use only the layers before it. The link lines
# below are the proof: vfio-bind, which goes into every initramfs, links
# only the base and the boot-time layer.
LAYERS := basic boot host image generator bootloader check setup
layer_objs = $(patsubst src/%.cc,$(B)/src/%.o,$(wildcard src/$(1)/*.cc))
lib = $(B)/lib$(1).a

VFIO_BIND_LINK  := $(B)/initramfs/libboot.a $(B)/initramfs/libbasic.a
INITRD_CHECK_LINK := $(foreach l,check bootloader generator image host boot basic,$(call lib,$(l)))
ALL_LAYERS_LINK := $(foreach l,setup check bootloader generator image host boot basic,$(call lib,$(l)))

TOOLS := $(B)/vfio-bind $(B)/vfio-setup $(B)/vfio-initrd-check

TEST_SRCS := $(wildcard tests/*/*_test.cc) $(filter-out tests/lib/make_fixture_main.cc,$(wildcard tests/lib/*.cc))
TEST_OBJS := $(patsubst %.cc,$(B)/%.o,$(TEST_SRCS))

.PHONY: all libraries deps check check-prepare check-unit check-shell check-faults check-faults-quick check-package check-packages check-lifecycle check-lifecycle-rpm check-vm check-system \
        check-mutants demo bench \
        lint install clean fuzz fuzz-run
all: $(TOOLS)

# Every compile waits for this check, which only reads (pkg-config).
libraries:
	@missing=""; for p in $(LIBRARIES); do \
	    $(PKG_CONFIG) --exists "$${p%%:*}" 2>/dev/null || missing="$$missing $${p#*:}"; done; \
	if [ -n "$$missing" ]; then \
	    echo "vfio-bind: missing libraries; install:$$missing (or run 'make deps' as root)" >&2; exit 1; fi

deps:
	@.ci/install-deps build test vm

$(B)/%.o: %.cc | libraries
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(B)/tests/%.o: CPPFLAGS += -Itests
$(B)/src/image/decompress.o: CPPFLAGS += $(IMAGE_CPPFLAGS)

define layer_rule
$(call lib,$(1)): $(call layer_objs,$(1))
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rule,$(l))))

# vfio-bind goes into every initramfs, so it is built on its own, small: its
# errors are Results and it never throws, so it is compiled without
# exception support and with link-time optimisation, and its text shares a
# segment with its read-only data (no page of padding between them);
# src/tools/no_exceptions.cc keeps libstdc++'s exception machinery out.
INITRAMFS_CXXFLAGS = -flto=auto -fno-exceptions -fno-asynchronous-unwind-tables
INITRAMFS_LDFLAGS  = -Wl,-z,noseparate-code
INITRAMFS_OBJS := $(patsubst %,$(B)/initramfs/src/tools/%.o,vfio_bind_main cli log no_exceptions)
$(B)/initramfs/%.o: %.cc | libraries
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $(INITRAMFS_CXXFLAGS) -c $< -o $@
define initramfs_layer_rule
$(B)/initramfs/lib$(1).a: $(patsubst src/%.cc,$(B)/initramfs/src/%.o,$(wildcard src/$(1)/*.cc))
	@rm -f $$@
	gcc-ar rcs $$@ $$^
endef
$(foreach l,basic boot,$(eval $(call initramfs_layer_rule,$(l))))

$(B)/vfio-bind: $(INITRAMFS_OBJS) $(VFIO_BIND_LINK)
	$(CXX) $(CXXFLAGS) $(INITRAMFS_CXXFLAGS) $(LDFLAGS) $(INITRAMFS_LDFLAGS) $(STATIC_RUNTIME) -o $@ $^ \
	    $(INIH_LIBS) $(KMOD_LIBS)

$(B)/vfio-initrd-check: $(B)/src/tools/vfio_initrd_check_main.o $(B)/src/tools/cli.o $(B)/src/tools/run_command.o \
                        $(INITRD_CHECK_LINK)
	$(CXX) $(LDFLAGS) $(STATIC_RUNTIME) -o $@ $^ $(INIH_LIBS) $(KMOD_LIBS) $(IMAGE_LIBS)

# `initramfs status` says what the installed images do: the check layer's verdict.
$(B)/vfio-setup: $(B)/src/tools/vfio_setup_main.o $(B)/src/tools/run_command.o $(ALL_LAYERS_LINK)
	$(CXX) $(LDFLAGS) $(STATIC_RUNTIME) -o $@ $^ $(INIH_LIBS) $(KMOD_LIBS) $(IMAGE_LIBS)

$(B)/run-tests: $(TEST_OBJS) $(ALL_LAYERS_LINK)
	$(CXX) $(LDFLAGS) -o $@ $^ $(INIH_LIBS) $(KMOD_LIBS) $(IMAGE_LIBS)

# A fixture sysfs from the command line, for the shell tests: the same
# builder the unit tests use (tests/lib/fixture.cc).
$(B)/make-fixture: $(B)/tests/lib/make_fixture_main.o $(B)/tests/lib/fixture.o
	$(CXX) $(LDFLAGS) -o $@ $^

# The README's test command: what it needs is installed first, then every suite.
check:
	@.ci/install-deps build test vm
	@$(MAKE) --no-print-directory check-unit check-shell check-faults-quick check-vm

check-unit: $(B)/run-tests
	tests/lib/run-unit.sh $(B)/run-tests

# Runs every shell test given, reporting failure after all have run.
run_shell_tests = @rc=0; for t in $(1); do echo "== $$t"; sh "$$t" $(B) || rc=1; done; exit $$rc

check-shell: all $(B)/make-fixture
	$(call run_shell_tests,$(wildcard tests/shell/*.sh))

# What a package build can run (debian/rules, the RPM %check): no root, no
# dracut images, no QEMU.
ROOT_SHELL_TESTS = tests/shell/initrd_check_dracut.sh tests/shell/setup_lock.sh
# UNIT_ARGS: doctest options, e.g. --test-case-exclude=*[grub-common]* where
# the Debian package a test reads is not to be had (the RPM's %check).
check-package: $(B)/run-tests all $(B)/make-fixture
	$(B)/run-tests $(UNIT_ARGS)
	$(call run_shell_tests,$(filter-out $(ROOT_SHELL_TESTS),$(wildcard tests/shell/*.sh)))

# Both suites run even when the first fails: a failure never hides tests.
check-vm: all
	@rc=0; tests/vm/run-all.sh $(B) || rc=1; tests/vm/efi_trial.sh $(B) || rc=1; exit $$rc

# Every writing command of vfio-setup with each file system call failing,
# killed at each, and its writes cut short at each step (power cuts); then two
# writers at once and a kernel hook racing cmdline enable (issue 20). About
# ten minutes: not part of make check, which runs the quick part below.
check-faults: all $(B)/make-fixture
	@.ci/install-deps test
	@rc=0; tests/faults/run.sh $(B) || rc=1; tests/faults/concurrency.sh $(B) || rc=1; exit $$rc

# Its quick part (under a minute): each call of `cmdline enable` on Debian 12 failing.
check-faults-quick: all $(B)/make-fixture
	tests/faults/run.sh $(B) quick

# Each line of tests/mutants/mutants.txt breaks one important rule in a
# scratch copy; the unit suite must fail on every one (a few minutes: not
# part of make check).
check-mutants: $(B)/run-tests
	tests/mutants/run.sh $(B)

check-system:
	@.ci/install-deps build test vm pkg
	tests/system/run.sh

# What check-system, check-packages and check-lifecycle download and build
# first (the Debian 12 tree, the packages), made ahead into their cache.
check-prepare:
	@.ci/install-deps build pkg
	tests/package/prepare.sh

# The RPM and the Arch package, built with Debian's rpm and makepkg, and their files.
check-packages:
	@.ci/install-deps build pkg
	tests/package/run.sh

# The .deb's whole life in a Debian 12 chroot with two kernels: install,
# configure, cmdline enable and a trial, remove, purge, reinstall, upgrade;
# then the Arch package's (pacman -r on the same tree: install, upgrade,
# remove, its install script and alpm hooks).
check-lifecycle:
	@.ci/install-deps build pkg
	tests/package/lifecycle.sh

# The RPM's whole life (rpm --root on that tree switched to Debian's dracut:
# install, a kernel update, cmdline enable and a trial, erase, upgrade). Its
# own target: its dracut images take several minutes more.
check-lifecycle-rpm:
	@.ci/install-deps build pkg
	LIFECYCLE_ONLY=rpm tests/package/lifecycle.sh

demo:
	@.ci/install-deps build vm
	@$(MAKE) --no-print-directory all
	tests/vm/demo.sh $(B)

bench: $(B)/bench-plan all
	$(B)/bench-plan
	@for t in $(TOOLS); do strip -o $$t.stripped $$t; printf '%-22s stripped size: %s bytes\n' $$(basename $$t) $$(stat -c %s $$t.stripped); done
	@s=$$(stat -c %s $(B)/vfio-bind.stripped); printf 'vfio-bind size goal: at most 131072 bytes (128 KiB): %s (%s bytes)\n' \
	    "$$([ "$$s" -le 131072 ] && echo met || echo NOT met)" "$$s"
	@printf 'vfio-bind needs: '; objdump -p $(B)/vfio-bind | awk '/NEEDED/ {printf "%s ", $$2}'; echo
	bash tests/bench/bench_initrd.sh $(B)
	bash tests/bench/bench_claim.sh $(B)

$(B)/bench-plan: $(B)/tests/bench/bench_plan.o $(B)/tests/lib/fixture.o $(ALL_LAYERS_LINK)
	$(CXX) $(LDFLAGS) -o $@ $^ $(INIH_LIBS) $(KMOD_LIBS) $(IMAGE_LIBS)

# shellcheck on every script, the formatter's verdict on every C++ file, and
# the layer rule (an include may only reach down).
lint:
	tests/lint/run.sh

# Host-side scripts and units name the tools where this install puts them
# (SBINDIR): the defaults `${VAR:-/usr/sbin/vfio-...}` and a unit's
# ExecStart. Paths inside an image stay as the image lays it out.
# $(call install_at,SOURCE,TARGET,MODE)
install_at = install -d $(dir $(DESTDIR)$(2)) && \
	sed -e 's|:-/usr/s\{0,1\}bin/vfio-|:-$(SBINDIR)/vfio-|g' \
	    -e 's|^\(ExecStart[A-Za-z]*=-\{0,1\}\)/usr/sbin/vfio-|\1$(SBINDIR)/vfio-|' $(1) >$(DESTDIR)$(2) && \
	chmod $(3) $(DESTDIR)$(2)

install: all
	install -D -m 0755 $(B)/vfio-bind $(DESTDIR)$(SBINDIR)/vfio-bind
	for t in vfio-setup vfio-initrd-check; do install -D -m 0755 $(B)/$$t $(DESTDIR)$(SBINDIR)/$$t; done
	$(call install_at,dracut-module/module-setup.sh,$(DRACUTDIR)/module-setup.sh,0755)
	for f in dracut-module/*; do case $$f in */module-setup.sh) ;; *) install -D -m 0644 $$f $(DESTDIR)$(DRACUTDIR)/$$(basename $$f) ;; esac; done
	$(call install_at,initramfs-tools/hooks/vfio-bind,$(INITRAMFSTOOLSDIR)/hooks/vfio-bind,0755)
	install -D -m 0755 initramfs-tools/scripts/init-top/00-vfio-bind $(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/init-top/00-vfio-bind
	$(call install_at,mkinitcpio/install/vfio-bind,$(INITCPIODIR)/install/vfio-bind,0644)
	install -D -m 0644 mkinitcpio/hooks/vfio-bind $(DESTDIR)$(INITCPIODIR)/hooks/vfio-bind
	install -D -m 0644 mkinitcpio/vfio-bind-initrd.service $(DESTDIR)$(INITCPIODIR)/vfio-bind-initrd.service
	$(call install_at,conf/vfio-bind.service,$(UNITDIR)/vfio-bind.service,0644)
	$(call install_at,conf/vfio-bind-confirm.service,$(UNITDIR)/vfio-bind-confirm.service,0644)
	install -D -m 0755 conf/hooks/vfio-initrd-check-hook $(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d/zz-vfio-initrd-check
	install -D -m 0755 conf/hooks/vfio-initrd-check-hook $(DESTDIR)$(SYSCONFDIR)/initramfs/post-update.d/vfio-initrd-check
	install -D -m 0755 conf/hooks/vfio-initrd-check-hook $(DESTDIR)$(LIBDIR)/kernel/install.d/60-vfio-initrd-check.install
	install -D -m 0644 conf/hooks/vfio-initrd-check.hook $(DESTDIR)$(DATADIR)/libalpm/hooks/95-vfio-initrd-check.hook
	for m in conf/man/*.[0-9]; do install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/$$(basename $$m); done
	for c in conf/bash-completion/*; do install -D -m 0644 $$c $(DESTDIR)$(DATADIR)/bash-completion/completions/$$(basename $$c); done
	for c in conf/zsh-completion/*; do install -D -m 0644 $$c $(DESTDIR)$(ZSHCOMPDIR)/$$(basename $$c); done
	for c in conf/fish-completion/*; do install -D -m 0644 $$c $(DESTDIR)$(FISHCOMPDIR)/$$(basename $$c); done
	# The commented example, not /etc/vfio-devices.ini: a missing config means
	# "not configured", and 'vfio-setup add' (or the admin) writes it.
	install -D -m 0644 conf/vfio-devices.ini $(DESTDIR)$(DOCDIR)/examples/vfio-devices.ini

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' -type f 2>/dev/null)

# libFuzzer targets: every tests/fuzz/*_fuzz.cc, linked with the library
# sources built once under clang's fuzzer coverage and sanitizers.
#   make fuzz                   build them
#   make fuzz-run               run each to FUZZ_RUNS executions (default ten
#                               million) or for FUZZ_SECONDS, one at a time, on
#                               its corpus (tests/fuzz/corpus/NAME for NAME_fuzz);
#                               a table at the end; a crash fails with its reproducer.
#   make fuzz-run FUZZ_TARGETS="grub_fuzz bls_fuzz" FUZZ_SECONDS=60
# Long: not part of make check.
FUZZ_CXX   ?= clang++
FUZZ_FLAGS ?= -g -O1 -std=c++17 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION \
              -Isrc -Itests -DVFIO_BIND_VERSION='"$(VERSION)"' $(IMAGE_CPPFLAGS)
FUZZ_OBJS  := $(patsubst src/%.cc,$(B)/fuzz/obj/%.o,$(foreach l,$(LAYERS),$(wildcard src/$(l)/*.cc)))
FUZZ_BINS  := $(patsubst tests/fuzz/%.cc,$(B)/fuzz/%,$(wildcard tests/fuzz/*_fuzz.cc))
FUZZ_RUNS  ?= 10000000
FUZZ_SECONDS ?=
FUZZ_TARGETS ?= $(notdir $(FUZZ_BINS))
fuzz: $(FUZZ_BINS)
fuzz-run: fuzz
	FUZZ_RUNS='$(FUZZ_RUNS)' FUZZ_SECONDS='$(FUZZ_SECONDS)' tests/fuzz/run.sh $(B)/fuzz $(FUZZ_TARGETS)
$(B)/fuzz/obj/%.o: src/%.cc | libraries
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(B)/fuzz/libvb.a: $(FUZZ_OBJS)
	rm -f $@ && ar rcs $@ $^
$(B)/fuzz/%: tests/fuzz/%.cc $(B)/fuzz/libvb.a
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(B)/fuzz/libvb.a $(INIH_LIBS) $(KMOD_LIBS) $(IMAGE_LIBS)
