package io.qemuoperator.images;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * A Java image as its module's pom defines it for Jib (jib-maven-plugin's configuration, with the
 * root pom's pluginManagement for what the module does not set and the poms' properties expanded).
 */
record JibImage(
    String image,
    String user,
    String appRoot,
    String mainClass,
    List<String> jvmFlags,
    List<Integer> ports) {
  private static final String PLUGIN = "jib-maven-plugin";

  static JibImage of(Path rootPom, Path modulePom) throws Exception {
    Element root = jibConfiguration(rootPom, "pluginManagement");
    Element module = jibConfiguration(modulePom, "plugins");
    var properties = new java.util.HashMap<String, String>(properties(rootPom));
    properties.putAll(properties(modulePom));
    var lookup = new Lookup(List.of(module, root), properties);
    return new JibImage(
        lookup.text("to/image").orElseThrow(),
        lookup.text("container/user").orElseThrow(),
        lookup.text("container/appRoot").orElseThrow(),
        lookup.text("container/mainClass").orElseThrow(),
        lookup.list("container/jvmFlags"),
        lookup.list("container/ports").stream().map(Integer::valueOf).toList());
  }

  /** What Jib writes as the entrypoint: java, the flags, its classpath file, the main class. */
  List<String> entrypoint() {
    var entrypoint = new ArrayList<String>();
    entrypoint.add("java");
    entrypoint.addAll(jvmFlags);
    entrypoint.addAll(List.of("-cp", "@" + appRoot + "/jib-classpath-file", mainClass));
    return List.copyOf(entrypoint);
  }

  private record Lookup(List<Element> configurations, Map<String, String> properties) {
    Optional<String> text(String path) {
      return configurations.stream()
          .map(c -> child(c, path))
          .flatMap(Optional::stream)
          .findFirst()
          .map(e -> expand(e.getTextContent().strip()));
    }

    List<String> list(String path) {
      return configurations.stream()
          .map(c -> child(c, path))
          .flatMap(Optional::stream)
          .findFirst()
          .map(
              e -> {
                var items = new ArrayList<String>();
                for (Element item : elements(e.getChildNodes())) {
                  items.add(expand(item.getTextContent().strip()));
                }
                return List.copyOf(items);
              })
          .orElse(List.of());
    }

    private String expand(String text) {
      String expanded = text;
      for (var property : properties.entrySet()) {
        expanded = expanded.replace("${" + property.getKey() + "}", property.getValue());
      }
      if (expanded.contains("${")) {
        throw new AssertionError("unknown property in " + text);
      }
      return expanded;
    }
  }

  private static Element jibConfiguration(Path pom, String section) throws Exception {
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    Element build = child(doc.getDocumentElement(), "build").orElseThrow();
    Element plugins =
        section.equals("plugins")
            ? child(build, "plugins").orElseThrow()
            : child(build, "pluginManagement/plugins").orElseThrow();
    for (Element plugin : elements(plugins.getChildNodes())) {
      if (child(plugin, "artifactId")
          .map(a -> a.getTextContent().strip())
          .orElse("")
          .equals(PLUGIN)) {
        return child(plugin, "configuration").orElseThrow();
      }
    }
    throw new AssertionError("no " + PLUGIN + " in the " + section + " of " + pom);
  }

  private static Map<String, String> properties(Path pom) throws Exception {
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    var properties = new java.util.HashMap<String, String>();
    child(doc.getDocumentElement(), "properties")
        .ifPresent(
            p ->
                elements(p.getChildNodes())
                    .forEach(e -> properties.put(e.getTagName(), e.getTextContent().strip())));
    return properties;
  }

  private static Optional<Element> child(Element parent, String path) {
    Element current = parent;
    for (String name : path.split("/")) {
      Element next = null;
      for (Element e : elements(current.getChildNodes())) {
        if (e.getTagName().equals(name)) {
          next = e;
          break;
        }
      }
      if (next == null) {
        return Optional.empty();
      }
      current = next;
    }
    return Optional.of(current);
  }

  private static List<Element> elements(NodeList nodes) {
    var elements = new ArrayList<Element>();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE) {
        elements.add((Element) nodes.item(i));
      }
    }
    return elements;
  }
}
