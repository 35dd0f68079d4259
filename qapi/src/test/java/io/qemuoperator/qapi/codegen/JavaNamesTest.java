package io.qemuoperator.qapi.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class JavaNamesTest {

  @Test
  void membersBecomeCamelCase() {
    assertThat(JavaNames.member("thread_id")).isEqualTo("threadId");
    assertThat(JavaNames.member("io-status")).isEqualTo("ioStatus");
    assertThat(JavaNames.member("CPU")).isEqualTo("cpu");
    assertThat(JavaNames.member("x509_dname")).isEqualTo("x509Dname");
    assertThat(JavaNames.member("mem_type_64")).isEqualTo("memType64");
  }

  @Test
  void keywordsAndRecordMethodNamesGetATrailingUnderscore() {
    assertThat(JavaNames.member("package")).isEqualTo("package_");
    assertThat(JavaNames.member("class")).isEqualTo("class_");
    assertThat(JavaNames.member("hashCode")).isEqualTo("hashcode");
    assertThat(JavaNames.member("to-string")).isEqualTo("toString_");
    assertThat(JavaNames.member("64bit")).isEqualTo("_64bit");
  }

  @Test
  void typesBecomePascalCase() {
    assertThat(JavaNames.type("VersionInfo")).isEqualTo("VersionInfo");
    assertThat(JavaNames.type("class_info")).isEqualTo("ClassInfo");
    assertThat(JavaNames.type("human-monitor-command")).isEqualTo("HumanMonitorCommand");
    assertThat(JavaNames.type("qemu")).isEqualTo("Qemu");
  }

  @Test
  void constantsBecomeUpperSnakeAndCollisionsGetNumbers() {
    assertThat(JavaNames.constant("internal-error")).isEqualTo("INTERNAL_ERROR");
    assertThat(JavaNames.unique("pc", Set.of("pc"), "")).isEqualTo("pc2");
    assertThat(JavaNames.unique("pc", Set.of("pc", "pc2"), "")).isEqualTo("pc3");
    assertThat(JavaNames.unique("UNKNOWN", Set.of(), "_")).isEqualTo("UNKNOWN");
  }
}
