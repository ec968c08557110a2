# ngx_http_apicred_module: module, CLI, tests.
SHELL := /bin/bash
#
#   make run     build, initialise ./var/store, start nginx on 127.0.0.1:8080
#   make test    build and run every test (C units, then t/ with prove)

NGINX_SRC   ?= /usr/share/nginx/src
NGINX       ?= /usr/sbin/nginx
BUILD       := build
NGX_BUILD   := $(BUILD)/nginx
MODULE      := $(BUILD)/ngx_http_apicred_module.so
CLI         := $(BUILD)/apicredctl
UNIT        := $(BUILD)/test_core
HOLD        := $(BUILD)/hold_write_lock
SIGN        := $(BUILD)/sign_token

CORE_SRCS   := $(wildcard src/core/*.c)
CORE_HDRS   := $(wildcard src/core/*.h)
GLUE_SRCS   := $(wildcard src/*.c) $(wildcard src/*.h)

CC          ?= cc
CFLAGS      ?= -O2 -g
CFLAGS      += -std=gnu99 -Wall -Wextra -Wno-unused-parameter -Werror \
               -Isrc/core
LDLIBS      := -llmdb -lsodium -ljansson

NGX_CC_OPT  := -g -O2 -fPIC -fstack-protector-strong -D_FORTIFY_SOURCE=2
NGX_LD_OPT  := -Wl,-z,relro -Wl,-z,now -fPIC

.PHONY: all deps module cli run test test-asan screenshots bench fuzz clean

all: deps module cli

deps:
	@tools/install-deps.sh

module: $(MODULE)
cli: $(CLI)

$(NGX_BUILD)/objs/Makefile: config | deps
	rm -rf $(NGX_BUILD)
	mkdir -p $(BUILD)
	cp -a $(NGINX_SRC) $(NGX_BUILD)
	cd $(NGX_BUILD) && bash -c '. ./conf_flags && ./configure \
	    "$${NGX_CONF_FLAGS[@]}" --with-cc-opt="$(NGX_CC_OPT)" \
	    --with-ld-opt="$(NGX_LD_OPT)" --add-dynamic-module=$(CURDIR)' \
	    > ../configure.log 2>&1 || (tail -30 ../configure.log; exit 1)

$(MODULE): $(NGX_BUILD)/objs/Makefile $(CORE_SRCS) $(CORE_HDRS) $(GLUE_SRCS)
	$(MAKE) -s -C $(NGX_BUILD) -f objs/Makefile modules
	cp $(NGX_BUILD)/objs/ngx_http_apicred_module.so $@

CLI_SRCS    := $(wildcard tools/apicredctl*.c)

$(CLI): $(CLI_SRCS) tools/apicredctl.h $(CORE_SRCS) $(CORE_HDRS) | deps
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -Itools -o $@ $(CLI_SRCS) $(CORE_SRCS) $(LDLIBS)

$(UNIT): tests/test_core.c $(CORE_SRCS) $(CORE_HDRS) | deps
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -o $@ tests/test_core.c $(CORE_SRCS) $(LDLIBS)

$(HOLD): tests/hold_write_lock.c | deps
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -o $@ tests/hold_write_lock.c -llmdb

$(SIGN): tests/sign_token.c $(CORE_SRCS) $(CORE_HDRS) | deps
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -o $@ tests/sign_token.c $(CORE_SRCS) $(LDLIBS)

run: all
	@mkdir -p var
	@if [ ! -f var/store/data.mdb ]; then \
	    $(CLI) -s var/store init && \
	    echo "Bootstrap admin credential (the secret is shown only now):" && \
	    $(CLI) -s var/store create --name bootstrap-admin \
	        --grant credentials:admin \
	        --grant platform:admin:org --grant profile:read_only:org; \
	fi
	@mkdir -p var/logs var/tmp
	@echo "nginx on http://127.0.0.1:8080 (Ctrl-C stops it)"
	@echo "admin console: http://127.0.0.1:8080/apicred/ui/"
	$(NGINX) -p $(CURDIR)/var -e $(CURDIR)/var/logs/error.log \
	    -c $(CURDIR)/conf-examples/quickstart.conf \
	    -g "daemon off; load_module $(CURDIR)/$(MODULE);"

# the browser tests: Debian's chromium and playwright-core from npm
UI_DEPS     := tests/ui/node_modules/playwright-core/package.json

$(UI_DEPS): tests/ui/package.json tests/ui/package-lock.json
	@tools/install-deps.sh chromium
	cd tests/ui && npm ci --silent --no-audit --no-fund

test: all $(UNIT) $(HOLD) $(SIGN) $(UI_DEPS)
	$(UNIT)
	APICRED_MODULE=$(CURDIR)/$(MODULE) APICRED_CLI=$(CURDIR)/$(CLI) \
	    APICRED_HOLD=$(CURDIR)/$(HOLD) APICRED_SIGN=$(CURDIR)/$(SIGN) \
	    prove -I t/lib t/

# refreshes ui/screenshots/, which README shows
screenshots: all $(UI_DEPS)
	APICRED_MODULE=$(CURDIR)/$(MODULE) APICRED_CLI=$(CURDIR)/$(CLI) \
	    APICRED_SCREENSHOTS=ui/screenshots prove -I t/lib t/10-ui.t

# the whole t/ suite with the module and the CLI built with ASan and UBSan;
# Debian's nginx loads the module with the sanitizer runtimes preloaded
ASAN_BUILD  := $(BUILD)/asan
ASAN_FLAGS  := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined
ASAN_LIBS   := $(shell $(CC) -print-file-name=libasan.so) \
               $(shell $(CC) -print-file-name=libubsan.so)

$(ASAN_BUILD)/nginx/objs/Makefile: config | deps
	rm -rf $(ASAN_BUILD)/nginx
	mkdir -p $(ASAN_BUILD)
	cp -a $(NGINX_SRC) $(ASAN_BUILD)/nginx
	cd $(ASAN_BUILD)/nginx && bash -c '. ./conf_flags && ./configure \
	    "$${NGX_CONF_FLAGS[@]}" --with-cc-opt="$(ASAN_FLAGS) -fPIC" \
	    --with-ld-opt="-fsanitize=address,undefined -fPIC" \
	    --add-dynamic-module=$(CURDIR)' > ../configure.log 2>&1 \
	    || (tail -30 ../configure.log; exit 1)

$(ASAN_BUILD)/ngx_http_apicred_module.so: $(ASAN_BUILD)/nginx/objs/Makefile \
        $(CORE_SRCS) $(CORE_HDRS) $(GLUE_SRCS)
	$(MAKE) -s -C $(ASAN_BUILD)/nginx -f objs/Makefile modules
	cp $(ASAN_BUILD)/nginx/objs/ngx_http_apicred_module.so $@

$(ASAN_BUILD)/apicredctl: $(CLI_SRCS) tools/apicredctl.h $(CORE_SRCS) \
        $(CORE_HDRS) | deps
	@mkdir -p $(ASAN_BUILD)
	$(CC) $(CFLAGS) $(ASAN_FLAGS) -Itools -o $@ $(CLI_SRCS) $(CORE_SRCS) \
	    $(LDLIBS)

test-asan: all $(ASAN_BUILD)/ngx_http_apicred_module.so \
        $(ASAN_BUILD)/apicredctl $(HOLD) $(SIGN)
	APICRED_MODULE=$(CURDIR)/$(ASAN_BUILD)/ngx_http_apicred_module.so \
	    APICRED_CLI=$(CURDIR)/$(ASAN_BUILD)/apicredctl \
	    APICRED_HOLD=$(CURDIR)/$(HOLD) APICRED_SIGN=$(CURDIR)/$(SIGN) \
	    APICRED_PRELOAD="$(ASAN_LIBS)" prove -I t/lib t/

$(BUILD)/gen_store: bench/gen_store.c $(CORE_SRCS) $(CORE_HDRS) | deps
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -o $@ bench/gen_store.c $(CORE_SRCS) $(LDLIBS)

bench: all $(BUILD)/gen_store
	@tools/install-deps.sh wrk apache2-utils libnginx-mod-http-js
	APICRED_MODULE=$(CURDIR)/$(MODULE) APICRED_CLI=$(CURDIR)/$(CLI) \
	    perl bench/bench.pl

FUZZ_TIME    ?= 60
FUZZ_TARGETS := bearer token token_request record admin
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz_%)

$(BUILD)/fuzz_%: fuzz/fuzz_%.c $(CORE_SRCS) $(CORE_HDRS)
	@tools/install-deps.sh clang libclang-rt-14-dev
	@mkdir -p $(BUILD)
	clang -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -Isrc/core -o $@ $< $(CORE_SRCS) \
	    $(LDLIBS)

# each target for FUZZ_TIME seconds, from the seeds in fuzz/corpus/
fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(BUILD)/corpus/$$t; \
	    echo "fuzz_$$t: $(FUZZ_TIME) s"; \
	    $(BUILD)/fuzz_$$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
	        -artifact_prefix=$(BUILD)/fuzz_$$t- $(BUILD)/corpus/$$t \
	        fuzz/corpus/$$t 2>&1 | grep -E "^(stat::number_of_executed_units|==|SUMMARY|Done)" ; \
	    test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

clean:
	rm -rf $(BUILD)
