package io.qemuoperator.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.qemuoperator.sidecar.api.SidecarPaths;
import io.qemuoperator.testing.GuestShell;
import io.qemuoperator.testing.TestGuest;
import io.qemuoperator.testing.TestingQemu;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The device commands the operator sends for {@code disks[].ioLimits}, {@code network.link} and a
 * CD-ROM's media, with the arguments it sends, as the booted test guest sees them: checked from
 * inside the guest through its serial console ({@link GuestShell}).
 */
class GuestDevicesIT {
  private static final Duration BOOT = Duration.ofSeconds(90); // TCG on a loaded machine
  private static final Duration COMMAND = Duration.ofSeconds(60);
  private static final long MIB = 1L << 20;

  @RegisterExtension
  final SidecarOnQemu vm =
      new SidecarOnQemu(
          TestingQemu.Options.defaults()
              .withPaused(false)
              .withGuest(TestGuest.find())
              // a CD-ROM the guest can see, as the operator attaches one: the cloud kernel has no
              // AHCI driver for the machine's own ide-cd
              .withExtraArgs(
                  "-device",
                  "virtio-scsi-pci,id=scsi0",
                  "-drive",
                  "if=none,id=cd1,media=cdrom,readonly=on",
                  "-device",
                  "scsi-cd,drive=cd1,bus=scsi0.0,id=cd1-dev"));

  private GuestShell shell;

  @BeforeEach
  void guestBooted() {
    Awaitility.await("the test guest's ready line on its serial console")
        .atMost(BOOT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                Files.exists(vm.qemu().serialLog())
                    && Files.readString(vm.qemu().serialLog()).contains(TestGuest.READY));
    shell = GuestShell.of(vm.qemu());
  }

  @AfterEach
  void closeShell() {
    if (shell != null) {
      shell.close();
    }
  }

  /** bps_rd 4 MiB/s on the drive id: the guest's O_DIRECT read runs within 15 % of it. */
  @Test
  void ioThrottleCapsWhatTheGuestReads() {
    long cap = 4 * MIB;
    var answer =
        vm.sidecar()
            .command(
                "block_set_io_throttle",
                "{\"device\":\"drive0\",\"bps\":0,\"bps_rd\":"
                    + cap
                    + ",\"bps_wr\":0,\"iops\":0,\"iops_rd\":0,\"iops_wr\":0}");
    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    var state = vm.sidecar().get(SidecarPaths.STATE, true);
    assertThat(state.text()).as("query-block reports the limit").contains("\"bps_rd\":" + cap);

    // 12 MiB at 4 MiB/s: about 3 s, so the bucket's first burst weighs little
    String dd = shell.run(READ_12_MIB, COMMAND);
    double rate = bytesPerSecond(dd);
    System.out.printf("guest read %.2f MiB/s under a %d MiB/s cap%n", rate / MIB, cap / MIB);
    assertThat(rate).as(dd).isBetween(cap * 0.85, cap * 1.15);
  }

  @Test
  void setLinkDropsAndRestoresTheGuestsCarrier() throws Exception {
    long from = watch("carrier=$(cat /sys/class/net/eth0/carrier)");
    awaitOnConsole(from, "carrier=1");
    var down = vm.sidecar().command("set_link", "{\"name\":\"nic0\",\"up\":false}");
    assertThat(down.status()).as(down.text()).isEqualTo(200);
    long afterDown = awaitOnConsole(from, "carrier=0");
    var up = vm.sidecar().command("set_link", "{\"name\":\"nic0\",\"up\":true}");
    assertThat(up.status()).as(up.text()).isEqualTo(200);
    awaitOnConsole(afterDown, "carrier=1");
  }

  /**
   * The seed's {@code change} (translated to {@code blockdev-change-medium} on modern QEMU) puts a
   * new medium in the CD-ROM, which the guest reads; {@code eject} leaves it without one.
   */
  @Test
  void changeGivesTheGuestANewMediumAndEjectTakesItAway() throws Exception {
    String label = "qemu-operator medium two";
    Path medium = vm.qemu().dir().resolve("media2.raw");
    byte[] bytes = new byte[1 << 20];
    byte[] text = label.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(text, 0, bytes, 0, text.length);
    Files.write(medium, bytes);
    long from = watch("cd=$(head -c 24 /dev/sr0 2>&1)");

    var change =
        vm.sidecar()
            .command(
                "change", "{\"device\":\"cd1\",\"target\":\"" + medium + "\",\"arg\":\"raw\"}");
    assertThat(change.status()).as(change.text()).isEqualTo(200);
    assertThat(vm.sidecar().get(SidecarPaths.STATE, true).text()).contains(medium.toString());
    long read = awaitOnConsole(from, "cd=" + label);

    var eject = vm.sidecar().command("eject", "{\"device\":\"cd1\",\"force\":true}");
    assertThat(eject.status()).as(eject.text()).isEqualTo(200);
    awaitOnConsole(read, "No medium found");
  }

  /**
   * Starts a loop in the guest that prints {@code line} (expanded by the guest's shell) on its
   * console five times a second: one typed command per test, the rest is read from the console. The
   * loop writes through the kernel's log at level 2 (shown on the console despite {@code quiet}),
   * not the shell's terminal, where a background job may be stopped. Answers the console log's
   * length before.
   */
  private long watch(String line) throws Exception {
    long from = Files.size(vm.qemu().serialLog());
    shell.run(
        "(while :; do echo \"<2>"
            + line
            + "\" >/dev/kmsg; sleep 0.2; done) </dev/null >/dev/null"
            + " 2>&1 & true",
        COMMAND);
    return from;
  }

  /** Waits until the console log shows {@code text} after offset {@code from}; answers where. */
  private long awaitOnConsole(long from, String text) throws Exception {
    long[] at = new long[1];
    try {
      Awaitility.await("'" + text + "' on the guest's console")
          .atMost(COMMAND)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                String since = console(from);
                int index = since.indexOf(text);
                at[0] = from + index + text.length();
                return index >= 0;
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      String tail = console(0);
      throw new AssertionError(
          "no '"
              + text
              + "' on the console; its end:\n"
              + tail.substring(Math.max(0, tail.length() - 1500)),
          e);
    }
    return at[0];
  }

  private String console(long from) throws Exception {
    byte[] all = Files.readAllBytes(vm.qemu().serialLog());
    return new String(all, (int) from, all.length - (int) from, StandardCharsets.US_ASCII);
  }

  /**
   * 12 MiB read from the disk with O_DIRECT (no page cache), timed by the guest's own clock: its
   * uptime before and after (busybox dd prints no rate).
   */
  private static final String READ_12_MIB =
      "cut -d' ' -f1 /proc/uptime;dd if=/dev/vda of=/dev/null bs=64k count=192 iflag=direct;"
          + "cut -d' ' -f1 /proc/uptime";

  private static double bytesPerSecond(String output) {
    Matcher m =
        Pattern.compile("^([0-9.]+)\\n192\\+0 records in\\n192\\+0 records out\\n([0-9.]+)$")
            .matcher(output);
    assertThat(m.matches()).as("two uptimes around dd's records in: " + output).isTrue();
    return 192 * 65536 / (Double.parseDouble(m.group(2)) - Double.parseDouble(m.group(1)));
  }
}
