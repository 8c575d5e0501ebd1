[Single Message - Release]:
Task("Changelog", "Collect the merged changes. Store the changelog in memory under 'release/changelog'.", "researcher")
Task("Packager", "Build the packages according to the memory specifications. Store the build log in memory under 'release/build'.", "coder")
Task("Announcer", "Retrieve the changelog from memory and draft the announcement.", "api-docs")
Task("Release Lead", "Wait for all agents to complete, then tag the release.", "planner")
Task("Rust Porter", "Port the plugin: impl Plugin for Exporter { ... } stays as it is.", "coder")
memory.store("release/specifications", "semver, signed wheels")
