# forkexec: `make` builds the jar and runs the job runner on the job list in src/main/jobs (every
# file of the repository compressed and checksummed into target/runner-demo, with a joblog, a
# report and a progress bar, then a table from the report); `make test` runs every test (fast sizes);
# `make stress` runs the reliability suites at full size; `make test-asan` runs the JUnit suites
# against an AddressSanitizer build of the library.
MVN ?= mvn -B
VERSION := 0.1.0
JAR := target/forkexec-$(VERSION).jar

.PHONY: all run jar test stress test-asan clean bench bench-quick bench-build bench-before-after

all: run

# Build the jar (the .so files inside it) and run the job runner from it (bin/forkexec, which is
# `java -cp jar dev.forkexec.runner.Main`; `java -jar` works too), with no library-path flags.
run: jar
	src/main/jobs/compress-sources.sh

jar:
	$(MVN) -q -DskipTests -Dexec.skip=true package

# Java tests (JUnit 5), the pure-C tests (natively, for aarch64 under qemu-aarch64, against musl), the
# bundled libraries' symbol versions (<= GLIBC_2.17), then the built jar (*IT: module path, class path,
# JDK 22+ native access).
test:
	$(MVN) verify

# The benchmark: forkexec vs ProcessBuilder, NuProcess and C (README.md, "Benchmark"), then on
# pseudo-terminals vs pty4j (TerminalBench, docs/bench/terminals.md). A separate Maven
# project (bench/pom.xml), so `make test` never builds or runs it: the main jar is installed into
# the local repository first, then bench/ (its Java and bench/c/*.c) is built against it.
bench-build:
	$(MVN) -q -Dmaven.test.skip=true -Dexec.skip=true install
	$(MVN) -q -f bench/pom.xml package

# BASELINE_JAR=path/to/an/earlier/forkexec.jar adds that build's rows beside the current ones (scenarios
# 1, 2, 4 and 11's default-path target); BENCH_ARGS passes more, e.g. BENCH_ARGS='--only s11,s12'.
BASELINE_JAR ?=
BENCH_ARGS ?=
BENCH_FLAGS = $(if $(BASELINE_JAR),--baseline-jar $(BASELINE_JAR)) $(BENCH_ARGS)

# Full run (several minutes; wants a quiet machine): prints the tables, writes docs/bench/.
bench: bench-build
	java -jar bench/target/forkexec-bench.jar --cdir bench/target/c --out docs/bench $(BENCH_FLAGS)
	java -cp bench/target/forkexec-bench.jar dev.forkexec.bench.TerminalBench --out docs/bench

# Reduced run (a few minutes): prints the tables, writes bench/target/quick/ only.
bench-quick: bench-build
	java -jar bench/target/forkexec-bench.jar --quick --cdir bench/target/c --out bench/target/quick $(BENCH_FLAGS)
	java -cp bench/target/forkexec-bench.jar dev.forkexec.bench.TerminalBench --quick --out bench/target/quick

# "Nothing gets slower": scenarios 1, 2 and 4 at the reduced sizes, an earlier build (BASELINE_JAR) and
# the current one side by side in the same rounds; the report ends with a before/after table.
bench-before-after: bench-build
	@test -n "$(BASELINE_JAR)" || { echo "bench-before-after: give BASELINE_JAR=path/to/an/earlier/forkexec.jar"; exit 2; }
	java -jar bench/target/forkexec-bench.jar --quick --only s1,s2,s4 --cdir bench/target/c --out bench/target/before-after \
		--baseline-jar $(BASELINE_JAR) $(BENCH_ARGS)

# The long reliability runs (20,000 spawns from 8 threads, 100 rounds of 32 simultaneous spawns,
# 5,000 random fd maps, 1,000 writer children), then their figures.
# Replay a failure with the seed it printed: make stress STRESS_FLAGS=-Dforkexec.seed=N
STRESS_TESTS := Stress*,*Property*,*Integrity*
STRESS_FLAGS :=
stress:
	rm -rf target/surefire-reports
	$(MVN) test -Dforkexec.stress=true $(STRESS_FLAGS) -Dtest='$(STRESS_TESTS)' -Dsurefire.failIfNoSpecifiedTests=false
	@echo "== forkexec stress figures =="
	@grep -ho '\[forkexec figures\][^<]*' target/surefire-reports/TEST-*.xml \
		| sed -e 's/&gt;/>/g' -e 's/&lt;/</g' -e 's/&quot;/"/g' -e 's/&amp;/\&/g'

# The Java suite against libforkexec.so built with AddressSanitizer + UBSan (the C tests already run
# under both in `make test`). The ASan runtime must come first in the JVM, hence LD_PRELOAD (children
# inherit it too, and ASAN_OPTIONS, hence handle_segv=0 so a child's SIGSEGV stays a signal);
# detect_leaks=0 because the JVM never frees what it allocates. Sanitizer reports go to target/asan/.
# Two tests are left out: one checks that the library came from the jar, and this one does not; one
# sets RLIMIT_AS to 4 GiB in a child, less than the ASan runtime it inherits reserves for its shadow.
CC ?= gcc
JAVA_HOME ?= $(shell dirname "$$(dirname "$$(readlink -f "$$(command -v javac)")")")
ASAN_DIR := $(CURDIR)/target/asan
ASAN_RUNTIME = $(shell $(CC) -print-file-name=libasan.so)
test-asan:
	$(MVN) -q process-test-classes
	mkdir -p $(ASAN_DIR) && chmod 755 $(ASAN_DIR) && rm -f $(ASAN_DIR)/*.log.*
	$(CC) -shared -fPIC -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
		-std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -I"$(JAVA_HOME)/include" -I"$(JAVA_HOME)/include/linux" \
		-Itarget/generated-sources/jni -Isrc/main/c -o $(ASAN_DIR)/libforkexec.so src/main/c/*.c
	LD_PRELOAD=$(ASAN_RUNTIME) ASAN_OPTIONS=detect_leaks=0:handle_segv=0:log_path=$(ASAN_DIR)/asan.log \
		UBSAN_OPTIONS=print_stacktrace=1:log_path=$(ASAN_DIR)/ubsan.log \
		$(MVN) surefire:test -Dtest='*Test,!NativeLibraryTest#thisJvmLoadedTheVerifiedCopyFromThePerUserCache,!SpawnOptionsTest#everyResourceLimitReachesTheChild' \
		-DargLine='-Dforkexec.library.path=$(ASAN_DIR)'
	@if grep -l -E 'ERROR: AddressSanitizer|runtime error' $(ASAN_DIR)/*.log.* 2>/dev/null; then \
		cat $(ASAN_DIR)/*.log.*; echo "test-asan: sanitizer errors (above)"; exit 1; fi
	@echo "test-asan: no sanitizer errors"

clean:
	$(MVN) -q clean
	$(MVN) -q -f bench/pom.xml clean
