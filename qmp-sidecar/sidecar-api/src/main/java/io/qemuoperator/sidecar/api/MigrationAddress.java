package io.qemuoperator.sidecar.api;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The checks of a migration's {@code host} and {@code port}, shared by {@link IncomingMigration}
 * and {@link OutgoingMigration}: the sidecar writes them into QEMU's {@code tcp:HOST:PORT}, where a
 * space, a {@code ,} or a stray {@code :} would change what QEMU reads.
 */
final class MigrationAddress {
  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
              + "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
  private static final Pattern IPV6_CHARACTERS = Pattern.compile("[0-9A-Fa-f:.]+");
  private static final Pattern HEX_GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");
  private static final Pattern DNS_LABEL =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
  private static final Pattern DIGITS_AND_DOTS = Pattern.compile("[0-9.]+");

  private MigrationAddress() {}

  static List<String> violations(String host, int port) {
    var found = new ArrayList<String>();
    if (host == null || host.isEmpty()) {
      found.add("host: must not be empty");
    } else if (!isIpv4(host) && !isIpv6(host) && !isDnsName(host)) {
      found.add(
          "host: must be an IPv4 or IPv6 literal (without brackets) or a DNS name, got '"
              + Excerpt.of(host)
              + "'");
    }
    if (port < 1 || port > 65535) {
      found.add("port: must be between 1 and 65535, got " + port);
    }
    return List.copyOf(found);
  }

  static boolean isIpv4(String host) {
    return IPV4.matcher(host).matches();
  }

  /** RFC 4291 text form: eight groups, or fewer with one {@code ::}; an IPv4 tail allowed. */
  static boolean isIpv6(String host) {
    if (!host.contains(":") || !IPV6_CHARACTERS.matcher(host).matches()) {
      return false;
    }
    int elision = host.indexOf("::");
    if (elision >= 0 && host.indexOf("::", elision + 1) >= 0) {
      return false;
    }
    String head = elision >= 0 ? host.substring(0, elision) : host;
    String tail = elision >= 0 ? host.substring(elision + 2) : "";
    List<String> groups = new ArrayList<>();
    if (!head.isEmpty()) {
      groups.addAll(List.of(head.split(":", -1)));
    }
    if (!tail.isEmpty()) {
      groups.addAll(List.of(tail.split(":", -1)));
    }
    int width = 0;
    for (int i = 0; i < groups.size(); i++) {
      String group = groups.get(i);
      if (i == groups.size() - 1 && group.contains(".")) {
        if (!isIpv4(group)) {
          return false;
        }
        width += 2;
      } else if (HEX_GROUP.matcher(group).matches()) {
        width += 1;
      } else {
        return false;
      }
    }
    return elision >= 0 ? width <= 7 : width == 8;
  }

  static boolean isDnsName(String host) {
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    if (name.isEmpty() || name.length() > 253 || DIGITS_AND_DOTS.matcher(name).matches()) {
      return false; // all digits and dots: a malformed IPv4 literal, not a name
    }
    for (String label : name.split("\\.", -1)) {
      if (!DNS_LABEL.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }
}
