# FaceTrack — one GNU Makefile for the library, the programs and the tests.
# Anything here may be overridden on the command line or in config.mak.

VERSION = 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

CC ?= cc
CXX ?= c++
AR ?= ar
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
CXXFLAGS ?= -O2 -g
LDFLAGS ?=

# Libraries that pkg-config knows.
SQLITE_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags sqlite3)
SQLITE_LIBS ?= $(shell $(PKG_CONFIG) --libs sqlite3)
MYSQL_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags libmariadb)
MYSQL_LIBS ?= $(shell $(PKG_CONFIG) --libs libmariadb)
UUID_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags uuid)
UUID_LIBS ?= $(shell $(PKG_CONFIG) --libs uuid)
# Flags pkg-config cannot give on every system.
JQ_CFLAGS ?=
JQ_LIBS ?= -ljq -lonig
CSV_CFLAGS ?=
CSV_LIBS ?= -lcsv

SANITIZE ?=

-include config.mak

override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter \
	-Ilib -DFT_VERSION='"$(VERSION)"'
override CXXFLAGS += -std=c++17 -Wall -Wextra -Ilib
ifneq ($(SANITIZE),)
override CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
override CXXFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=$(SANITIZE)
endif

B = build
DEPCFLAGS = $(SQLITE_CFLAGS) $(MYSQL_CFLAGS) $(UUID_CFLAGS) $(JQ_CFLAGS) \
	$(CSV_CFLAGS)

# Core modules: no face, frame or index libraries, so that every program can
# link them and still start in milliseconds.
CORE_OBJS = util.o times.o config.o jsonl.o format.o csvio.o record.o \
	store.o store_sqlite.o store_mysql.o migrations.o query.o
CORE_LIBS = $(SQLITE_LIBS) $(MYSQL_LIBS) $(UUID_LIBS) $(JQ_LIBS) $(CSV_LIBS) -lm

LIB = $(B)/libfacetrack.a
LIB_OBJS = $(addprefix $(B)/lib/,$(CORE_OBJS))

PROGRAMS = ft-query ft-enroll
PROGRAM_BINS = $(addprefix $(B)/,$(PROGRAMS))
TOOLS = $(B)/ft-seed-demo
UNIT_TESTS = $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/*.c))

MANPAGES = $(wildcard man/*.[1-8])

all: $(LIB) $(PROGRAM_BINS) $(TOOLS)

$(B)/lib $(B)/cmd $(B)/tests $(B)/scripts:
	@mkdir -p $@

$(B)/lib/%.o: lib/%.c | $(B)/lib
	$(CC) $(CFLAGS) $(DEPCFLAGS) -MMD -MP -c -o $@ $<

$(B)/lib/%.o: $(B)/lib/%.c | $(B)/lib
	$(CC) $(CFLAGS) $(DEPCFLAGS) -MMD -MP -c -o $@ $<

# The migrations in sql/ are compiled into the library, so an installed
# program needs no data files to create or upgrade its store.
$(B)/lib/migrations.c: scripts/embed-sql $(sort $(wildcard sql/*/*.sql)) | $(B)/lib
	sh scripts/embed-sql sql > $@.tmp && mv $@.tmp $@

$(LIB): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/cmd/%.o: cmd/%.c | $(B)/cmd
	$(CC) $(CFLAGS) $(DEPCFLAGS) -MMD -MP -c -o $@ $<

$(B)/ft-query $(B)/ft-enroll $(B)/ft-seed-demo: $(B)/%: $(B)/cmd/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(CORE_LIBS)

$(B)/cmd/ft-seed-demo.o: scripts/seed-demo.c | $(B)/cmd
	$(CC) $(CFLAGS) $(DEPCFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(LIB) | $(B)/tests
	$(CC) $(CFLAGS) $(DEPCFLAGS) -o $@ $< $(LIB) $(CORE_LIBS)

check: all $(UNIT_TESTS)
	mandoc -T lint -W warning $(MANPAGES)
	PATH="$(CURDIR)/$(B):$$PATH" FT_BUILD="$(CURDIR)/$(B)" \
		prove -f $(UNIT_TESTS) tests/*.t

bench: all
	PATH="$(CURDIR)/$(B):$$PATH" sh scripts/bench

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(PROGRAM_BINS) $(DESTDIR)$(BINDIR)
	for f in $(MANPAGES); do \
		s=$${f##*.}; install -m 644 $$f $(DESTDIR)$(MANDIR)/man$$s; done

uninstall:
	for p in $(PROGRAMS); do rm -f $(DESTDIR)$(BINDIR)/$$p; done
	for f in $(MANPAGES); do \
		s=$${f##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${f##*/}; done

clean:
	rm -rf $(B)

.PHONY: all check bench install uninstall clean

-include $(wildcard $(B)/lib/*.d $(B)/cmd/*.d)
