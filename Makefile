# vfio-bind: build, test and install.
#   make              build the tools
#   make check        every test: unit (doctest, fixture sysfs trees), shell,
#                     and the real-kernel boot tests in QEMU (several minutes)
#   make check-unit check-shell check-vm   one suite each
#   make check-system whole-system test: debootstrap Debian 12, install the
#                     .deb, boot it in QEMU (not part of make check)
#   make demo         boot a VM with emulated Radeons and show who claimed what
#   make bench        planning speed and binary size figures
#   make install      DESTDIR=... PREFIX=/usr
#   make STATIC=1     fully static vfio-bind when a static libkmod exists

PREFIX     ?= /usr
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
DRACUTDIR  ?= $(LIBDIR)/dracut/modules.d/90vfio-bind
UNITDIR    ?= $(LIBDIR)/systemd/system
VERSION    := 0.1.0

CXX      ?= g++
PKG_CONFIG ?= pkg-config
CXXFLAGS ?= -Os -g
CXXFLAGS += -std=c++17 -Wall -Wextra -Wno-missing-field-initializers -MMD -MP \
            -ffunction-sections -fdata-sections -DVFIO_BIND_VERSION='"$(VERSION)"'
LDFLAGS  += -Wl,--gc-sections -Wl,--as-needed
# libstdc++, libgcc and inih are linked in: in the initramfs the binary needs
# only libc and libkmod.
STATIC_RUNTIME = -static-libstdc++ -static-libgcc
KMOD_LIBS  = $(shell $(PKG_CONFIG) --libs libkmod 2>/dev/null || echo -lkmod)
INIH_LIBS  = -Wl,-Bstatic -linih -Wl,-Bdynamic
IMAGE_LIBS = -lz -lzstd -llzma -llz4
ifeq ($(STATIC),1)
# Debian ships no libkmod.a: say so rather than fail at link time.
ifeq ($(wildcard $(shell $(CXX) -print-file-name=libkmod.a)),)
$(error STATIC=1 needs a static libkmod (libkmod.a), which this system does not have)
endif
STATIC_RUNTIME = -static
INIH_LIBS = -linih
endif

B = build
LIB_SRCS  := $(filter-out src/%_main.cc,$(wildcard src/*.cc))
LIB_OBJS  := $(LIB_SRCS:src/%.cc=$(B)/src/%.o)
TEST_SRCS := $(wildcard tests/*_test.cc) tests/test_main.cc tests/fixture.cc tests/fake_kernel.cc
TEST_OBJS := $(TEST_SRCS:tests/%.cc=$(B)/tests/%.o)
TOOLS     := $(B)/vfio-bind $(B)/vfio-setup $(B)/vfio-initrd-check
TOOLS     := $(foreach t,$(TOOLS),$(if $(wildcard src/$(subst -,_,$(notdir $(t)))_main.cc),$(t)))

.PHONY: all deps vm-deps check check-unit check-shell check-package check-vm check-system demo bench install clean fuzz
all: $(TOOLS)

deps:
	@.ci/install-deps
vm-deps:
	@.ci/install-deps vm

$(B)/src/%.o: src/%.cc | deps
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(B)/tests/%.o: tests/%.cc | deps
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -Isrc -c $< -o $@

$(B)/libvfiobind.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(B)/vfio-%: $(B)/src/vfio_%_main.o $(B)/libvfiobind.a
	$(CXX) $(LDFLAGS) $(STATIC_RUNTIME) -o $@ $^ $(INIH_LIBS) $(KMOD_LIBS) $(IMAGE_LIBS)

$(B)/vfio-initrd-check: $(B)/src/vfio_initrd_check_main.o $(B)/libvfiobind.a
	$(CXX) $(LDFLAGS) $(STATIC_RUNTIME) -o $@ $^ $(INIH_LIBS) $(KMOD_LIBS) $(IMAGE_LIBS)

$(B)/run-tests: $(TEST_OBJS) $(B)/libvfiobind.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(INIH_LIBS) $(KMOD_LIBS) $(IMAGE_LIBS)

check: check-unit check-shell check-vm

check-unit: $(B)/run-tests
	$(B)/run-tests

# Runs every shell test given, reporting failure after all have run.
run_shell_tests = @rc=0; for t in $(1); do echo "== $$t"; sh "$$t" $(B) || rc=1; done; exit $$rc

# The shell tests build real dracut images, so they need the VM packages too.
check-shell: all vm-deps
	$(call run_shell_tests,$(wildcard tests/shell/*.sh))

# What a package build can run (debian/rules, the RPM %check): no root, no
# dracut images, no QEMU, no apt-get.
ROOT_SHELL_TESTS = tests/shell/initrd_check_dracut.sh
check-package: $(B)/run-tests all
	$(B)/run-tests
	$(call run_shell_tests,$(filter-out $(ROOT_SHELL_TESTS),$(wildcard tests/shell/*.sh)))

check-vm: all vm-deps
	tests/vm/run-all.sh $(B)

check-system:
	@.ci/install-deps pkg
	tests/system/run.sh

demo: all vm-deps
	tests/vm/demo.sh $(B)

bench: $(B)/bench-plan all
	$(B)/bench-plan
	@for t in $(TOOLS); do strip -o $$t.stripped $$t; printf '%-22s stripped size: %s bytes\n' $$(basename $$t) $$(stat -c %s $$t.stripped); done
	@printf 'vfio-bind needs: '; objdump -p $(B)/vfio-bind | awk '/NEEDED/ {printf "%s ", $$2}'; echo
	sh tests/bench_initrd.sh $(B)

$(B)/bench-plan: $(B)/tests/bench_plan.o $(B)/tests/fixture.o $(B)/libvfiobind.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(INIH_LIBS) $(KMOD_LIBS) $(IMAGE_LIBS)

install: all
	install -D -m 0755 $(B)/vfio-bind $(DESTDIR)$(SBINDIR)/vfio-bind
	for t in vfio-setup vfio-initrd-check; do [ ! -e $(B)/$$t ] || install -D -m 0755 $(B)/$$t $(DESTDIR)$(SBINDIR)/$$t; done
	install -D -m 0755 dracut-module/module-setup.sh $(DESTDIR)$(DRACUTDIR)/module-setup.sh
	for f in dracut-module/*; do case $$f in */module-setup.sh) ;; *) install -D -m 0644 $$f $(DESTDIR)$(DRACUTDIR)/$$(basename $$f) ;; esac; done
	install -D -m 0644 conf/vfio-bind.service $(DESTDIR)$(UNITDIR)/vfio-bind.service
	install -D -m 0755 conf/hooks/vfio-initrd-check-hook $(DESTDIR)$(SYSCONFDIR)/kernel/postinst.d/zz-vfio-initrd-check
	install -D -m 0755 conf/hooks/vfio-initrd-check-hook $(DESTDIR)$(SYSCONFDIR)/initramfs/post-update.d/vfio-initrd-check
	install -D -m 0755 conf/hooks/vfio-initrd-check-hook $(DESTDIR)$(LIBDIR)/kernel/install.d/60-vfio-initrd-check.install
	install -D -m 0644 conf/hooks/vfio-initrd-check.hook $(DESTDIR)$(DATADIR)/libalpm/hooks/95-vfio-initrd-check.hook
	for m in conf/man/*.[0-9]; do install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/$$(basename $$m); done
	for c in conf/bash-completion/*; do install -D -m 0644 $$c $(DESTDIR)$(DATADIR)/bash-completion/completions/$$(basename $$c); done
	[ -e $(DESTDIR)$(SYSCONFDIR)/vfio-devices.ini ] || install -D -m 0644 conf/vfio-devices.ini $(DESTDIR)$(SYSCONFDIR)/vfio-devices.ini

clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# libFuzzer targets: every tests/fuzz/*_fuzz.cc, each built with the library
# sources under clang's fuzzer and sanitizers. Run e.g.
#   build/fuzz/grub_fuzz -max_total_time=60
FUZZ_CXX   ?= clang++
FUZZ_FLAGS ?= -g -O1 -std=c++17 -fsanitize=fuzzer,address,undefined -Isrc -DVFIO_BIND_VERSION='"$(VERSION)"'
FUZZ_BINS  := $(patsubst tests/fuzz/%.cc,$(B)/fuzz/%,$(wildcard tests/fuzz/*_fuzz.cc))
fuzz: $(FUZZ_BINS)
$(B)/fuzz/%: tests/fuzz/%.cc $(LIB_SRCS) | deps
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -o $@ $< $(LIB_SRCS) $(INIH_LIBS) $(KMOD_LIBS) $(IMAGE_LIBS)
