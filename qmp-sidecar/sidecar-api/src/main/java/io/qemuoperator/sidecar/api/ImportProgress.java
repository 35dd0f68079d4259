package io.qemuoperator.sidecar.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /v1/import}'s answer, served by the VM pod's disk importer (init container {@code
 * disk-import}) while it runs: how far each disk's import is.
 *
 * @param disks every disk the importer imports, in its order
 */
public record ImportProgress(@JsonProperty("disks") List<Disk> disks) {

  public ImportProgress {
    disks = disks == null ? List.of() : List.copyOf(disks);
  }

  /** Not started yet (an earlier disk is being imported). */
  public static final String WAITING = "Waiting";

  /** Its image is being fetched. */
  public static final String FETCHING = "Fetching";

  /** Fetched; its checksum, format and size are being checked. */
  public static final String VERIFYING = "Verifying";

  /** Its verified source (or its image) is in place. */
  public static final String DONE = "Done";

  /** Its import failed (the importer ends with the reason). */
  public static final String FAILED = "Failed";

  /**
   * One disk's import.
   *
   * @param name the disk's name
   * @param url its source, without user information
   * @param phase {@link #WAITING}, {@link #FETCHING}, {@link #VERIFYING}, {@link #DONE} or {@link
   *     #FAILED}
   * @param bytesDone bytes fetched so far
   * @param bytesTotal the image's length when the source said it (HTTP Content-Length, a file's
   *     size), else null
   * @param startedAt when its fetch began (null while waiting)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Disk(
      @JsonProperty("name") String name,
      @JsonProperty("url") String url,
      @JsonProperty("phase") String phase,
      @JsonProperty("bytesDone") long bytesDone,
      @JsonProperty("bytesTotal") Long bytesTotal,
      @JsonProperty("startedAt")
          @JsonSerialize(using = ToStringSerializer.class)
          @JsonDeserialize(using = IsoInstantDeserializer.class)
          Instant startedAt) {}
}
