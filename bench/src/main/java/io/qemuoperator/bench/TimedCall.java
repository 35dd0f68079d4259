package io.qemuoperator.bench;

/** One call on a measured path; timed from just before to just after, sequentially. */
@FunctionalInterface
interface TimedCall {
  void run() throws Exception;

  /** Runs the call {@code times} times without recording (warm-up). */
  default void repeat(int times) throws Exception {
    for (int i = 0; i < times; i++) {
      run();
    }
  }

  /** Runs the call {@code times} times, adding each elapsed time to {@code sample}. */
  default void record(int times, LatencySample sample) throws Exception {
    for (int i = 0; i < times; i++) {
      long started = System.nanoTime();
      run();
      sample.add(System.nanoTime() - started);
    }
  }
}
