package org.oversky.conf;

/** Renders the commented YAML config file that {@code oversky init} writes: every key, commented out at its default. */
public final class ConfigTemplate {
  private ConfigTemplate() {}

  /** The file's text. Uncomment a line to set it; flags and environment variables still win. */
  public static String render() {
    StringBuilder out = new StringBuilder();
    out.append("# oversky node configuration.\n")
        .append("# Precedence: command-line flag > environment variable (OVERSKY_...) > this file > default.\n")
        .append("# Every key is shown at its default; uncomment and edit to change it.\n");
    String section = "";
    for (Setting s : Settings.all()) {
      int dot = s.key().indexOf('.');
      String sec = dot < 0 ? "" : s.key().substring(0, dot);
      String name = dot < 0 ? s.key() : s.key().substring(dot + 1);
      if (!sec.equals(section)) {
        out.append("\n#").append(sec).append(":\n");
        section = sec;
      } else if (sec.isEmpty()) {
        out.append('\n');
      }
      String indent = sec.isEmpty() ? "" : "  ";
      out.append("#").append(indent).append(" ").append(s.description()).append(" (").append(s.envName()).append(")\n");
      String value = s.defaultValue().isEmpty() ? "" : " " + quote(s.defaultValue());
      out.append("#").append(indent).append(name).append(":").append(value).append('\n');
    }
    return out.toString();
  }

  private static String quote(String v) {
    return v.matches("[A-Za-z0-9./_-]+") ? v : "\"" + v + "\"";
  }
}
