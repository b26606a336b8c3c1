# xen-cpucompat: normalized CPUID policies and safe migration for Xen 4.17.
#
#   make            build bin/cpucompat (build/bin/) and check the man pages
#   make check      every test: unit (ASan+UBSan), fuzz (briefly), lab
#   make fuzz-long  each fuzzer for FUZZ_LONG_SECONDS (300), corpus kept in tests/fuzz/corpus
#   make bench      benchmarks, each beside a baseline measured in the same run
#   make install    PREFIX=/usr/local DESTDIR= (SYSCONFDIR=/etc SYSTEMDUNITDIR=PREFIX/lib/systemd/system)
#   make deb        build/deb/xen-cpucompat_VERSION_amd64.deb (dpkg-buildpackage), checked by lintian
#   make deps       install the Debian packages needed to build and test
#   make demo       the main job: a two-host Xen lab under QEMU (see README)

PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
CXX       ?= g++
CLANGXX   ?= clang++
XEN_INCLUDE ?= /usr/include
XEN_CPUID ?= /usr/lib/xen-4.17/bin/xen-cpuid
FUZZ_SECONDS ?= 10

SYSCONFDIR ?= /etc
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DATADIR   := $(PREFIX)/share/cpucompat
LIBDIR    := $(PREFIX)/lib/cpucompat
PLUGIN    := libxl-cpucompat.so
WARN      := -Wall -Wextra -Werror
# CPPFLAGS, CXXFLAGS and LDFLAGS from the environment (dpkg-buildflags in
# a package build: hardening) add to the release build.
override CPPFLAGS := -I$(BUILD)/gen -I/usr/include/libxml2 -DCPUCOMPAT_DATADIR=\"$(DATADIR)\" -DCPUCOMPAT_LIBDIR=\"$(LIBDIR)\" $(CPPFLAGS)
STD       := -std=gnu++17
REL_FLAGS := $(STD) $(WARN) -O2 -g -fPIC $(CXXFLAGS)
SAN       := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TEST_OPT  := -O1
TEST_FLAGS = $(STD) $(WARN) $(TEST_OPT) -g $(SAN)
# The plugin runs inside every `xl create`, once per process, so its cost is
# mostly the code it runs once: built for size (after CXXFLAGS, whose -O2 a
# package build brings), it has 41% less text, which QEMU TCG (translating
# every code page a process runs) pays for in each create (make bench).
PLUGIN_FLAGS := $(STD) $(WARN) -g -fPIC $(CXXFLAGS) -Os
XEN_LIBS  := -lxenlight -lxenguest -lxenctrl -lxenstore -lxlutil -lxentoollog -lyajl
LIBS      := -lyaml-cpp $(XEN_LIBS)
# libxml2 reads Pacemaker's CIB (toolstack/adapters/pacemaker_cib.cpp): only
# the command and the tests link it, never the plugin (it would load into
# every xl).
CLI_LIBS  := $(LIBS) -lxml2

# migration/: the decision, the restart order and ssh quoting are pure; the
# rest of it runs xl and ssh.
MIGRATION_PURE := migration/decision.cpp migration/restart.cpp migration/remote_command.cpp migration/evacuation.cpp \
                  migration/move_journal.cpp migration/storage_check.cpp migration/host_facts.cpp \
                  migration/xl_output.cpp migration/running_config.cpp migration/other_movers.cpp migration/pool.cpp \
                  migration/placement.cpp migration/pool_domains.cpp
CORE_SRC    := $(wildcard toolstack/core/*.cpp) $(wildcard toolstack/import/*.cpp) $(MIGRATION_PURE)
ADAPTER_SRC := $(wildcard toolstack/adapters/*.cpp) $(wildcard xenstore/*.cpp) \
               $(filter-out $(MIGRATION_PURE),$(wildcard migration/*.cpp))
PLUGIN_SRC  := $(wildcard libxl-plugin/*.cpp)
CLI_SRC     := $(wildcard toolstack/cli/*.cpp)
UNIT_SRC    := $(wildcard tests/unit/*.cpp)
GEN_HDRS    := $(BUILD)/gen/catalogue_size.h $(BUILD)/gen/catalogue_table.inc

# The version has one home, debian/changelog's first entry; the Xen it is
# built against is the installed libxen-dev. The header is rewritten only
# when its text changes, so only what prints it is rebuilt.
VERSION   := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
XEN_BUILT := $(shell dpkg-query -W -f='$${Version}' libxen-dev 2>/dev/null)
VERSION_HDR := $(BUILD)/gen/cpucompat_version.h

rel_obj  = $(patsubst %.cpp,$(BUILD)/rel/%.o,$(1))
plugin_obj = $(patsubst %.cpp,$(BUILD)/plugin/%.o,$(1))
test_obj = $(patsubst %.cpp,$(BUILD)/test/%.o,$(1))

.PHONY: all check unit-check fuzz-check fuzz-long lab-check bench install deps clean demo man-check walkthrough-check
.DEFAULT_GOAL := all

# --- the Pacemaker resource agents (pacemaker/) -------------------------------
# ocf:cpucompat:XenDomain (a domain) and ocf:cpucompat:PoolLevel (the pool's
# level, a clone). Their man pages are made from their own meta-data
# (pacemaker/ra2man.xsl), so they cannot say other than what the agents tell
# Pacemaker.
RA_NAMES := XenDomain PoolLevel
RA       := $(BUILD)/ocf/cpucompat/XenDomain
RAS      := $(RA_NAMES:%=$(BUILD)/ocf/cpucompat/%)
RA_MANS  := $(RA_NAMES:%=$(BUILD)/man/ocf_cpucompat_%.7)
# The plugin's compiled data index, generated from the YAML (data_index.h);
# linked into the plugin and the unit tests only.
DATA_INDEX := $(BUILD)/gen/data_index_table.cpp

all: $(BUILD)/bin/cpucompat $(BUILD)/lib/cpucompat/$(PLUGIN) $(BUILD)/share/cpucompat/.links $(RAS) $(RA_MANS) man-check

$(BUILD)/ocf/cpucompat/%: pacemaker/% debian/changelog
	@mkdir -p $(@D)
	sed 's|@VERSION@|$(VERSION)|g' $< > $@.tmp && chmod 0755 $@.tmp && mv $@.tmp $@
$(BUILD)/man/ocf_cpucompat_%.7: $(BUILD)/ocf/cpucompat/% pacemaker/ra2man.xsl pacemaker/%.7.tail
	@mkdir -p $(@D)
	$< meta-data | xsltproc --nonet --novalid -stringparam provider cpucompat \
	  -stringparam date "$$(date -u -d "$$(dpkg-parsechangelog -S Date)" +%F)" pacemaker/ra2man.xsl - > $@.tmp
	cat pacemaker/$*.7.tail >> $@.tmp && mv $@.tmp $@

# --- the catalogue, generated from the installed Xen -------------------------
$(BUILD)/gen/xen-cpuid-names.txt:
	@mkdir -p $(@D)
	$(XEN_CPUID) $$(for i in $$(seq 32); do printf 'ffffffff:'; done | sed 's/:$$//') > $@.tmp
	mv $@.tmp $@

$(BUILD)/gen/gen_catalogue: toolstack/gen/gen_catalogue.cpp
	@mkdir -p $(@D)
	$(CXX) $(STD) $(WARN) -O1 $< -o $@ -lxenguest -lxenctrl

$(GEN_HDRS) &: $(BUILD)/gen/gen_catalogue $(BUILD)/gen/xen-cpuid-names.txt $(XEN_INCLUDE)/xen/arch-x86/cpufeatureset.h
	$(BUILD)/gen/gen_catalogue $(XEN_INCLUDE)/xen/arch-x86/cpufeatureset.h $(BUILD)/gen/xen-cpuid-names.txt $(BUILD)/gen

$(VERSION_HDR): debian/changelog $(XEN_INCLUDE)/libxl.h
	@mkdir -p $(@D)
	@printf '#define CPUCOMPAT_VERSION "%s"\n#define CPUCOMPAT_XEN_BUILT "%s"\n' '$(VERSION)' '$(or $(XEN_BUILT),unknown)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

# --- objects -----------------------------------------------------------------
$(call rel_obj,toolstack/cli/main.cpp) $(call test_obj,toolstack/cli/main.cpp) \
$(call rel_obj,toolstack/cli/cmd_domain.cpp) $(call test_obj,toolstack/cli/cmd_domain.cpp): $(VERSION_HDR)

$(BUILD)/rel/%.o: %.cpp $(GEN_HDRS)
	@mkdir -p $(@D)
	$(CXX) $(REL_FLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/plugin/%.o: %.cpp $(GEN_HDRS)
	@mkdir -p $(@D)
	$(CXX) $(PLUGIN_FLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/test/%.o: %.cpp $(GEN_HDRS)
	@mkdir -p $(@D)
	$(CXX) $(TEST_FLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@

ifeq ($(CHECK_NO_DEPFILES),)
-include $(shell find $(BUILD) -path $(BUILD)/walkthrough -prune -o -name '*.d' -type f -print 2>/dev/null)
endif

$(BUILD)/rel/libcpucompat.a: $(call rel_obj,$(CORE_SRC) $(ADAPTER_SRC))
	ar rcs $@ $^

$(BUILD)/test/libcpucompat.a: $(call test_obj,$(CORE_SRC) $(ADAPTER_SRC))
	ar rcs $@ $^

$(BUILD)/plugin/libcpucompat.a: $(call plugin_obj,$(CORE_SRC) $(ADAPTER_SRC))
	ar rcs $@ $^

$(BUILD)/bin/cpucompat: $(call rel_obj,$(CLI_SRC)) $(BUILD)/rel/libcpucompat.a
	@mkdir -p $(@D)
	$(CXX) $(REL_FLAGS) $(LDFLAGS) $^ -o $@ $(CLI_LIBS)

# The plugin exports only what it interposes (exports.map); -z defs: every
# symbol it needs is resolved at link time, not first in a running xl.
$(BUILD)/lib/cpucompat/$(PLUGIN): $(call plugin_obj,$(PLUGIN_SRC) $(DATA_INDEX)) $(BUILD)/plugin/libcpucompat.a libxl-plugin/exports.map
	@mkdir -p $(@D)
	$(CXX) $(PLUGIN_FLAGS) $(LDFLAGS) -shared -Wl,-z,defs -Wl,--version-script=libxl-plugin/exports.map \
	  $(call plugin_obj,$(PLUGIN_SRC) $(DATA_INDEX)) $(BUILD)/plugin/libcpucompat.a -o $@ $(LIBS) -ldl

# The build tree mirrors the installed layout, so build/bin/cpucompat finds
# its baselines at ../share/cpucompat like an installed one: links to the
# source tree's data files.
# (Older build trees had the directory itself as a link to toolstack/data.)
$(BUILD)/share/cpucompat/.links:
	@if [ -L $(@D) ]; then rm $(@D); fi
	@mkdir -p $(@D)
	ln -sfn $(CURDIR)/toolstack/data/baselines $(@D)/baselines
	ln -sfn $(CURDIR)/toolstack/data/guests.yaml $(@D)/guests.yaml
	@touch $@

# The generator links just what it uses (pure core and import code, no Xen
# library), so `make check` does not build the whole release library for
# it (the package builds its own). A new dependency of data_index.cpp is an
# undefined symbol here: add its source to the list.
GEN_INDEX_SRC := toolstack/gen/gen_index.cpp toolstack/import/data_index.cpp toolstack/import/guest_table.cpp \
                 toolstack/import/input_file.cpp toolstack/import/line_reader.cpp toolstack/import/template_yaml.cpp \
                 toolstack/import/yaml_input.cpp $(addprefix toolstack/core/,catalogue.cpp cpu_template.cpp guest.cpp \
                 level.cpp normalize.cpp policy.cpp text.cpp vendor.cpp)
$(BUILD)/gen/gen_index: $(call rel_obj,$(GEN_INDEX_SRC))
	$(CXX) $(REL_FLAGS) $(LDFLAGS) $^ -o $@ -lyaml-cpp

$(DATA_INDEX): $(BUILD)/gen/gen_index $(wildcard toolstack/data/baselines/*.yaml) toolstack/data/guests.yaml
	$(BUILD)/gen/gen_index toolstack/data/baselines toolstack/data/guests.yaml $@
# The table includes its header by its path in the tree.
$(call plugin_obj,$(DATA_INDEX)) $(call test_obj,$(DATA_INDEX)): override CPPFLAGS += -iquote $(CURDIR)

man-check: $(RA_MANS)
	@for m in man/*.[0-9] $(RA_MANS); do \
	  out=$$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l $$m 2>&1 >/dev/null); \
	  if [ -n "$$out" ]; then echo "$$m: $$out"; exit 1; fi; done

# --- tests -------------------------------------------------------------------
# The unit tests' own files (Catch2 cases: large, each run once) build at
# -O0, in half the time; the code they test keeps -O1 (and the package's -O2
# build, also in make check, keeps the warnings only optimisation finds).
$(call test_obj,$(UNIT_SRC)): TEST_OPT := -O0

$(BUILD)/test/unit-tests: $(call test_obj,$(UNIT_SRC) $(DATA_INDEX)) $(BUILD)/test/libcpucompat.a
	$(CXX) $(TEST_FLAGS) $^ -o $@ $(CLI_LIBS)

$(BUILD)/test/cpucompat: $(call test_obj,$(CLI_SRC)) $(BUILD)/test/libcpucompat.a
	$(CXX) $(TEST_FLAGS) $^ -o $@ $(CLI_LIBS)

# The unit tests run the sanitized CLI too (exit codes, JSON, messages).
unit-check: $(BUILD)/test/unit-tests $(BUILD)/test/cpucompat
	CPUCOMPAT_DATADIR=$(CURDIR)/toolstack/data CPUCOMPAT_CLI=$(CURDIR)/$(BUILD)/test/cpucompat \
	  CPUCOMPAT_FIXTURES=$(CURDIR)/tests/fixtures CPUCOMPAT_DUMPS=$(CURDIR)/../shared/cpuid-dumps \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/unit/lsan.supp \
	  $(BUILD)/test/unit-tests

FUZZ_TARGETS := xen_cpuid instlat cpuid_tool fingerprint_json fingerprint_yaml template_yaml save_image domain_record \
                host_config guest_table move_entry host_facts pool_domains
FUZZ_SAN     := address,undefined -fno-sanitize-recover=all
FUZZ_FLAGS   := $(STD) $(WARN) -O1 -g -fsanitize=fuzzer,$(FUZZ_SAN)
FUZZ_OFLAGS  := $(STD) $(WARN) -O1 -g -fsanitize=fuzzer-no-link,$(FUZZ_SAN)
FUZZ_OBJ     := $(patsubst %.cpp,$(BUILD)/fuzz/%.o,$(CORE_SRC))
.SECONDARY: $(FUZZ_OBJ)

$(BUILD)/fuzz/%.o: %.cpp $(GEN_HDRS)
	@mkdir -p $(@D)
	$(CLANGXX) $(FUZZ_OFLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_importer.cpp $(FUZZ_OBJ) $(GEN_HDRS)
	$(CLANGXX) $(FUZZ_FLAGS) $(CPPFLAGS) -DFUZZ_TARGET_$* $< $(FUZZ_OBJ) -o $@ -lyaml-cpp

# The corpus kept in the tree (tests/fuzz/corpus/TARGET, grown by fuzz-long)
# and the fixtures seed every run; fuzz-check writes what it finds under
# build/ only. A crash, or a broken promise (fuzz_importer.cpp), leaves its
# input in build/fuzz/crash-TARGET-*: add it to tests/fixtures/bad/.
FUZZ_CORPUS := tests/fuzz/corpus
fuzz-check: $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(BUILD)/fuzz/corpus-$$t $(FUZZ_CORPUS)/$$t; \
	  echo "fuzz $$t ($(FUZZ_SECONDS)s)"; \
	  $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 \
	    -artifact_prefix=$(BUILD)/fuzz/crash-$$t- \
	    $(BUILD)/fuzz/corpus-$$t $(FUZZ_CORPUS)/$$t tests/fixtures > $(BUILD)/fuzz/fuzz_$$t.log 2>&1 \
	    || { tail -40 $(BUILD)/fuzz/fuzz_$$t.log; exit 1; }; \
	  grep -h '^#.*DONE' $(BUILD)/fuzz/fuzz_$$t.log | tail -1; done

# Longer fuzzing, not part of make check: each target for FUZZ_LONG_SECONDS,
# then what added coverage is merged into the corpus in the tree (commit
# it). Prints each target's executions, coverage and corpus size.
FUZZ_LONG_SECONDS ?= 300
fuzz-long: $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(BUILD)/fuzz/long-$$t $(FUZZ_CORPUS)/$$t; \
	  echo "fuzz-long $$t ($(FUZZ_LONG_SECONDS)s)"; \
	  $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_LONG_SECONDS) -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=$(BUILD)/fuzz/crash-$$t- \
	    $(BUILD)/fuzz/long-$$t $(FUZZ_CORPUS)/$$t tests/fixtures > $(BUILD)/fuzz/long_$$t.log 2>&1 \
	    || { tail -40 $(BUILD)/fuzz/long_$$t.log; exit 1; }; \
	  $(BUILD)/fuzz/fuzz_$$t -merge=1 -max_len=65536 $(FUZZ_CORPUS)/$$t $(BUILD)/fuzz/long-$$t > $(BUILD)/fuzz/merge_$$t.log 2>&1 \
	    || { tail -20 $(BUILD)/fuzz/merge_$$t.log; exit 1; }; \
	  printf '  %s executions, %s; corpus in the tree: %s files\n' \
	    "$$(grep -h 'stat::number_of_executed_units' $(BUILD)/fuzz/long_$$t.log | grep -oE '[0-9]+$$')" \
	    "$$(grep -h '^#.*DONE' $(BUILD)/fuzz/long_$$t.log | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')" \
	    "$$(ls $(FUZZ_CORPUS)/$$t | wc -l)"; done

# deps first, in its own make: the rules below read what it installs; then
# the generated headers both halves below include (made once, not raced).
# The lab is the long pole (about an hour under TCG) and leaves much of the
# CPU idle (one or two of its four hosts work at a time): it goes first, at
# normal priority: the package, the images, its tests, then lab-check.
# Everything else runs beside it at the lowest priority (nice 19, best-effort
# I/O class, lowest level), so it takes only what the lab leaves and the
# hosts' sbd watchdogs never wait for it: the sanitized unit tests and the
# fuzzers (their builds and runs) from the start, lintian and the README
# walk-through once the package is built. Their output goes to
# build/check-side*.log, printed whole when the lab is done (the lab's lines
# stay readable as they come); make check fails if any of the three fails.
# CHECK_NO_DEPFILES: a make started while another compiles must not read a
# .d file being written (it needs none: its targets are built).
CHECK_LOW  := nice -n 19 ionice -c 2 -n 7
CHECK_SIDE := $(BUILD)/check-side
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(GEN_HDRS) $(VERSION_HDR) $(DATA_INDEX)
	@rm -f $(CHECK_SIDE)*.log $(CHECK_SIDE)*.rc
	@echo "check: the lab first; the unit tests, fuzzers, lintian and the walk-through beside it at low priority (output: $(CHECK_SIDE)*.log, shown at the end)"
	@( $(CHECK_LOW) $(MAKE) --no-print-directory -j$$(nproc) -Otarget unit-check fuzz-check > $(CHECK_SIDE).log 2>&1; \
	   echo $$? > $(CHECK_SIDE).rc ) & \
	lab=1; \
	if $(MAKE) --no-print-directory -j$$(nproc) $(DEB) lab-images $(BUILD)/lab/system-tests $(DEB_UPGRADE); then \
	  ( $(CHECK_LOW) $(MAKE) --no-print-directory -j$$(nproc) -Otarget CHECK_NO_DEPFILES=1 lintian-check walkthrough-check \
	      > $(CHECK_SIDE)-deb.log 2>&1; echo $$? > $(CHECK_SIDE)-deb.rc ) & \
	  $(MAKE) --no-print-directory CHECK_NO_DEPFILES=1 lab-check; lab=$$?; \
	fi; \
	wait; \
	for f in $(CHECK_SIDE).log $(CHECK_SIDE)-deb.log; do [ ! -f $$f ] || { echo "--- $$f"; cat $$f; }; done; \
	side=$$(cat $(CHECK_SIDE).rc 2>/dev/null || echo 1); deb=$$(cat $(CHECK_SIDE)-deb.rc 2>/dev/null || echo 1); \
	echo "check: lab exit $$lab; unit tests and fuzzers exit $$side; lintian and walk-through exit $$deb"; \
	[ $$lab -eq 0 ] && [ $$side -eq 0 ] && [ $$deb -eq 0 ]

# The README's "From two bare hosts", steps 1-4, run as written in a fresh
# Debian 12 root with the package (tests/walkthrough/walkthrough.sh). Mostly
# waiting on the archive and dpkg: make check runs it beside the lab's
# builds.
walkthrough-check: $(DEB)
	tests/walkthrough/walkthrough.sh README.md $(DEB) $(BUILD)/walkthrough

# --- benchmarks --------------------------------------------------------------
$(BUILD)/rel/bench: $(call rel_obj,$(wildcard tests/bench/*.cpp)) $(BUILD)/rel/libcpucompat.a
	$(CXX) $(REL_FLAGS) $^ -o $@ $(LIBS) -lbenchmark -lpthread

# The host benchmarks, the plugin's cost in `xl create` on a lab host, then
# what the wrapper costs a live move and a restart's downtime, each beside
# the plain xl way in the same run.
bench: $(BUILD)/rel/bench lab-images
	CPUCOMPAT_FIXTURES=$(CURDIR)/tests/fixtures $(BUILD)/rel/bench
	tests/lab/bench-create.sh
	tests/lab/bench-move.sh

# --- install -----------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)/baselines $(DESTDIR)$(LIBDIR) \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
	  $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(SYSCONFDIR)/xen
	install -m 0755 $(BUILD)/bin/cpucompat $(DESTDIR)$(PREFIX)/bin/cpucompat
	install -m 0644 $(BUILD)/lib/cpucompat/$(PLUGIN) $(DESTDIR)$(LIBDIR)/$(PLUGIN)
	sed 's|@LIBDIR@|$(LIBDIR)|g' libxl-plugin/xl.in > $(DESTDIR)$(LIBDIR)/xl && chmod 0755 $(DESTDIR)$(LIBDIR)/xl
	sed 's|@BINDIR@|$(PREFIX)/bin|g' xenstore/cpucompat-publish.service.in > $(DESTDIR)$(SYSTEMDUNITDIR)/cpucompat-publish.service
	sed 's|@BINDIR@|$(PREFIX)/bin|g' migration/cpucompat-recover.service.in > $(DESTDIR)$(SYSTEMDUNITDIR)/cpucompat-recover.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/cpucompat-publish.service $(DESTDIR)$(SYSTEMDUNITDIR)/cpucompat-recover.service
	install -m 0644 toolstack/data/baselines/*.yaml $(DESTDIR)$(DATADIR)/baselines/
	install -m 0644 toolstack/data/guests.yaml $(DESTDIR)$(DATADIR)/guests.yaml
	install -m 0644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -d $(DESTDIR)$(PREFIX)/share/man/man7 $(DESTDIR)$(PREFIX)/lib/ocf/resource.d/cpucompat
	install -m 0644 $(RA_MANS) $(DESTDIR)$(PREFIX)/share/man/man7/
	install -m 0755 $(RAS) $(DESTDIR)$(PREFIX)/lib/ocf/resource.d/cpucompat/
	install -m 0644 toolstack/cli/cpucompat.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/cpucompat
	@# An admin's edited settings are never overwritten (a package makes it a conffile).
	[ -e $(DESTDIR)$(SYSCONFDIR)/xen/cpucompat.yaml ] || \
	  install -m 0644 libxl-plugin/cpucompat.yaml $(DESTDIR)$(SYSCONFDIR)/xen/cpucompat.yaml

# --- the Debian package ------------------------------------------------------
# dpkg-buildpackage writes next to the source it builds, so it builds a copy
# in build/deb/src (sources replaced each time, its build/ kept: incremental)
# and the .deb lands in build/deb/. DEB_UPGRADE is the same package rebuilt
# with a higher version (a changelog entry added to a copy of that copy, so
# only what prints the version is rebuilt): the lab's upgrade case.
DEB_DIR      := $(BUILD)/deb
DEB          := $(DEB_DIR)/xen-cpucompat_$(VERSION)_amd64.deb
DEB_UP_DIR   := $(BUILD)/deb-upgrade
DEB_UP_VERSION := $(VERSION)+labupgrade1
DEB_UPGRADE  := $(DEB_UP_DIR)/xen-cpucompat_$(DEB_UP_VERSION)_amd64.deb
PKG_SOURCES  := Makefile tests/lab/Makefile.inc debian toolstack libxl-plugin xenstore migration man pacemaker
PKG_FILES    := $(shell find $(PKG_SOURCES) -type f 2>/dev/null)
DPKG_BUILD   := dpkg-buildpackage --build=binary --no-sign --no-pre-clean -j$$(nproc)

.PHONY: deb lintian-check
deb: $(DEB)

$(DEB): $(PKG_FILES)
	@mkdir -p $(DEB_DIR)/src
	cd $(DEB_DIR)/src && rm -rf $(PKG_SOURCES)
	tar -cf - $(PKG_SOURCES) | tar -C $(DEB_DIR)/src -xf -
	cd $(DEB_DIR)/src && $(DPKG_BUILD) > ../build.log 2>&1 || { tail -40 ../build.log; exit 1; }
	@test -f $@ || { echo "make deb: $@ was not built (see $(DEB_DIR)/build.log)"; exit 1; }
	@echo "deb: $@ ($$(du -h $@ | cut -f1))"

$(DEB_UPGRADE): $(DEB)
	rm -rf $(DEB_UP_DIR) && mkdir -p $(DEB_UP_DIR)
	cp -a $(DEB_DIR)/src $(DEB_UP_DIR)/src
	cd $(DEB_UP_DIR)/src && { printf 'xen-cpucompat (%s) bookworm; urgency=medium\n\n  * Rebuilt with a higher version for the lab'"'"'s upgrade case.\n\n -- %s  %s\n\n' \
	  '$(DEB_UP_VERSION)' "$$(dpkg-parsechangelog -S Maintainer)" "$$(date -R)"; cat debian/changelog; } > debian/changelog.new && \
	  mv debian/changelog.new debian/changelog && $(DPKG_BUILD) > ../build.log 2>&1 || { tail -40 ../build.log; exit 1; }
	@test -f $@ || { echo "make deb: $@ was not built (see $(DEB_UP_DIR)/build.log)"; exit 1; }

# Errors and warnings fail; each one the package keeps is overridden with its
# reason in debian/xen-cpucompat.lintian-overrides.
lintian-check: $(DEB)
	lintian --fail-on error,warning --tag-display-limit 0 $(DEB)

# --- Debian packages needed to build and test ---------------------------------
DEB_BUILD := g++ clang libclang-rt-14-dev make man-db libxen-dev xen-utils-4.17 libyaml-cpp-dev libxml2-dev \
             libcli11-dev nlohmann-json3-dev libyajl-dev catch2 libbenchmark-dev \
             debhelper dpkg-dev lintian bash-completion xsltproc
deps:
	@missing=$$(for p in $(DEB_BUILD) $(DEB_LAB); do \
	  dpkg-query -W -f='$${db:Status-Abbrev}' $$p 2>/dev/null | grep -q '^ii' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

clean:
	rm -rf $(BUILD)

# The lab last: its rules name the package built above.
include tests/lab/Makefile.inc
