package io.qemuoperator.local;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.qemuoperator.api.v1alpha1.QemuVM;
import io.qemuoperator.api.v1alpha1.QemuVMApi;
import io.qemuoperator.api.v1alpha1.status.Condition;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serial;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * {@code local-cluster/qemu-operator-local}: a local cluster ({@link LocalCluster}) and a small
 * kubectl for its QemuVMs.
 *
 * <pre>
 * up [-f PATH]... [--until-ready] [--timeout 120s]   start the cluster, apply, show progress
 * apply -f PATH...                                    create or update QemuVMs
 * get                                                 the QemuVM table
 * describe NAME                                       spec, status, conditions, recent Events
 * delete NAME                                         delete a QemuVM and wait until it is gone
 * </pre>
 *
 * <p>{@code up} runs on the cluster of {@code --kubeconfig FILE} (the launcher {@code
 * local-cluster/qemu-operator-local} starts a real kube-apiserver and passes its kubeconfig; {@code
 * --api-server mock} there) or, without it, on Fabric8's mock API server in this process. It writes
 * the server's URL (and the kubeconfig, if any) to a state file ({@code
 * $QEMU_OPERATOR_LOCAL_STATE}, default {@code ~/.cache/qemu-operator/local-cluster}) that the other
 * subcommands read. With {@code --kubeconfig FILE}, every subcommand uses that cluster.
 *
 * <p>Exit codes: 0 done; 1 not every VM became ready in time, or an API error; 2 a usage error or
 * an invalid manifest; 3 QEMU is missing.
 */
public final class LocalCli {
  static final int OK = 0;
  static final int NOT_READY = 1;
  static final int USAGE = 2;
  static final int NO_QEMU = 3;

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;

  LocalCli(PrintStream out, PrintStream err, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "" : args[0];
    if (System.getProperty("org.slf4j.simpleLogger.logFile") == null) {
      if (command.equals("up")) {
        // The operator's log goes to a file: the terminal shows the table.
        Path dir = Files.createTempDirectory("qemu-operator-local-");
        System.setProperty("qemu-operator.local.workDir", dir.toString());
        System.setProperty(
            "org.slf4j.simpleLogger.logFile", dir.resolve("operator.log").toString());
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
      } else {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
      }
    }
    int code = new LocalCli(System.out, System.err, System.getenv()).run(args);
    System.out.flush();
    System.exit(code);
  }

  int run(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println(usage());
      return USAGE;
    }
    try {
      return switch (options.command) {
        case "up" -> up(options);
        case "apply" -> {
          try (KubernetesClient client = connect(options)) {
            yield apply(client, options);
          }
        }
        case "get" -> {
          try (KubernetesClient client = connect(options)) {
            VmTable.format(VmTable.rows(list(client, options), Instant.now()))
                .forEach(out::println);
            yield OK;
          }
        }
        case "describe" -> {
          try (KubernetesClient client = connect(options)) {
            yield describe(client, options);
          }
        }
        case "delete" -> {
          try (KubernetesClient client = connect(options)) {
            yield delete(client, options);
          }
        }
        case "restart" -> {
          try (KubernetesClient client = connect(options)) {
            yield restart(client, options);
          }
        }
        case "help", "-h", "--help" -> {
          out.println(usage());
          yield OK;
        }
        default -> {
          err.println("error: unknown command '" + options.command + "'");
          err.println(usage());
          yield USAGE;
        }
      };
    } catch (NoClusterException | IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      return USAGE;
    } catch (KubernetesClientException e) {
      err.println("error: the API server answered: " + e.getMessage());
      return NOT_READY;
    }
  }

  static String usage() {
    return """
        usage: qemu-operator-local COMMAND [options]
          up [-f DIR|FILE]... [--until-ready] [--timeout 120s] [--api-server real|mock]
                          start a local cluster (API server, operator, node agent running real
                          QEMU), apply the manifests, show the VMs until Ctrl-C; with
                          --until-ready, exit 0 once every VM is Ready (non-zero on timeout).
                          real (default): kube-apiserver v1.20 + etcd + kube-controller-manager,
                          started for this run; mock: Fabric8's in-memory mock, in this process
          apply -f DIR|FILE...   create or update QemuVMs (validated first)
          get                    list QemuVMs (NAME PHASE RUNSTATE CPUS MEMORY AGE)
          describe NAME          spec, status, conditions and recent Events of a QemuVM
          delete NAME            delete a QemuVM and wait until it is gone
          restart NAME [--until-ready]
                                 restart a QemuVM gracefully (power-down, grace period, new
                                 QEMU; disks kept): sets the annotation qemu-operator.io/restartedAt
                                 to now, as kubectl rollout restart does; it also applies pending
                                 boot-time changes of a VM with updateStrategy: Manual
        options: -n/--namespace NS (default: default), --kubeconfig FILE (a real cluster)
        The other commands reach the cluster of a running 'up' through its state file
        ($QEMU_OPERATOR_LOCAL_STATE, default ~/.cache/qemu-operator/local-cluster).""";
  }

  // --- up ---

  private int up(Options options) {
    Optional<List<Manifests.Manifest>> loaded = load(options);
    if (loaded.isEmpty()) {
      return USAGE;
    }
    List<Manifests.Manifest> manifests = loaded.get();
    // the node agent runs every VM pod as QEMU on this machine, whichever the API server
    Optional<String> missing = missingQemu();
    if (missing.isPresent()) {
      err.println("error: " + missing.get());
      return NO_QEMU;
    }
    Path workDir;
    try {
      String configured = System.getProperty("qemu-operator.local.workDir");
      workDir =
          configured != null
              ? Path.of(configured)
              : Files.createTempDirectory("qemu-operator-local-");
    } catch (IOException e) {
      err.println("error: " + e.getMessage());
      return USAGE;
    }
    err.println("starting the local cluster (work dir and operator log: " + workDir + ")");
    try (LocalCluster cluster = LocalCluster.start(options.kubeconfig, workDir)) {
      Path state = statePath();
      writeState(state, cluster.apiServerUrl(), options.kubeconfig);
      // on SIGTERM or Ctrl-C the JVM runs its hooks, not this method's finally
      Thread stateCleanup = new Thread(() -> deleteState(state, cluster.apiServerUrl()));
      Runtime.getRuntime().addShutdownHook(stateCleanup);
      try {
        err.println(
            "API server "
                + cluster.apiServerUrl()
                + (cluster.isMock() ? " (Fabric8 mock, CRUD)" : "")
                + "; state file "
                + state);
        try {
          Manifests.apply(cluster.client(), options.namespace, manifests).forEach(err::println);
        } catch (Manifests.InvalidManifestException e) {
          err.println("error: " + e.getMessage());
          return USAGE;
        }
        return watch(cluster.client(), options);
      } finally {
        deleteState(state, cluster.apiServerUrl());
        try {
          Runtime.getRuntime().removeShutdownHook(stateCleanup);
        } catch (IllegalStateException e) {
          // the JVM is shutting down: the hook runs anyway
        }
      }
    }
  }

  /** Shows the table until every VM is ready (with --until-ready) or forever. */
  private int watch(KubernetesClient client, Options options) {
    boolean tty = options.tty.orElse("1".equals(env.get("QEMU_OPERATOR_LOCAL_TTY")));
    Instant deadline = Instant.now().plus(options.timeout);
    Map<String, List<String>> printed = new HashMap<>();
    int shownLines = 0;
    boolean headerShown = false;
    while (true) {
      List<QemuVM> vms;
      try {
        vms = list(client, options);
      } catch (KubernetesClientException e) {
        if (Thread.interrupted()) {
          return NOT_READY; // Ctrl-C (or an interrupt) while reading: stop watching
        }
        throw e;
      }
      Instant now = Instant.now();
      List<List<String>> rows = VmTable.rows(vms, now);
      if (tty) {
        if (shownLines > 0) {
          out.print("\033[" + shownLines + "A\033[J");
        }
        List<String> lines = VmTable.format(rows);
        lines.forEach(out::println);
        shownLines = lines.size();
      } else {
        // the rows that changed (AGE aside), aligned with the whole current table
        List<String> lines = VmTable.format(rows);
        if (!headerShown) {
          out.println(lines.get(0));
          headerShown = true;
        }
        for (int i = 0; i < rows.size(); i++) {
          List<String> row = rows.get(i);
          List<String> withoutAge = row.subList(0, row.size() - 1);
          if (!withoutAge.equals(printed.get(row.get(0)))) {
            printed.put(row.get(0), withoutAge);
            out.println(lines.get(i + 1));
          }
        }
      }
      out.flush();
      if (options.untilReady) {
        if (!vms.isEmpty() && vms.stream().allMatch(VmTable::isReady)) {
          out.println("all " + vms.size() + " VMs are Ready");
          return OK;
        }
        if (now.isAfter(deadline)) {
          out.println("not every VM became Ready within " + human(options.timeout) + ":");
          for (QemuVM vm : vms) {
            if (!VmTable.isReady(vm)) {
              out.println("  " + vm.getMetadata().getName() + ": " + reasons(vm));
            }
          }
          if (vms.isEmpty()) {
            out.println("  no QemuVM in namespace " + options.namespace);
          }
          return NOT_READY;
        }
      }
      try {
        TimeUnit.MILLISECONDS.sleep(500);
      } catch (InterruptedException e) {
        // an interrupt means "stop watching"; the flag stays clear so the cluster can shut down
        return NOT_READY;
      }
    }
  }

  /** Why a VM is not ready, from its Ready and Synced conditions. */
  static String reasons(QemuVM vm) {
    List<String> parts = new ArrayList<>();
    for (String type : List.of("Ready", "Synced", "SpecValid")) {
      VmTable.condition(vm, type)
          .filter(c -> !(type.equals("SpecValid") && Condition.TRUE.equals(c.getStatus())))
          .ifPresent(
              c ->
                  parts.add(
                      type
                          + "="
                          + c.getStatus()
                          + " "
                          + c.getReason()
                          + (c.getMessage() == null ? "" : ": " + c.getMessage())));
    }
    return parts.isEmpty()
        ? "no status yet (the operator has not reported)"
        : String.join("; ", parts);
  }

  // --- apply, describe, delete ---

  private int apply(KubernetesClient client, Options options) {
    if (options.files.isEmpty()) {
      err.println("error: apply needs -f DIR|FILE");
      return USAGE;
    }
    Optional<List<Manifests.Manifest>> manifests = load(options);
    if (manifests.isEmpty()) {
      return USAGE;
    }
    try {
      Manifests.apply(client, options.namespace, manifests.get()).forEach(out::println);
      return OK;
    } catch (Manifests.InvalidManifestException e) {
      err.println("error: invalid manifests, nothing applied:\n" + e.getMessage());
      return USAGE;
    }
  }

  /**
   * Every manifest {@code -f} names; empty, the error printed, when one is unreadable or invalid.
   */
  private Optional<List<Manifests.Manifest>> load(Options options) {
    List<Manifests.Manifest> manifests = new ArrayList<>();
    for (Path path : options.files) {
      try {
        manifests.addAll(Manifests.load(path));
      } catch (Manifests.InvalidManifestException e) {
        err.println("error: invalid manifests, nothing applied:\n" + e.getMessage());
        return Optional.empty();
      } catch (IOException e) {
        err.println("error: " + e.getMessage());
        return Optional.empty();
      }
    }
    return Optional.of(manifests);
  }

  private int describe(KubernetesClient client, Options options) {
    String name = options.name("describe");
    QemuVM vm = client.resources(QemuVM.class).inNamespace(options.namespace).withName(name).get();
    if (vm == null) {
      err.println("error: qemuvm " + name + " not found in namespace " + options.namespace);
      return NOT_READY;
    }
    Instant now = Instant.now();
    out.println("Name:       " + name);
    out.println("Namespace:  " + options.namespace);
    out.println("Age:        " + VmTable.age(vm.getMetadata().getCreationTimestamp(), now));
    out.println("Generation: " + vm.getMetadata().getGeneration());
    out.println("Spec:");
    indent(Serialization.asYaml(vm.getSpec()));
    var status = vm.getStatus();
    if (status == null) {
      out.println("Status:     (none yet)");
    } else {
      var copy = Serialization.clone(status);
      copy.setConditions(null);
      out.println("Status:");
      indent(Serialization.asYaml(copy));
      out.println("Conditions:");
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("TYPE", "STATUS", "REASON", "MESSAGE"));
      for (Condition c : Optional.ofNullable(status.getConditions()).orElse(List.of())) {
        rows.add(
            List.of(
                c.getType(),
                c.getStatus(),
                Optional.ofNullable(c.getReason()).orElse(""),
                Optional.ofNullable(c.getMessage()).orElse("")));
      }
      columns(rows).forEach(line -> out.println("  " + line));
    }
    List<Event> events =
        client.v1().events().inNamespace(options.namespace).list().getItems().stream()
            .filter(e -> name.equals(e.getInvolvedObject().getName()))
            .filter(e -> "QemuVM".equals(e.getInvolvedObject().getKind()))
            .sorted(Comparator.comparing(e -> Optional.ofNullable(e.getLastTimestamp()).orElse("")))
            .toList();
    out.println("Events:" + (events.isEmpty() ? "  <none>" : ""));
    if (!events.isEmpty()) {
      List<List<String>> rows = new ArrayList<>();
      rows.add(List.of("TYPE", "REASON", "AGE", "MESSAGE"));
      for (Event e : events.subList(Math.max(0, events.size() - 20), events.size())) {
        rows.add(
            List.of(
                e.getType(),
                e.getReason(),
                // as kubectl describe: "5m (x3 over 12m)" for an Event that happened three times
                e.getCount() == null || e.getCount() <= 1
                    ? VmTable.age(e.getLastTimestamp(), now)
                    : VmTable.age(e.getLastTimestamp(), now)
                        + " (x"
                        + e.getCount()
                        + " over "
                        + VmTable.age(e.getFirstTimestamp(), now)
                        + ")",
                e.getMessage()));
      }
      columns(rows).forEach(line -> out.println("  " + line));
    }
    return OK;
  }

  private int delete(KubernetesClient client, Options options) {
    String name = options.name("delete");
    var resource = client.resources(QemuVM.class).inNamespace(options.namespace).withName(name);
    if (resource.get() == null) {
      err.println("error: qemuvm " + name + " not found in namespace " + options.namespace);
      return NOT_READY;
    }
    resource.delete();
    try {
      resource.waitUntilCondition(
          vm -> vm == null, options.timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (KubernetesClientException e) {
      err.println(
          "error: qemuvm "
              + name
              + " still there after "
              + human(options.timeout)
              + " (finalizer)");
      return NOT_READY;
    }
    out.println("qemuvm/" + name + " deleted");
    return OK;
  }

  /**
   * Asks for a graceful restart: the annotation {@code qemu-operator.io/restartedAt} set to now (a
   * merge patch, so nothing else of the QemuVM is touched). With {@code --until-ready}, waits until
   * the VM runs a new pod (another launch revision) and is Ready again.
   */
  private int restart(KubernetesClient client, Options options) {
    String name = options.name("restart");
    var resource = client.resources(QemuVM.class).inNamespace(options.namespace).withName(name);
    QemuVM before = resource.get();
    if (before == null) {
      err.println("error: qemuvm " + name + " not found in namespace " + options.namespace);
      return NOT_READY;
    }
    String at = Instant.now().toString();
    resource.patch(
        PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\""
            + QemuVMApi.RESTARTED_AT_ANNOTATION
            + "\":\""
            + at
            + "\"}}}");
    out.println(
        "qemuvm/"
            + name
            + " restart requested ("
            + QemuVMApi.RESTARTED_AT_ANNOTATION
            + "="
            + at
            + ")");
    if (!options.untilReady) {
      return OK;
    }
    String revision = launchRevision(before);
    try {
      resource.waitUntilCondition(
          vm ->
              vm != null
                  && !Objects.equals(launchRevision(vm), revision)
                  && launchRevision(vm) != null
                  && VmTable.isReady(vm),
          options.timeout.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (KubernetesClientException e) {
      err.println(
          "error: qemuvm " + name + " not restarted and Ready after " + human(options.timeout));
      return NOT_READY;
    }
    out.println("qemuvm/" + name + " restarted and Ready");
    return OK;
  }

  private static String launchRevision(QemuVM vm) {
    return vm.getStatus() == null || vm.getStatus().getIntent() == null
        ? null
        : vm.getStatus().getIntent().getLaunchRevision();
  }

  private void indent(String yaml) {
    yaml.lines().filter(l -> !l.equals("---")).forEach(l -> out.println("  " + l));
  }

  private static List<String> columns(List<List<String>> rows) {
    int[] widths = new int[rows.get(0).size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], String.valueOf(row.get(i)).length());
      }
    }
    List<String> lines = new ArrayList<>();
    for (List<String> row : rows) {
      var line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        String cell = String.valueOf(row.get(i));
        line.append(i == row.size() - 1 ? cell : cell + " ".repeat(widths[i] - cell.length() + 3));
      }
      lines.add(line.toString().stripTrailing());
    }
    return lines;
  }

  // --- the cluster ---

  private List<QemuVM> list(KubernetesClient client, Options options) {
    return client.resources(QemuVM.class).inNamespace(options.namespace).list().getItems();
  }

  private KubernetesClient connect(Options options) {
    if (options.kubeconfig.isPresent()) {
      return connect(options.kubeconfig.get());
    }
    Path state = statePath();
    Properties properties = new Properties();
    try (var in = Files.newInputStream(state)) {
      properties.load(in);
    } catch (IOException e) {
      throw new NoClusterException(
          "no local cluster is running (no state file "
              + state
              + "): start one with 'qemu-operator-local up', or pass --kubeconfig FILE");
    }
    long pid = Long.parseLong(properties.getProperty("pid", "-1"));
    if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
      throw new NoClusterException(
          "the local cluster of state file " + state + " is gone (process " + pid + " ended)");
    }
    String kubeconfig = properties.getProperty("kubeconfig");
    if (kubeconfig != null) {
      return connect(Path.of(kubeconfig));
    }
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(properties.getProperty("server"))
            .withTrustCerts(true)
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static KubernetesClient connect(Path kubeconfig) {
    try {
      return new KubernetesClientBuilder().withConfig(Kubeconfig.read(kubeconfig)).build();
    } catch (UncheckedIOException e) {
      throw new NoClusterException(e.getMessage());
    }
  }

  Path statePath() {
    String configured = env.get("QEMU_OPERATOR_LOCAL_STATE");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "qemu-operator", "local-cluster");
  }

  private void writeState(Path state, String url, Optional<Path> kubeconfig) {
    try {
      Files.createDirectories(state.toAbsolutePath().getParent());
      Files.writeString(
          state,
          "# written by qemu-operator-local up; removed when it stops\nserver="
              + url
              + "\npid="
              + ProcessHandle.current().pid()
              + "\n"
              + kubeconfig.map(k -> "kubeconfig=" + k.toAbsolutePath() + "\n").orElse(""));
    } catch (IOException e) {
      err.println("warning: cannot write the state file " + state + ": " + e.getMessage());
    }
  }

  private static void deleteState(Path state, String url) {
    try {
      if (Files.readString(state).contains("server=" + url + "\n")) {
        Files.delete(state);
      }
    } catch (IOException e) {
      // already gone, or another 'up' owns it now
    }
  }

  /** Why this machine cannot run VMs, if it cannot. */
  Optional<String> missingQemu() {
    String qemu = env.getOrDefault("QEMU_SYSTEM", "qemu-system-x86_64");
    List<String> missing = new ArrayList<>();
    if (!onPath(qemu)) {
      missing.add(qemu + " (Debian package qemu-system-x86)");
    }
    if (!onPath("qemu-img")) {
      missing.add("qemu-img (Debian package qemu-utils)");
    }
    if (missing.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "QEMU is missing: "
            + String.join(", ", missing)
            + ". Install it with 'apt-get install qemu-system-x86 qemu-utils', or run"
            + " 'source hack/tools.sh && qo_ensure_qemu' (the local-cluster/qemu-operator-local wrapper does"
            + " this unless QEMU_OPERATOR_NO_INSTALL=1).");
  }

  private boolean onPath(String binary) {
    if (binary.contains("/")) {
      return Files.isExecutable(Path.of(binary));
    }
    for (String dir : env.getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, binary))) {
        return true;
      }
    }
    return false;
  }

  /** Removes the VM pods' files (disk images, sockets) when {@code up} ends; the log stays. */
  static String human(Duration duration) {
    return duration.toSeconds() + "s";
  }

  static final class NoClusterException extends RuntimeException {
    @Serial private static final long serialVersionUID = 1L;

    NoClusterException(String message) {
      super(message);
    }
  }

  /** The command line. */
  static final class Options {
    String command = "";
    final List<Path> files = new ArrayList<>();
    final List<String> positional = new ArrayList<>();
    boolean untilReady;
    Duration timeout = Duration.ofSeconds(120);
    String namespace = "default";
    Optional<Path> kubeconfig = Optional.empty();
    Optional<Boolean> tty = Optional.empty();

    static Options parse(String[] args) {
      var options = new Options();
      if (args.length == 0) {
        throw new IllegalArgumentException("a command is required");
      }
      options.command = args[0];
      for (int i = 1; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "-f", "--filename" -> options.files.add(Path.of(value(args, ++i, arg)));
          case "--until-ready" -> options.untilReady = true;
          case "--timeout" -> options.timeout = duration(value(args, ++i, arg));
          case "-n", "--namespace" -> options.namespace = value(args, ++i, arg);
          case "--kubeconfig" -> options.kubeconfig = Optional.of(Path.of(value(args, ++i, arg)));
          case "--tty" -> options.tty = Optional.of(true);
          case "--no-tty" -> options.tty = Optional.of(false);
          default -> {
            if (arg.startsWith("-")) {
              throw new IllegalArgumentException("unknown option " + arg);
            }
            options.positional.add(arg);
          }
        }
      }
      return options;
    }

    String name(String command) {
      if (positional.size() != 1) {
        throw new IllegalArgumentException(command + " needs exactly one QemuVM name");
      }
      return positional.get(0);
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[i];
    }

    /** {@code 120s}, {@code 2m}, {@code 500ms} or plain seconds. */
    static Duration duration(String text) {
      var m = java.util.regex.Pattern.compile("^(\\d+)(ms|s|m|h)?$").matcher(text);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a duration: " + text + " (e.g. 120s, 2m)");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2) == null ? "s" : m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofSeconds(n);
      };
    }
  }
}
