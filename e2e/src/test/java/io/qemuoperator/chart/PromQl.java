package io.qemuoperator.chart;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The metric names and label names a PromQL expression refers to: enough of PromQL's lexical rules
 * (strings, numbers, durations, {@code [..]} ranges, {@code {..}} matchers, function calls,
 * aggregation and vector-matching modifiers) to tell a metric name from a function, keyword or
 * label. It does not evaluate or fully validate the expression.
 */
final class PromQl {
  /** A vector selector: its metric name (absent for {@code {__name__=...}}) and matcher labels. */
  record Selector(Optional<String> metric, Set<String> matcherLabels) {}

  /** What an expression refers to: its selectors and the labels of by/without/on/ignoring/group. */
  record Query(List<Selector> selectors, Set<String> groupingLabels) {
    Set<String> metrics() {
      var names = new LinkedHashSet<String>();
      selectors.forEach(s -> s.metric().ifPresent(names::add));
      return names;
    }
  }

  private static final Set<String> GROUPING =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
  private static final Set<String> AGGREGATIONS =
      Set.of(
          "sum",
          "min",
          "max",
          "avg",
          "group",
          "stddev",
          "stdvar",
          "count",
          "count_values",
          "bottomk",
          "topk",
          "quantile",
          "limitk",
          "limit_ratio");
  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "bool", "offset", "inf", "nan", "atan2");

  private enum Kind {
    IDENT,
    STRING,
    NUMBER,
    RANGE,
    PUNCT
  }

  private record Token(Kind kind, String text) {}

  private PromQl() {}

  static Query parse(String expr) {
    List<Token> tokens = tokens(expr);
    var selectors = new ArrayList<Selector>();
    var grouping = new LinkedHashSet<String>();
    for (int i = 0; i < tokens.size(); i++) {
      Token t = tokens.get(i);
      if (t.kind() == Kind.PUNCT && t.text().equals("{")) {
        var labels = new LinkedHashSet<String>();
        i = matchers(tokens, i, labels);
        selectors.add(new Selector(Optional.empty(), labels));
        continue;
      }
      if (t.kind() != Kind.IDENT) {
        continue;
      }
      String word = t.text();
      boolean call = isPunct(tokens, i + 1, "(");
      if (GROUPING.contains(word)) {
        if (call) {
          i = labelList(tokens, i + 1, grouping);
        }
        continue;
      }
      if (call || AGGREGATIONS.contains(word) || KEYWORDS.contains(word.toLowerCase())) {
        continue;
      }
      var labels = new LinkedHashSet<String>();
      if (isPunct(tokens, i + 1, "{")) {
        i = matchers(tokens, i + 1, labels);
      }
      selectors.add(new Selector(Optional.of(word), labels));
    }
    return new Query(List.copyOf(selectors), Set.copyOf(grouping));
  }

  /** From the "{" at {@code open}: the matchers' label names; returns the index of the "}". */
  private static int matchers(List<Token> tokens, int open, Set<String> labels) {
    int i = open + 1;
    boolean expectLabel = true;
    for (; i < tokens.size(); i++) {
      Token t = tokens.get(i);
      if (t.kind() == Kind.PUNCT && t.text().equals("}")) {
        return i;
      }
      if (t.kind() == Kind.PUNCT && t.text().equals(",")) {
        expectLabel = true;
      } else if (expectLabel && t.kind() == Kind.IDENT) {
        labels.add(t.text());
        expectLabel = false;
      }
    }
    throw new IllegalArgumentException("unclosed { in a PromQL expression");
  }

  /** From the "(" at {@code open}: the label names up to ")"; returns the index of the ")". */
  private static int labelList(List<Token> tokens, int open, Set<String> labels) {
    for (int i = open + 1; i < tokens.size(); i++) {
      Token t = tokens.get(i);
      if (t.kind() == Kind.PUNCT && t.text().equals(")")) {
        return i;
      }
      if (t.kind() == Kind.IDENT) {
        labels.add(t.text());
      }
    }
    throw new IllegalArgumentException("unclosed ( in a PromQL expression");
  }

  private static boolean isPunct(List<Token> tokens, int i, String text) {
    return i < tokens.size()
        && tokens.get(i).kind() == Kind.PUNCT
        && tokens.get(i).text().equals(text);
  }

  private static List<Token> tokens(String expr) {
    var tokens = new ArrayList<Token>();
    int i = 0;
    while (i < expr.length()) {
      char c = expr.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '#') { // a comment, to the end of the line
        while (i < expr.length() && expr.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '"' || c == '\'' || c == '`') {
        int end = i + 1;
        while (end < expr.length() && expr.charAt(end) != c) {
          end += expr.charAt(end) == '\\' && c != '`' ? 2 : 1;
        }
        if (end >= expr.length()) {
          throw new IllegalArgumentException("unclosed string in " + expr);
        }
        tokens.add(new Token(Kind.STRING, expr.substring(i + 1, end)));
        i = end + 1;
      } else if (c == '[') {
        int end = expr.indexOf(']', i);
        if (end < 0) {
          throw new IllegalArgumentException("unclosed [ in " + expr);
        }
        tokens.add(new Token(Kind.RANGE, expr.substring(i + 1, end)));
        i = end + 1;
      } else if (Character.isDigit(c)
          || (c == '.' && i + 1 < expr.length() && Character.isDigit(expr.charAt(i + 1)))) {
        int end = i;
        while (end < expr.length()
            && (Character.isLetterOrDigit(expr.charAt(end)) || expr.charAt(end) == '.')) {
          end++; // 1e3, 0x1f, 5m (an offset), 1.5
        }
        tokens.add(new Token(Kind.NUMBER, expr.substring(i, end)));
        i = end;
      } else if (Character.isLetter(c) || c == '_' || c == ':') {
        int end = i;
        while (end < expr.length()
            && (Character.isLetterOrDigit(expr.charAt(end))
                || expr.charAt(end) == '_'
                || expr.charAt(end) == ':')) {
          end++;
        }
        tokens.add(new Token(Kind.IDENT, expr.substring(i, end)));
        i = end;
      } else if (c == '$') {
        throw new IllegalArgumentException(
            "a Grafana variable outside a string or range in " + expr);
      } else {
        tokens.add(new Token(Kind.PUNCT, String.valueOf(c)));
        i++;
      }
    }
    return tokens;
  }
}
