package io.qemuoperator.qmp.dialect;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The seed's multiplexed {@code change}, split into the three commands that replaced it:
 *
 * <ul>
 *   <li>{@code {device: "vnc", target: "password", arg: PW}} → {@code change-vnc-password
 *       {password: PW}};
 *   <li>{@code {device: "vnc", target: URI}} → {@code display-update {type: "vnc", addresses:
 *       [SocketAddress]}}, for {@code unix:PATH} and {@code HOST:DISPLAY} (port 5900 + DISPLAY);
 *   <li>any other device, a block device → {@code blockdev-change-medium {device, filename: target,
 *       format: arg}}.
 * </ul>
 */
record ChangeCommand() implements Translation {
  private static final int VNC_BASE_PORT = 5900;

  @Override
  public String seedCommand() {
    return "change";
  }

  @Override
  public boolean availableOn(QemuOffer offer) {
    return offer.has("blockdev-change-medium")
        || offer.has("change-vnc-password")
        || offer.has("display-update");
  }

  @Override
  public CommandRoute route(ObjectNode arguments, QemuOffer offer) {
    String device = arguments.path("device").asText();
    String target = arguments.path("target").asText();
    if (!"vnc".equals(device)) {
      ObjectNode modern = arguments.objectNode().put("device", device).put("filename", target);
      if (arguments.has("arg")) {
        modern.put("format", arguments.path("arg").asText());
      }
      return send(offer, "blockdev-change-medium", modern);
    }
    if ("password".equals(target)) {
      if (!arguments.has("arg")) {
        return new CommandRoute.Refused(
            "change of the VNC password needs 'arg', the new password (an empty string forbids"
                + " every login)");
      }
      return send(
          offer,
          "change-vnc-password",
          arguments.objectNode().put("password", arguments.path("arg").asText()));
    }
    ObjectNode update = arguments.objectNode().put("type", "vnc");
    ObjectNode address = update.putArray("addresses").addObject();
    if (target.startsWith("unix:")) {
      address.put("type", "unix").put("path", target.substring("unix:".length()));
    } else {
      int colon = target.lastIndexOf(':');
      int display;
      try {
        display = colon < 0 ? -1 : Integer.parseInt(target.substring(colon + 1));
      } catch (NumberFormatException e) {
        display = -1;
      }
      if (display < 0 || display > 65535 - VNC_BASE_PORT) {
        return new CommandRoute.Refused(
            "change of the VNC address needs 'target' as unix:PATH or HOST:DISPLAY, got '"
                + target
                + "'");
      }
      String host = target.substring(0, colon);
      address
          .put("type", "inet")
          .put("host", host.isEmpty() ? "0.0.0.0" : host)
          .put("port", Integer.toString(VNC_BASE_PORT + display));
    }
    return send(offer, "display-update", update);
  }

  private static CommandRoute send(QemuOffer offer, String command, ObjectNode arguments) {
    if (!offer.has(command)) {
      return new CommandRoute.Unavailable(
          "QEMU "
              + offer.version()
              + " has neither 'change' nor '"
              + command
              + "', which replaced this form of it");
    }
    return CommandRoute.Send.translated(command, arguments);
  }
}
