package io.qemuoperator.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.qemuoperator.sidecar.api.SequencedEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QmpEventSourceTest {

  private static List<SequencedEvent> events(String... names) {
    var events = new ArrayList<SequencedEvent>();
    for (String name : names) {
      events.add(
          new SequencedEvent(
              events.size() + 1, name, JsonNodeFactory.instance.objectNode(), Instant.EPOCH));
    }
    return events;
  }

  @Test
  void theOperatorsOwnStopOrContStartsNoPass() {
    assertThat(QmpEventSource.newToTheOperator(events("STOP"), "paused")).isFalse();
    assertThat(QmpEventSource.newToTheOperator(events("RESUME"), "running")).isFalse();
  }

  @Test
  void someoneElsesStopOrResumeStartsOne() {
    assertThat(QmpEventSource.newToTheOperator(events("STOP"), "running")).isTrue();
    assertThat(QmpEventSource.newToTheOperator(events("RESUME"), "paused")).isTrue();
    assertThat(QmpEventSource.newToTheOperator(events("RESUME", "STOP"), "running")).isTrue();
  }

  @Test
  void withNoKnownRunStateEveryStopOrResumeStartsOne() {
    assertThat(QmpEventSource.newToTheOperator(events("STOP"), null)).isTrue();
  }

  @Test
  void otherStateEventsAlwaysStartOne() {
    assertThat(QmpEventSource.newToTheOperator(events("STOP", "BLOCK_IO_ERROR"), "paused"))
        .isTrue();
    assertThat(QmpEventSource.newToTheOperator(events("SHUTDOWN", "STOP"), "paused")).isTrue();
    assertThat(QmpEventSource.newToTheOperator(events("BALLOON_CHANGE"), "running")).isTrue();
  }

  @Test
  void eventsThatChangeNoStateStartNone() {
    assertThat(QmpEventSource.newToTheOperator(events("POWERDOWN"), "running")).isFalse();
    assertThat(QmpEventSource.newToTheOperator(events(), "running")).isFalse();
  }
}
