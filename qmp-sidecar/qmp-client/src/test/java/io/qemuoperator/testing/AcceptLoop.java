package io.qemuoperator.testing;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * A test stand-in's accept loop: accepts connections on a platform thread, serves each on a virtual
 * thread of its own, and ends when accepting fails (the server socket was closed).
 *
 * <p>The loop must not run on a virtual thread: closing a socket that a virtual thread waits on in
 * {@code accept()} is deferred until that thread runs again, and until then the port still takes
 * connections. On a busy machine that made a "nothing listens" test see an accepted connection.
 */
public final class AcceptLoop {
  private AcceptLoop() {}

  /** Accepts one connection; throws once the server socket is closed. */
  @FunctionalInterface
  public interface Accept<C> {
    C next() throws IOException;
  }

  /** Starts the loop on a daemon platform thread named {@code name}, and returns that thread. */
  public static <C> Thread start(String name, Accept<C> accept, Consumer<C> serve) {
    return Thread.ofPlatform()
        .daemon()
        .name(name)
        .start(
            () -> {
              while (true) {
                C connection;
                try {
                  connection = accept.next();
                } catch (IOException closed) {
                  return;
                }
                Thread.ofVirtual().start(() -> serve.accept(connection));
              }
            });
  }
}
