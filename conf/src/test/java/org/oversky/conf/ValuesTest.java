package org.oversky.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValuesTest {
  @ParameterizedTest(name = "''{0}'' is {1} bytes")
  @CsvSource(
      delimiter = '|',
      value = {
        "0            | 0",
        "512          | 512",
        "1b           | 1",
        "7B           | 7",
        "1k           | 1024",
        "1KiB         | 1024",
        "1KB          | 1024",
        "1kb          | 1024",
        "16KiB        | 16384",
        "64MiB        | 67108864",
        "3m           | 3145728",
        "10 GiB       | 10737418240",
        "4g           | 4294967296",
        "1TiB         | 1099511627776",
        "'  16KiB  '  | 16384",
        "8388607TiB   | 9223370937343148032"
      })
  void parseSizeAcceptsPlainNumbersAndBinaryUnits(String text, long expected) {
    assertEquals(expected, Values.parseSize(text));
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(
      strings = {"", "  ", "abc", "MiB", "1.5MiB", "-1", "+1", "1 PiB", "1KiBs", "1 0", "1ib", "0x10", "8388608TiB", "99999999999999999999"})
  void parseSizeRefusesOtherForms(String text) {
    assertThrows(IllegalArgumentException.class, () -> Values.parseSize(text));
  }

  @ParameterizedTest(name = "{0} bytes")
  @ValueSource(longs = {0, 1, 1000, 1024, 16 * 1024, 64L << 20, 3L << 30, 10L << 30, 5L << 40, (1L << 40) + 1})
  void formatSizeParsesBackToTheSameCount(long bytes) {
    assertEquals(bytes, Values.parseSize(Values.formatSize(bytes)));
  }

  @Test
  void formatSizeUsesTheLargestExactUnit() {
    assertEquals("64MiB", Values.formatSize(64L << 20));
    assertEquals("1536KiB", Values.formatSize(1536 * 1024));
    assertEquals("1000B", Values.formatSize(1000));
  }

  @ParameterizedTest(name = "''{0}''")
  @CsvSource(
      delimiter = '|',
      value = {
        "500ms       | PT0.5S",
        "0ms         | PT0S",
        "5s          | PT5S",
        "5 S         | PT5S",
        "'  30s '    | PT30S",
        "1m          | PT1M",
        "2h          | PT2H",
        "1d          | PT24H",
        "90M         | PT1H30M"
      })
  void parseDurationAcceptsAWholeNumberWithAUnit(String text, Duration expected) {
    assertEquals(expected, Values.parseDuration(text));
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(
      strings = {
        "", "5", "s", "1.5s", "-1s", "5sec", "1w", "5 s s", "PT5S", "9223372036854775807d", "9223372036854775807m",
        "99999999999999999999ms"
      })
  void parseDurationRefusesOtherForms(String text) {
    assertThrows(IllegalArgumentException.class, () -> Values.parseDuration(text));
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(strings = {"true", "TRUE", "True", "yes", " Yes ", "on", "ON", "1"})
  void parseBooleanAcceptsTrueForms(String text) {
    assertTrue(Values.parseBoolean(text));
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(strings = {"false", "FALSE", "no", "No", "off", "0", " false "})
  void parseBooleanAcceptsFalseForms(String text) {
    assertFalse(Values.parseBoolean(text));
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(strings = {"", " ", "2", "y", "n", "truthy", "enabled", "t"})
  void parseBooleanRefusesOtherWords(String text) {
    assertThrows(IllegalArgumentException.class, () -> Values.parseBoolean(text));
  }
}
