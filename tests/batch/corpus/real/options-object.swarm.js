// Explicit keys in an options object: nothing to guess.
Task("Requirements", "Collect the export requirements", {
  mode: "researcher",
  memoryKey: "export/requirements"
});
Task("Exporter Design", "Design the CSV and Parquet exporters", {
  mode: "architect",
  memoryDependency: "export/requirements",
  memoryKey: "export/design"
});
Task("Exporter Build", "Build both exporters", {
  type: "coder",
  memoryDependency: ["export/design"],
  batchOptimized: true
});
Task("Release Notes", "Describe the new export options", {
  mode: "documenter",
  dependsOn: ["Exporter Build"]
});
