# offline_depopulated: kernel patch series, tools and QEMU test harness.
#
#   make run        install what is missing, build, boot the guest, show blocks
#   make test       the same build, then every host and guest test
#   make bench      the benchmark (see docs/)
#   make test-baseline  the guest suites on the kernel without the series
#   make soak       one boot, 10000 random transitions, then nothing lost
#   make help       everything else
#
# Build output goes to build/ (ignored by git).

SHELL := /bin/bash
.DEFAULT_GOAL := run

TOP     := $(abspath .)
BUILD   := $(TOP)/build
TREE    := $(BUILD)/linux
KSRC    := $(TREE)
JOBS    ?= $(shell nproc)

# The guest architecture: arm64 (default, cross-built, QEMU virt under TCG)
# or x86_64 (make ARCH=x86_64 ...: host compiler, QEMU q35 under KVM where
# /dev/kvm works). x86_64 build output has its own directories (suffix
# -x86_64); arm64's keep their names.
ARCH    ?= arm64
ifeq ($(ARCH),x86_64)
SFX     := -x86_64
DEBARCH := amd64
TRIPLET := x86_64-linux-gnu
CROSS   :=
KIMAGE  := arch/x86/boot/bzImage
ARCHFRAG := kconfig/x86_64.config
else ifeq ($(ARCH),arm64)
SFX     :=
DEBARCH := arm64
TRIPLET := aarch64-linux-gnu
CROSS   ?= aarch64-linux-gnu-
KIMAGE  := arch/arm64/boot/Image
ARCHFRAG := kconfig/base.config
else
$(error ARCH=$(ARCH): only arm64 and x86_64 are supported)
endif
KOBJ    := $(BUILD)/kobj$(SFX)
KMAKE    = $(MAKE) -s -C $(KSRC) O=$(KOBJ) ARCH=$(ARCH) CROSS_COMPILE=$(CROSS)

# Config fragments applied on top of allnoconfig, in order. x86_64 has its
# options of feature.config in x86_64.config (no withheld_ram there).
FRAGMENTS := $(ARCHFRAG) kconfig/debug.config $(if $(SFX),,kconfig/feature.config)
MODDIR  := $(BUILD)/modules$(SFX)
INITRAMFS := $(BUILD)/initramfs$(SFX).cpio
ifeq ($(KASAN),1)
FRAGMENTS += kconfig/kasan.config
KOBJ      := $(BUILD)/kobj$(SFX)-kasan
MODDIR    := $(BUILD)/modules$(SFX)-kasan
INITRAMFS := $(BUILD)/initramfs$(SFX)-kasan.cpio
endif
# BENCH=1: a kernel without the debug options, for `make BENCH=1 bench`, in
# its own build directory, with its own modules and initramfs.
ifeq ($(BENCH),1)
FRAGMENTS := $(ARCHFRAG) kconfig/bench.config $(if $(SFX),,kconfig/feature.config)
KOBJ      := $(BUILD)/kobj$(SFX)-bench
MODDIR    := $(BUILD)/modules$(SFX)-bench
INITRAMFS := $(BUILD)/initramfs$(SFX)-bench.cpio
endif

# BASELINE=1: the untouched Debian source (a git worktree of build/linux at
# its tag `pristine`) with the same fragments minus the series' options, for
# `make test-baseline`: which guest tests pass without the feature.
BASELINE_KSRC := $(BUILD)/linux-baseline
ifeq ($(BASELINE),1)
FRAGMENTS := kconfig/base.config kconfig/debug.config
KOBJ      := $(BUILD)/kobj-baseline
MODDIR    := $(BUILD)/modules-baseline
INITRAMFS := $(BUILD)/initramfs-baseline.cpio
MODFLAGS  := DEPOP_TEST_BASELINE=y
MODULES   := depop_test harness_splat
KSRC      := $(BASELINE_KSRC)
endif

IMAGE    := $(KOBJ)/$(KIMAGE)
ROOTFS   := $(BUILD)/rootfs$(SFX)
MODULES  ?= $(notdir $(wildcard tests/modules/*))
PROGS    := $(basename $(notdir $(wildcard tests/progs/*.c)))
QEMU_RUN := python3 $(TOP)/scripts/qemu-run.py --arch $(ARCH) --kernel $(IMAGE) --initrd $(INITRAMFS)
# What the scripts below need to know of the guest architecture.
export GUEST_ARCH := $(ARCH)
export GUEST_DEBARCH := $(DEBARCH)
export GUEST_TRIPLET := $(TRIPLET)
export GUEST_SFX := $(SFX)

.PHONY: run test test-baseline bench help deps unpack apply export kernel \
	config modules progs memctl initramfs guest shell checkpatch clean plugin \
	distclean install soak

help:
	@sed -n 's/^#\(.*\)/\1/p' docs/make-targets.txt 2>/dev/null || true
	@echo "targets: run test bench soak deps apply export kernel modules progs"
	@echo "         memctl initramfs shell checkpatch install clean distclean"
	@echo "knobs:   KASAN=1 (KASAN kernel in build/kobj-kasan), JOBS=N, V=1"
	@echo "         BENCH=1 (make bench with a non-debug kernel in build/kobj-bench)"
	@echo "         ARCH=x86_64 (the x86-64 guest, build/*-x86_64; make test: both)"

## Host packages (apt, as root). Fast when everything is installed.
deps:
	@scripts/deps.sh

## Kernel source: Debian's linux-source-6.12 as a git tree, series applied.
unpack: deps
	@scripts/series.sh unpack $(TREE)

ifeq ($(BASELINE),1)
apply: unpack
	@if [ ! -e $(BASELINE_KSRC)/.git ]; then \
		git -C $(TREE) worktree prune && \
		git -C $(TREE) worktree add -q --detach $(BASELINE_KSRC) pristine; \
	fi
	@git -C $(BASELINE_KSRC) diff --quiet pristine || \
		{ echo "baseline: $(BASELINE_KSRC) differs from pristine" >&2; exit 1; }
	@[ "$$(git -C $(BASELINE_KSRC) rev-parse HEAD)" = "$$(git -C $(TREE) rev-parse pristine)" ] || \
		git -C $(BASELINE_KSRC) checkout -q --detach pristine
else
apply: unpack
	@scripts/series.sh apply $(KSRC)
endif

export:
	@scripts/series.sh export $(KSRC)

## Kernel configuration and build. A stamp over the series, the fragments
## and any local edit of the tree lets an unchanged tree skip kbuild.
config: apply
	@scripts/kconfig.sh $(KSRC) $(KOBJ) "$(CROSS)" $(FRAGMENTS)

kernel: config
	@stamp="$$( { git -C $(KSRC) rev-parse HEAD; git -C $(KSRC) diff HEAD; \
		git -C $(KSRC) status --porcelain; cat $(KOBJ)/.config; } | sha256sum)"; \
	if [ -f $(IMAGE) ] && [ "$$stamp" = "$$(cat $(KOBJ)/.harness-stamp 2>/dev/null)" ]; then \
		echo "kernel: up to date"; \
	else \
		echo "kernel: building Image and modules (-j$(JOBS))"; \
		$(KMAKE) -j$(JOBS) $(notdir $(KIMAGE)) modules && echo "$$stamp" > $(KOBJ)/.harness-stamp; \
	fi

## Test modules (tests/modules/NAME/), built out of tree in build/modules.
modules: kernel
	@for m in $(MODULES); do \
		rm -rf $(MODDIR)/$$m/src && mkdir -p $(MODDIR)/$$m/src && \
		cp -p tests/modules/$$m/Kbuild tests/modules/$$m/*.[ch] $(MODDIR)/$$m/src/ && \
		$(KMAKE) M=$(MODDIR)/$$m/src $(MODFLAGS) modules >/dev/null && \
		cp $(MODDIR)/$$m/src/*.ko $(MODDIR)/$$m/ || exit 1; \
	done

## Static arm64 test programs (tests/progs/*.c).
progs: $(PROGS:%=$(BUILD)/progs$(SFX)/%)

$(BUILD)/progs$(SFX)/%: tests/progs/%.c | deps
	@mkdir -p $(@D)
	$(CROSS)gcc -static -O2 -Wall -Wextra -Werror -o $@ $<

## The QEMU TCG plugin that counts TLBI and DC instructions (host).
plugin: $(BUILD)/tlbi-plugin.so

$(BUILD)/tlbi-plugin.so: scripts/bench/tlbi-plugin.c | deps
	@mkdir -p $(@D)
	gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o $@ $<

## memctl for the guest (tools/memctl), linked against the guest's own
## libsmartcols (Debian arm64 util-linux, unpacked by mkrootfs.sh).
memctl: deps
	@scripts/mkrootfs.sh $(BUILD)
	@if [ -f tools/memctl/Makefile ]; then \
		$(MAKE) -s -C tools/memctl CROSS_COMPILE=$(CROSS) \
			SCOLS_LIB=$(BUILD)/rootfs-base$(SFX)/usr/lib/$(TRIPLET)/libsmartcols.so.1 \
			O=$(BUILD)/memctl-$(DEBARCH); \
	fi

## Guest initramfs: Debian arm64 packages plus the harness and test files.
initramfs: modules progs memctl
	@scripts/mkrootfs.sh $(BUILD)
	@MODDIR=$(MODDIR) scripts/mkinitramfs.sh $(BUILD) $(INITRAMFS)

guest: kernel initramfs

## The main job: boot the guest and show the memory blocks.
run: guest
	@$(QEMU_RUN) --mode demo --name demo --timeout 300 --log $(BUILD)/logs/demo.log

## Interactive shell in the guest (Ctrl-A X quits).
shell: guest
	@$(QEMU_RUN) --mode shell

## Every test: host tests, then the guest suites. Ends with "N passed, M failed".
## make test: both architectures (ARCHES); make ARCH=x86_64 test: that one.
ARCHES ?= $(if $(filter command line,$(origin ARCH)),$(ARCH),arm64 x86_64)
KSFX := $(if $(filter 1,$(KASAN)),-kasan)
test:
	@for a in $(ARCHES); do \
		$(MAKE) --no-print-directory ARCH=$$a guest || exit 1; \
	done
	@$(MAKE) --no-print-directory ARCH=arm64 plugin
	@ARCHES="$(ARCHES)" KASAN=$(KASAN) KOBJ=$(BUILD)/kobj$(KSFX) \
		INITRAMFS=$(BUILD)/initramfs$(KSFX).cpio scripts/run-tests.sh

## The same guest boots on the kernel without the series (BASELINE=1): prints
## which tests pass there and checks them against tests/baseline.txt.
test-baseline:
	@$(MAKE) --no-print-directory BASELINE=1 guest plugin
	@scripts/run-tests.sh --baseline

## The soak test (tests/guest/soak/): one boot, SOAK (10000) random
## transitions of the virtio-mem blocks under memory pressure, then nothing
## may be lost. A transition takes 0.08 to 0.15 s under TCG (10000 took 14
## minutes with the boot, on 2 cores shared with other work); the limits
## allow 1 s each. Prints the soak's last line last:
## "soak: N transitions, M unexpected, L bytes lost".
SOAK ?= 10000
SOAK_LIMIT = $(shell echo $$(($(SOAK) + 600)))
soak: guest
	@$(QEMU_RUN) --name soak --suite soak --timeout $$(($(SOAK_LIMIT) + 300)) \
		--append "harness.soak=$(SOAK) harness.timeout=$(SOAK_LIMIT)" \
		--log $(BUILD)/logs/soak.console.log --results $(BUILD)/logs/soak.json; \
	rc=$$?; grep -a '^soak: ' $(BUILD)/logs/soak.console.log | tail -1; exit $$rc

## The benchmark (scripts/bench.py, docs/benchmark.md): boots the guest with
## RAM withheld by mem= and times offline/online, offline_depopulated and
## remove/add cycles. BENCH=1 uses a kernel without the debug options.
## DOCS=1 also writes docs/benchmark-VARIANT.{md,png} and docs/results-VARIANT.json.
bench: guest
	@python3 scripts/bench.py --arch $(ARCH) --kernel $(IMAGE) --initrd $(INITRAMFS) \
		$(if $(filter 1,$(BENCH)),--variant $(if $(SFX),x86_64-)nodebug --out $(BUILD)/bench$(SFX)-nodebug,--variant $(if $(SFX),x86_64-)debug --out $(BUILD)/bench$(SFX)) \
		$(if $(filter 1,$(DOCS)),--docs $(TOP)/docs) $(BENCH_ARGS)

## memctl built for this machine, its man page and the udev rules (udev/):
## make install [DESTDIR=DIR] [PREFIX=/usr/local]
PREFIX ?= /usr/local
install:
	@$(MAKE) -s -C tools/memctl install O=$(BUILD)/memctl-host \
		DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)
	@$(MAKE) -s -C udev install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

checkpatch: apply
	@bash tests/host/checkpatch.sh

clean:
	rm -rf $(BUILD)/kobj $(BUILD)/kobj-kasan $(BUILD)/modules $(BUILD)/progs \
		$(BUILD)/rootfs $(BUILD)/initramfs.cpio $(BUILD)/logs $(BUILD)/memctl-arm64 \
		$(BUILD)/kobj-bench $(BUILD)/modules-bench $(BUILD)/initramfs-bench.cpio \
		$(BUILD)/bench $(BUILD)/kobj-baseline $(BUILD)/modules-baseline \
		$(BUILD)/initramfs-baseline.cpio $(BUILD)/modules-kasan \
		$(BUILD)/initramfs-kasan.cpio $(BUILD)/kobj-x86_64* \
		$(BUILD)/modules-x86_64* $(BUILD)/progs-x86_64 $(BUILD)/rootfs-x86_64 \
		$(BUILD)/initramfs-x86_64*.cpio $(BUILD)/memctl-amd64 $(BUILD)/bench-x86_64*
	-$(MAKE) -s -C tools/memctl clean 2>/dev/null

distclean:
	rm -rf $(BUILD)
