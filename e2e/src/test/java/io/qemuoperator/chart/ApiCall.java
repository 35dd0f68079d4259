package io.qemuoperator.chart;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One permission, or one request: an API group ({@code ""} for the core group), a resource (or
 * {@code resource/subresource}) and a verb, as RBAC rules and the API server's audit log name them.
 */
record ApiCall(String group, String resource, String verb) {

  static ApiCall call(String group, String resource, String verb) {
    return new ApiCall(group, resource, verb);
  }

  /** Every call the rules of a Role or ClusterRole manifest grant, one per group×resource×verb. */
  static Set<ApiCall> grantedBy(JsonNode role) {
    var calls = new LinkedHashSet<ApiCall>();
    for (JsonNode rule : role.path("rules")) {
      calls.addAll(grantedByRule(rule));
    }
    return calls;
  }

  /** Every call one RBAC rule grants. */
  static Set<ApiCall> grantedByRule(JsonNode rule) {
    var calls = new LinkedHashSet<ApiCall>();
    for (JsonNode group : rule.path("apiGroups")) {
      for (JsonNode resource : rule.path("resources")) {
        for (JsonNode verb : rule.path("verbs")) {
          calls.add(call(group.asText(), resource.asText(), verb.asText()));
        }
      }
    }
    return calls;
  }

  /** The resource without its subresource. */
  String baseResource() {
    int slash = resource.indexOf('/');
    return slash < 0 ? resource : resource.substring(0, slash);
  }

  /** The subresource, or null. */
  String subresource() {
    int slash = resource.indexOf('/');
    return slash < 0 ? null : resource.substring(slash + 1);
  }

  @Override
  public String toString() {
    return verb + " " + (group.isEmpty() ? "" : group + "/") + resource;
  }
}
