# forkexec: `make` builds the jar and runs the demo; `make test` runs every test.
MVN ?= mvn -B
VERSION := 0.1.0
JAR := target/forkexec-$(VERSION).jar

.PHONY: all demo jar test clean

all: demo

# Build the jar (the .so inside it) and run the demo from it, with no library-path flags.
demo: jar
	java -cp $(JAR) dev.forkexec.demo.Demo

jar:
	$(MVN) -q -DskipTests package

# Java tests (JUnit 5), the pure-C fd-plan tests, and the aarch64 cross-compile check.
test:
	$(MVN) verify

clean:
	$(MVN) -q clean
