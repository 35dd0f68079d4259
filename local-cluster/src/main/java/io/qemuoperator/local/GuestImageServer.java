package io.qemuoperator.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * The local cluster's source of guest disk images, as a web server a real cluster's users would
 * have (an object store, an image mirror): serves the files of one folder over HTTP, read-only, so
 * a QemuVM's {@code disks[].source.url} can name {@code http://127.0.0.1:8555/test-guest.qcow2}.
 * Only plain names directly in the folder are served ({@code GET} and {@code HEAD}); symbolic links
 * are followed (the launcher links the cached guest builds in), nothing outside the folder is
 * reachable. JDK's {@code SimpleFileServer} was not used because it refuses symbolic links.
 */
final class GuestImageServer implements AutoCloseable {
  /** Where {@code up} serves images unless {@code QEMU_OPERATOR_IMAGES_ADDRESS} says otherwise. */
  static final String DEFAULT_ADDRESS = "127.0.0.1:8555";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

  private final HttpServer server;
  private final ExecutorService threads;
  private final Path folder;

  private GuestImageServer(HttpServer server, ExecutorService threads, Path folder) {
    this.server = server;
    this.threads = threads;
    this.folder = folder;
  }

  /** Serves {@code folder} on {@code address} ({@code HOST:PORT}; port 0 picks a free one). */
  static GuestImageServer start(Path folder, String address) throws IOException {
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("image server address must be HOST:PORT, got " + address);
    }
    var socket =
        new InetSocketAddress(
            address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
    HttpServer server = HttpServer.create(socket, 16);
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    var images = new GuestImageServer(server, threads, folder.toAbsolutePath().normalize());
    server.createContext("/", images::handle);
    server.setExecutor(threads);
    server.start();
    return images;
  }

  /** The base URL, ending in {@code /}. */
  URI url() {
    InetSocketAddress bound = server.getAddress();
    return URI.create(
        "http://" + bound.getAddress().getHostAddress() + ":" + bound.getPort() + "/");
  }

  Path folder() {
    return folder;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        text(exchange, 405, "only GET and HEAD\n");
        return;
      }
      String name = exchange.getRequestURI().getPath().substring(1);
      Path file = folder.resolve(name);
      if (!NAME.matcher(name).matches() || !Files.isRegularFile(file)) {
        text(exchange, 404, "no image " + name + " in " + folder + "\n");
        return;
      }
      long size = Files.size(file);
      exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
      if (method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Content-Length", Long.toString(size));
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, size);
      try (InputStream in = Files.newInputStream(file);
          OutputStream out = exchange.getResponseBody()) {
        in.transferTo(out);
      }
    }
  }

  private static void text(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
    threads.close();
  }
}
