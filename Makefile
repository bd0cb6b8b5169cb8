# forkexec: `make` builds the jar and runs the demo; `make test` runs every test.
MVN ?= mvn -B
VERSION := 0.1.0
JAR := target/forkexec-$(VERSION).jar

.PHONY: all demo jar test clean bench bench-quick bench-build

all: demo

# Build the jar (the .so inside it) and run the demo from it, with no library-path flags.
demo: jar
	java -cp $(JAR) dev.forkexec.demo.Demo

jar:
	$(MVN) -q -DskipTests package

# Java tests (JUnit 5), the pure-C fd-plan tests, and the aarch64 cross-compile check.
test:
	$(MVN) verify

# The benchmark: forkexec vs ProcessBuilder, NuProcess and C (README.md, "Benchmark"). A separate Maven
# project (bench/pom.xml), so `make test` never builds or runs it: the main jar is installed into
# the local repository first, then bench/ (its Java and bench/c/*.c) is built against it.
bench-build:
	$(MVN) -q -Dmaven.test.skip=true -Dexec.skip=true install
	$(MVN) -q -f bench/pom.xml package

# Full run (several minutes; wants a quiet machine): prints the tables, writes docs/bench/.
bench: bench-build
	java -jar bench/target/forkexec-bench.jar --cdir bench/target/c --out docs/bench

# Reduced run (under two minutes): prints the tables, writes bench/target/quick/ only.
bench-quick: bench-build
	java -jar bench/target/forkexec-bench.jar --quick --cdir bench/target/c --out bench/target/quick

clean:
	$(MVN) -q clean
	$(MVN) -q -f bench/pom.xml clean
