package io.qemuoperator.local;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The VM table ({@link VmTable}) as {@code up} keeps showing it: on a terminal redrawn in place
 * (cursor up over the last table, erase, print), elsewhere (a log, a pipe) the header once, then
 * each row when it changed, AGE aside, aligned with the whole current table.
 */
final class TerminalTable {
  private final PrintStream out;
  private final boolean tty;

  /** Each VM's row as last printed, without AGE (not a terminal). */
  private final Map<String, List<String>> printed = new HashMap<>();

  private int shownLines;
  private boolean headerShown;

  TerminalTable(PrintStream out, boolean tty) {
    this.out = out;
    this.tty = tty;
  }

  /** Shows {@code rows} ({@link VmTable#rows}), then flushes. */
  void show(List<List<String>> rows) {
    List<String> lines = VmTable.format(rows);
    if (tty) {
      if (shownLines > 0) {
        out.print("\033[" + shownLines + "A\033[J");
      }
      lines.forEach(out::println);
      shownLines = lines.size();
    } else {
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
  }
}
