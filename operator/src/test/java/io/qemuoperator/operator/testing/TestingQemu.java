package io.qemuoperator.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qemuoperator.operator.sidecar.SidecarException;
import io.qemuoperator.qmp.types.BalloonArguments;
import io.qemuoperator.qmp.types.BalloonInfo;
import io.qemuoperator.qmp.types.BlockDeviceInfo;
import io.qemuoperator.qmp.types.BlockDeviceIoStatus;
import io.qemuoperator.qmp.types.BlockResizeArguments;
import io.qemuoperator.qmp.types.CpuInfo;
import io.qemuoperator.qmp.types.KvmInfo;
import io.qemuoperator.qmp.types.MigrateSetDowntimeArguments;
import io.qemuoperator.qmp.types.MigrateSetSpeedArguments;
import io.qemuoperator.qmp.types.MigrationInfo;
import io.qemuoperator.qmp.types.NameInfo;
import io.qemuoperator.sidecar.api.BlockDevice;
import io.qemuoperator.sidecar.api.EventPage;
import io.qemuoperator.sidecar.api.ImageInfo;
import io.qemuoperator.sidecar.api.InsertedMedium;
import io.qemuoperator.sidecar.api.MemoryInfo;
import io.qemuoperator.sidecar.api.MigrationParameters;
import io.qemuoperator.sidecar.api.QemuVersion;
import io.qemuoperator.sidecar.api.RunStatus;
import io.qemuoperator.sidecar.api.SequencedEvent;
import io.qemuoperator.sidecar.api.VmState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One QEMU process in memory, as the sidecar of a VM pod would show it (in the wire contract's
 * records): started with {@code -S} (run state {@code prelaunch}), with the vCPUs, memory and disks
 * it was launched with. QMP commands change it as QEMU would and append QMP events, numbered as the
 * sidecar numbers them; tests can also change it behind the operator's back ({@link #stop()},
 * {@link #guestBalloon(long)}) and make a command fail ({@link #failNext}).
 *
 * <p>A guest with no operating system ignores an ACPI power-down request unless the test says it
 * acts on it ({@link #acpiShutdown(boolean)}). After {@code quit} the QEMU is gone: the sidecar
 * answers 503 {@code QmpNotConnected}.
 */
public final class TestingQemu {
  /** vCPU host thread ids: unique in this JVM, so each QEMU process has an identity of its own. */
  private static final AtomicLong THREAD_IDS = new AtomicLong(40_000);

  private static final AtomicLong INSTANCES = new AtomicLong();

  /** QEMU's defaults for {@code max-bandwidth} (bytes/s) and {@code downtime-limit} (ms). */
  static final long DEFAULT_MAX_BANDWIDTH = 128L << 20;

  static final long DEFAULT_DOWNTIME_LIMIT_MS = 300;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();

  private final String instance = "testing-sidecar-" + INSTANCES.incrementAndGet();
  private final String token;
  private final List<Long> cpuThreads;
  private final long baseMemory;
  private final Map<String, Long> disks;
  private final Map<String, Deque<String>> failures = new HashMap<>();
  private final List<SequencedEvent> events = new ArrayList<>();

  private String runState = "prelaunch";
  private long balloonActual;
  private long maxBandwidth = DEFAULT_MAX_BANDWIDTH;
  private long downtimeLimitMillis = DEFAULT_DOWNTIME_LIMIT_MS;
  private boolean acpiShutdown;
  private boolean quit;
  private boolean gone;

  /**
   * A QEMU launched with {@code cpus} vCPUs, {@code memoryBytes} of guest RAM and these disks
   * (drive id → virtual size), whose sidecar wants {@code token}.
   */
  public TestingQemu(String token, int cpus, long memoryBytes, Map<String, Long> disks) {
    this.token = token;
    var threads = new ArrayList<Long>();
    for (int i = 0; i < cpus; i++) {
      threads.add(THREAD_IDS.incrementAndGet());
    }
    this.cpuThreads = List.copyOf(threads);
    this.baseMemory = memoryBytes;
    this.balloonActual = memoryBytes;
    this.disks = new LinkedHashMap<>(disks);
  }

  String token() {
    return token;
  }

  /** {@code /v1/state}; 503 once QEMU has quit. */
  VmState state() throws SidecarException {
    lock.lock();
    try {
      requireConnected();
      var block = new ArrayList<BlockDevice>();
      disks.forEach((device, size) -> block.add(disk(device, size)));
      var cpus = new ArrayList<CpuInfo>();
      for (int i = 0; i < cpuThreads.size(); i++) {
        cpus.add(new CpuInfo(i, i == 0, false, null, null, null, null, cpuThreads.get(i)));
      }
      return new VmState(
          instance,
          1,
          lastSeq(),
          new QemuVersion("7.2.0", "testing"),
          new NameInfo(null),
          new RunStatus(runState.equals("running"), false, runState),
          new KvmInfo(false, false),
          new BalloonInfo(balloonActual, null, null, null, null, null, null),
          block,
          List.of(),
          cpus,
          new MigrationInfo(null, null, null),
          new MigrationParameters(maxBandwidth, downtimeLimitMillis),
          new MemoryInfo(baseMemory, 0L),
          "pc-q35-7.2",
          Map.of());
    } finally {
      lock.unlock();
    }
  }

  /** A qcow2 drive of {@code size} bytes, as {@code query-block} shows it. */
  private static BlockDevice disk(String device, long size) {
    var medium =
        new BlockDeviceInfo(
            "/var/lib/qemu/" + device + ".qcow2", false, "qcow2", null, false, 0, 0, 0, 0, 0, 0);
    return new BlockDevice(
        device,
        "unknown",
        false,
        false,
        new InsertedMedium(medium, new ImageInfo(size)),
        null,
        BlockDeviceIoStatus.OK);
  }

  /** Runs one QMP command as QEMU would; QEMU's error (422) when the test asked for one. */
  JsonNode execute(String command, Object arguments) throws SidecarException {
    lock.lock();
    try {
      requireConnected();
      Deque<String> failing = failures.get(command);
      if (failing != null && !failing.isEmpty()) {
        throw new SidecarException(422, "GenericError", failing.removeFirst(), null);
      }
      switch (command) {
        case "stop" -> stopLocked();
        case "cont" -> {
          if (!runState.equals("running")) {
            runState = "running";
            emit("RESUME", object());
          }
        }
        case "balloon" -> {
          long value = ((BalloonArguments) arguments).value();
          if (value != balloonActual) {
            balloonActual = value;
            emit("BALLOON_CHANGE", object().put("actual", value));
          }
        }
        case "block_resize" -> {
          var resize = (BlockResizeArguments) arguments;
          if (!disks.containsKey(resize.device())) {
            throw new SidecarException(
                422, "GenericError", "Device '" + resize.device() + "' not found", null);
          }
          disks.put(resize.device(), resize.size());
        }
        case "migrate_set_speed" -> maxBandwidth = ((MigrateSetSpeedArguments) arguments).value();
        case "migrate_set_downtime" ->
            downtimeLimitMillis =
                Math.round(((MigrateSetDowntimeArguments) arguments).value() * 1000);
        case "system_powerdown" -> {
          emit("POWERDOWN", object());
          if (acpiShutdown) {
            runState = "shutdown";
            emit("SHUTDOWN", object().put("guest", true).put("reason", "guest-shutdown"));
          }
        }
        case "quit" -> {
          quit = true;
          changed.signalAll();
        }
        default ->
            throw new SidecarException(
                422, "CommandNotFound", "The command " + command + " has not been found", null);
      }
      return object();
    } finally {
      lock.unlock();
    }
  }

  /**
   * {@code /v1/events}: the events after {@code after}, or, when there are none yet, waits up to
   * {@code wait} for one. The wait ends early when QEMU quits or the double is closed.
   */
  EventPage events(long after, Duration wait) throws SidecarException, InterruptedException {
    lock.lock();
    try {
      long left = wait.toNanos();
      while (lastSeq() <= after && !quit && !gone && left > 0) {
        left = changed.awaitNanos(left);
      }
      requireConnected();
      List<SequencedEvent> page = events.stream().filter(event -> event.seq() > after).toList();
      return new EventPage(instance, lastSeq(), false, 0, page);
    } finally {
      lock.unlock();
    }
  }

  /** The QEMU's pod is gone (or the double closed): every waiting call ends now. */
  void remove() {
    lock.lock();
    try {
      gone = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Pauses the vCPUs behind the operator's back, as {@code virsh suspend} would. */
  public void stop() {
    lock.lock();
    try {
      stopLocked();
    } finally {
      lock.unlock();
    }
  }

  /** The guest's balloon driver settles at {@code actual} bytes: a BALLOON_CHANGE event. */
  public void guestBalloon(long actual) {
    lock.lock();
    try {
      balloonActual = actual;
      emit("BALLOON_CHANGE", object().put("actual", actual));
    } finally {
      lock.unlock();
    }
  }

  /** Whether the guest shuts down on an ACPI power-down request (a guest OS that listens). */
  public void acpiShutdown(boolean acts) {
    lock.lock();
    try {
      acpiShutdown = acts;
    } finally {
      lock.unlock();
    }
  }

  /** The next {@code times} commands named {@code command} fail with QEMU's GenericError. */
  public void failNext(String command, String desc, int times) {
    lock.lock();
    try {
      Deque<String> failing = failures.computeIfAbsent(command, c -> new ArrayDeque<>());
      for (int i = 0; i < times; i++) {
        failing.addLast(desc);
      }
    } finally {
      lock.unlock();
    }
  }

  public String runState() {
    lock.lock();
    try {
      return runState;
    } finally {
      lock.unlock();
    }
  }

  public int vcpus() {
    return cpuThreads.size();
  }

  public long balloonActual() {
    lock.lock();
    try {
      return balloonActual;
    } finally {
      lock.unlock();
    }
  }

  /** The virtual size of disk {@code device}, or null when QEMU has no such drive. */
  public Long diskBytes(String device) {
    lock.lock();
    try {
      return disks.get(device);
    } finally {
      lock.unlock();
    }
  }

  public long maxBandwidth() {
    lock.lock();
    try {
      return maxBandwidth;
    } finally {
      lock.unlock();
    }
  }

  public long downtimeLimitMillis() {
    lock.lock();
    try {
      return downtimeLimitMillis;
    } finally {
      lock.unlock();
    }
  }

  public boolean hasQuit() {
    lock.lock();
    try {
      return quit;
    } finally {
      lock.unlock();
    }
  }

  private void stopLocked() {
    if (runState.equals("running")) {
      runState = "paused";
      emit("STOP", object());
    }
  }

  private void requireConnected() throws SidecarException {
    if (gone) {
      throw new SidecarException(0, "Unreachable", "the sidecar is gone with its pod", null);
    }
    if (quit) {
      throw new SidecarException(
          503, "QmpNotConnected", "QEMU's QMP monitor is not connected (QEMU has quit)", null);
    }
  }

  private long lastSeq() {
    return events.isEmpty() ? 0 : events.get(events.size() - 1).seq();
  }

  private void emit(String name, JsonNode data) {
    events.add(new SequencedEvent(lastSeq() + 1, name, data, Instant.now()));
    changed.signalAll();
  }

  private static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }
}
