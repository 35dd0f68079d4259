package io.qemuoperator.operator.reconcile;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How often this operator process recorded each Event (by name), for the most recent ones: a repeat
 * is then one patch of the count, with no read. Bounded: the oldest are forgotten, and an Event
 * that is no longer known is found again through the API server.
 */
public final class EventCounts {
  static final int CAPACITY = 4096;

  private final Map<String, Integer> counts =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
          return size() > CAPACITY;
        }
      };

  synchronized Integer get(String name) {
    return counts.get(name);
  }

  synchronized void put(String name, int count) {
    counts.put(name, count);
  }

  synchronized void remove(String name) {
    counts.remove(name);
  }
}
