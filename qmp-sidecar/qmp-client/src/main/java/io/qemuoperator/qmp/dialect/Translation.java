package io.qemuoperator.qmp.dialect;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** How a seed command that modern QEMU removed is expressed with the commands that replaced it. */
interface Translation {

  /** The seed's command name. */
  String seedCommand();

  /** True when this QEMU offers what the translation sends. */
  boolean availableOn(QemuOffer offer);

  /** The route for one call; {@code arguments} already passed the seed schema's validation. */
  CommandRoute route(ObjectNode arguments, QemuOffer offer);
}
