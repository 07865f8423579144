package org.oversky.conf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A configuration file that sets every key to its default, each with what it does and the form
 * of its value: the sample shipped as {@code docs/oversky.sample.yaml}, rendered from {@link
 * Settings} so that it cannot fall behind the code.
 */
public final class SampleConfig {
  private SampleConfig() {}

  /** The sample file's text. */
  public static String render() {
    StringBuilder out = new StringBuilder();
    out.append("# oversky node configuration: every key, set to its default.\n");
    out.append("# Put this file in the data directory as oversky.yaml (or name it with --config).\n");
    out.append("# Flags (oversky serve --help) and OVERSKY_* environment variables override it.\n");
    out.append("# Reference: docs/configuration.md. Sizes: 64MiB, 10GiB; durations: 250ms, 10s, 22h.\n");
    Map<String, List<Setting>> sections = new LinkedHashMap<>();
    List<Setting> top = new ArrayList<>();
    for (Setting s : Settings.all()) {
      int dot = s.key().indexOf('.');
      if (dot < 0) {
        top.add(s);
      } else {
        sections.computeIfAbsent(s.key().substring(0, dot), k -> new ArrayList<>()).add(s);
      }
    }
    for (Setting s : top) {
      entry(out, "", s.key(), s);
    }
    sections.forEach((section, settings) -> {
      out.append('\n').append(section).append(":\n");
      for (Setting s : settings) {
        entry(out, "  ", s.key().substring(section.length() + 1), s);
      }
    });
    return out.toString();
  }

  private static void entry(StringBuilder out, String indent, String name, Setting s) {
    out.append('\n');
    for (String line : wrap(s.description(), 96 - indent.length())) {
      out.append(indent).append("# ").append(line).append('\n');
    }
    out.append(indent).append("# value: ").append(s.form()).append('\n');
    out.append(indent).append(name).append(": \"").append(s.defaultValue().replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n");
  }

  private static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append(word);
    }
    if (line.length() > 0) {
      lines.add(line.toString());
    }
    return lines;
  }
}
