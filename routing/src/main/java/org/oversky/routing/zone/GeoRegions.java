package org.oversky.routing.zone;

import com.maxmind.db.CHMCache;
import com.maxmind.db.InvalidDatabaseException;
import com.maxmind.db.Reader;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Regions by country or continent, from a MaxMind GeoIP2 or GeoLite2 country (or city) database,
 * read with MaxMind's reader: the third link of the locality chain, after the coverage zones. A
 * client's {@code country.iso_code} is looked up in {@code countries} first, then its {@code
 * continent.code} in {@code continents}. Thread-safe; close it when the node stops.
 */
public final class GeoRegions implements Closeable {
  private final Reader reader;
  private final Map<String, String> countries;
  private final Map<String, String> continents;

  private GeoRegions(Reader reader, Map<String, String> countries, Map<String, String> continents) {
    this.reader = reader;
    this.countries = Map.copyOf(countries);
    this.continents = Map.copyOf(continents);
  }

  /**
   * Opens {@code mmdb}. Throws {@link IllegalArgumentException} saying what is wrong when it is
   * not a MaxMind DB, and {@link IOException} when it cannot be read.
   */
  public static GeoRegions open(Path mmdb, Map<String, String> countries, Map<String, String> continents) throws IOException {
    try {
      return new GeoRegions(new Reader(mmdb.toFile(), new CHMCache()), countries, continents);
    } catch (InvalidDatabaseException e) {
      throw new IllegalArgumentException("not a MaxMind DB (.mmdb) file: " + e.getMessage(), e);
    }
  }

  /** Where a client is by this database, and by which field. */
  public record Located(String region, String from) {}

  /** The region of {@code address}'s country, else of its continent, if the maps name one. */
  public Optional<Located> regionOf(InetAddress address) {
    Map<?, ?> record;
    try {
      record = reader.get(address, Map.class);
    } catch (IOException e) {
      throw new IllegalStateException("the GeoIP database could not be read at " + address.getHostAddress() + ": " + e.getMessage(), e);
    }
    if (record == null) {
      return Optional.empty();
    }
    String country = field(record, "country", "iso_code");
    if (country != null && countries.containsKey(country)) {
      return Optional.of(new Located(countries.get(country), "geoip country " + country));
    }
    String continent = field(record, "continent", "code");
    if (continent != null && continents.containsKey(continent)) {
      return Optional.of(new Located(continents.get(continent), "geoip continent " + continent));
    }
    return Optional.empty();
  }

  private static String field(Map<?, ?> record, String outer, String inner) {
    return record.get(outer) instanceof Map<?, ?> m && m.get(inner) instanceof String s ? s : null;
  }

  /** The database's type, as its metadata says (such as {@code GeoLite2-Country}). */
  public String databaseType() {
    return reader.getMetadata().getDatabaseType();
  }

  @Override
  public void close() throws IOException {
    reader.close();
  }
}
