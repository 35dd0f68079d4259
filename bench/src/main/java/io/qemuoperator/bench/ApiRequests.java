package io.qemuoperator.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Requests one client (the operator) made to the API server, counted by verb and resource as the
 * API server's audit log names them: {@code "patch qemuvms/status"}, {@code "create events"},
 * {@code "watch pods"}.
 */
public record ApiRequests(Map<String, Long> byVerbAndResource) {
  private static final Set<String> WRITE_VERBS =
      Set.of("create", "update", "patch", "delete", "deletecollection");

  public ApiRequests {
    byVerbAndResource = Map.copyOf(byVerbAndResource);
  }

  public static ApiRequests none() {
    return new ApiRequests(Map.of());
  }

  /** {@code "verb resource[/subresource]"}. */
  public static String key(String verb, String resource, String subresource) {
    return verb
        + " "
        + resource
        + (subresource == null || subresource.isEmpty() ? "" : "/" + subresource);
  }

  public long total() {
    return byVerbAndResource.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Creates, updates, patches and deletes. */
  public long writes() {
    return writesByKind().values().stream().mapToLong(Long::longValue).sum();
  }

  /** Writes of QemuVM status. */
  public long statusWrites() {
    return writesByKind().entrySet().stream()
        .filter(e -> e.getKey().endsWith(" qemuvms/status"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** The writes, by verb and resource, sorted by key. */
  public Map<String, Long> writesByKind() {
    var writes = new TreeMap<String, Long>();
    byVerbAndResource.forEach(
        (key, count) -> {
          if (WRITE_VERBS.contains(key.substring(0, key.indexOf(' ')))) {
            writes.put(key, count);
          }
        });
    return writes;
  }

  /** What was requested since {@code earlier}. */
  public ApiRequests since(ApiRequests earlier) {
    var counts = new HashMap<String, Long>();
    byVerbAndResource.forEach(
        (key, count) -> {
          long delta = count - earlier.byVerbAndResource.getOrDefault(key, 0L);
          if (delta != 0) {
            counts.put(key, delta);
          }
        });
    return new ApiRequests(counts);
  }
}
