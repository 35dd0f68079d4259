package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A failed {@code /v1} answer (any status but 200): {@code {"error": {"class", "desc"}}}. */
public record ErrorBody(@JsonProperty("error") QmpError error) {}
