package io.qemuoperator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Reading kube-apiserver's JSON audit log (lines as v1.20 writes them, shortened). */
class AuditLogTest {
  private static final String USER =
      "\"user\":{\"username\":\"system:serviceaccount:qemu-system:qemu-operator\"}";

  @Test
  void aCompletedRequestBecomesACallWithItsNamespaceTimeAndCode() {
    String line =
        "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\","
            + "\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/namespaces/e2e-1/pods\","
            + "\"verb\":\"create\","
            + USER
            + ",\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"e2e-1\",\"name\":\"vm-qemu\","
            + "\"apiVersion\":\"v1\"},\"responseStatus\":{\"metadata\":{},\"code\":403},"
            + "\"requestReceivedTimestamp\":\"2026-11-25T14:46:30.670334Z\"}";

    assertThat(AuditLog.parse(line))
        .containsExactly(
            new AuditLog.Request(
                "system:serviceaccount:qemu-system:qemu-operator",
                "e2e-1",
                ApiCall.call("", "pods", "create"),
                Instant.parse("2026-11-25T14:46:30.670334Z"),
                403));
  }

  @Test
  void aSubresourceIsNamedAfterItsResourceAndTheGroupIsKept() {
    String line =
        "{\"stage\":\"ResponseComplete\",\"verb\":\"patch\","
            + USER
            + ",\"objectRef\":{\"resource\":\"qemuvms\",\"namespace\":\"e2e-1\",\"name\":\"vm\","
            + "\"apiGroup\":\"qemu-operator.io\",\"apiVersion\":\"v1alpha1\","
            + "\"subresource\":\"status\"},\"responseStatus\":{\"code\":200},"
            + "\"requestReceivedTimestamp\":\"2026-11-25T14:46:31Z\"}";

    assertThat(AuditLog.parse(line))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.call())
                    .isEqualTo(ApiCall.call("qemu-operator.io", "qemuvms/status", "patch")));
  }

  @Test
  void startedStagesNonResourceRequestsAndAHalfWrittenLastLineAreLeftOut() {
    String watchStarted =
        "{\"stage\":\"ResponseStarted\",\"verb\":\"watch\","
            + USER
            + ",\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"e2e-1\"},"
            + "\"responseStatus\":{\"code\":200},"
            + "\"requestReceivedTimestamp\":\"2026-11-25T14:46:31Z\"}";
    String discovery =
        "{\"stage\":\"ResponseComplete\",\"verb\":\"get\","
            + USER
            + ",\"requestURI\":\"/apis\",\"responseStatus\":{\"code\":200},"
            + "\"requestReceivedTimestamp\":\"2026-11-25T14:46:31Z\"}";
    String halfWritten = "{\"stage\":\"ResponseComplete\",\"verb\":\"li";

    assertThat(AuditLog.parse(watchStarted + "\n" + discovery + "\n" + halfWritten)).isEmpty();
  }
}
