package org.oversky.conf;

/** Renders the commented YAML config file that {@code oversky init} writes: every key, commented out at its default. */
public final class ConfigTemplate {
  private ConfigTemplate() {}

  /** The file's text. Uncomment a line to set it; flags and environment variables still win. */
  public static String render() {
    return render(java.util.Map.of());
  }

  /**
   * The file's text with {@code values} (dotted keys, as flags give them) set: those lines are
   * written uncommented, every other key stays commented at its default.
   */
  public static String render(java.util.Map<String, String> values) {
    StringBuilder out = new StringBuilder();
    out.append("# oversky node configuration.\n")
        .append("# Precedence: command-line flag > environment variable (OVERSKY_...) > this file > default.\n")
        .append(values.isEmpty()
            ? "# Every key is shown at its default; uncomment and edit to change it.\n"
            : "# The keys given to 'oversky init' are set; every other key is shown at its default: uncomment and edit to change it.\n");
    String section = "";
    for (Setting s : Settings.all()) {
      int dot = s.key().indexOf('.');
      String sec = dot < 0 ? "" : s.key().substring(0, dot);
      String name = dot < 0 ? s.key() : s.key().substring(dot + 1);
      if (!sec.equals(section)) {
        boolean used = values.keySet().stream().anyMatch(k -> k.startsWith(sec + "."));
        out.append("\n").append(used ? "" : "#").append(sec).append(":\n");
        section = sec;
      } else if (sec.isEmpty()) {
        out.append('\n');
      }
      String indent = sec.isEmpty() ? "" : "  ";
      out.append("#").append(indent).append(" ").append(s.description()).append(" (").append(s.envName()).append(")\n");
      String set = values.get(s.key());
      if (set != null) {
        out.append(indent).append(name).append(": ").append(yamlString(set)).append('\n');
      } else {
        String value = s.defaultValue().isEmpty() ? "" : " " + quote(s.defaultValue());
        out.append("#").append(indent).append(name).append(":").append(value).append('\n');
      }
    }
    return out.toString();
  }

  /** A double-quoted YAML string. */
  private static String yamlString(String v) {
    return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String quote(String v) {
    return v.matches("[A-Za-z0-9./_-]+") ? v : "\"" + v + "\"";
  }
}
