package dev.forkexec.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** GNU parallel 20221122's quoting, from {@code parallel --dry-run echo ::: <value>} on this machine. */
class ShellQuoteTest {
    @ParameterizedTest(name = "[{0}] -> [{1}]")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "a b'c\"$d|'a b'\"'\"'c\"$d'",
        "c'd|'c'\"'\"'d'",
        "``|''",
        "abc-_|abc-_",
        "A_Z|A_Z",
        "a+b|a+b",
        "a.b|a.b",
        "a/b|a/b",
        "x:y|'x:y'",
        "é|'é'",
        "'|\"'\"",
        "a'|'a'\"'\"",
        "'a|\"'\"'a'",
        "''|\"'\"''\"'\"",
        "a=b|'a=b'",
        "~|'~'",
        "*|'*'",
        "!|'!'",
    })
    void quotesLikeGnuParallel(String value, String quoted) {
        assertEquals(quoted, ShellQuote.quote(value));
    }

    @Test
    void quotesATabInsideSingleQuotes() {
        assertEquals("'t\tx'", ShellQuote.quote("t\tx"));
    }

    @Test
    void joinQuotesEachWordAndSeparatesWithOneSpace() {
        assertEquals("printf '%s|\\n' 'a b' ''", ShellQuote.join(List.of("printf", "%s|\\n", "a b", "")));
    }
}
