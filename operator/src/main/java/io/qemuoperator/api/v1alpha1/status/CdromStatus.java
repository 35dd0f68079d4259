package io.qemuoperator.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/** A CD-ROM as QEMU reports it ({@code query-block}), never as the spec declares it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "file", "trayOpen", "locked"})
public class CdromStatus {

  @JsonPropertyDescription("The CD-ROM's name (QEMU's drive id).")
  private String name;

  @JsonPropertyDescription(
      "The medium QEMU has inserted, relative to the claim's root (the path QEMU reports when it"
          + " is outside it); unset: the drive is empty.")
  private String file;

  @JsonPropertyDescription("Whether the drive's tray is open, when QEMU reports it.")
  private Boolean trayOpen;

  @JsonPropertyDescription("Whether the guest has locked the tray (prevent medium removal).")
  private Boolean locked;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getFile() {
    return file;
  }

  public void setFile(String file) {
    this.file = file;
  }

  public Boolean getTrayOpen() {
    return trayOpen;
  }

  public void setTrayOpen(Boolean trayOpen) {
    this.trayOpen = trayOpen;
  }

  public Boolean getLocked() {
    return locked;
  }

  public void setLocked(Boolean locked) {
    this.locked = locked;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CdromStatus c
        && Objects.equals(name, c.name)
        && Objects.equals(file, c.file)
        && Objects.equals(trayOpen, c.trayOpen)
        && Objects.equals(locked, c.locked);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, file, trayOpen, locked);
  }

  @Override
  public String toString() {
    return "CdromStatus{name=%s, file=%s, trayOpen=%s, locked=%s}"
        .formatted(name, file, trayOpen, locked);
  }
}
