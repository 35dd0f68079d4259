package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.qemuoperator.sidecar.api.MigrationInfo;
import org.junit.jupiter.api.Test;

/** {@code query-migrate}'s replies of real QEMU 7.2.22 and 10.0.2 (LiveMigrationIT's runs). */
class QueryMigrateReplyTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void neverMigratedIsNone() throws Exception {
    assertThat(QueryMigrateReply.read(JSON.readTree("{}")))
        .isEqualTo(
            new MigrationInfo(
                "none", null, null, null, null, null, null, null, null, null, null, null));
  }

  @Test
  void anActiveMigrationOnQemu72() throws Exception {
    JsonNode reply =
        JSON.readTree(
            """
            {"expected-downtime":300,"status":"active","setup-time":1,"total-time":1922,
             "ram":{"total":268967936,"postcopy-requests":0,"dirty-sync-count":1,
              "multifd-bytes":0,"pages-per-second":260,"downtime-bytes":2136398,"page-size":4096,
              "remaining":265859072,"postcopy-bytes":0,"mbps":8.53776,"transferred":2136398,
              "dirty-sync-missed-zero-copy":0,"precopy-bytes":0,"duplicate":239,
              "dirty-pages-rate":0,"skipped":0,"normal-bytes":2129920,"normal":520}}
            """);

    assertThat(QueryMigrateReply.read(reply))
        .isEqualTo(
            new MigrationInfo(
                "active",
                2136398L,
                265859072L,
                268967936L,
                1L,
                300L,
                null,
                1922L,
                1L,
                null,
                8.53776,
                null));
  }

  @Test
  void aCompletedMigrationOnQemu10() throws Exception {
    JsonNode reply =
        JSON.readTree(
            """
            {"status":"completed","setup-time":3,"downtime":102,"total-time":1921,
             "ram":{"total":268967936,"postcopy-requests":0,"dirty-sync-count":3,
              "multifd-bytes":0,"pages-per-second":105679,"downtime-bytes":114215203,
              "page-size":4096,"remaining":0,"postcopy-bytes":0,"mbps":477.3410928050052,
              "transferred":114442527,"dirty-sync-missed-zero-copy":0,"precopy-bytes":0,
              "duplicate":37919,"dirty-pages-rate":0,"normal-bytes":113651712,"normal":27747}}
            """);

    assertThat(QueryMigrateReply.read(reply))
        .isEqualTo(
            new MigrationInfo(
                "completed",
                114442527L,
                0L,
                268967936L,
                3L,
                null,
                102L,
                1921L,
                3L,
                null,
                477.3410928050052,
                null));
  }

  @Test
  void aThrottledOrFailedMigrationSaysHowMuchAndWhy() throws Exception {
    assertThat(
            QueryMigrateReply.read(
                JSON.readTree(
                    "{\"status\":\"cancelled\",\"error-desc\":\"Channel error: Input/output"
                        + " error\"}")))
        .extracting(MigrationInfo::status, MigrationInfo::errorDesc, MigrationInfo::finished)
        .containsExactly("cancelled", "Channel error: Input/output error", true);
    assertThat(
            QueryMigrateReply.read(
                    JSON.readTree(
                        "{\"status\":\"active\",\"cpu-throttle-percentage\":99,"
                            + "\"ram\":{\"mbps\":0}}"))
                .throttlePercent())
        .isEqualTo(99L);
  }
}
