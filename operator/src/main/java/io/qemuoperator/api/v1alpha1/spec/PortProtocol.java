package io.qemuoperator.api.v1alpha1.spec;

/** A forwarded port's protocol. */
public enum PortProtocol {
  TCP,
  UDP
}
