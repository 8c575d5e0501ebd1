// Message 1: Plan
Task("Planner", "Plan the cache layer. Store the plan in memory under 'cache/plan'.", "planner")

// Message 2: Build
Task("Builder", "Read the plan from memory 'cache/plan' and build the cache. Store the build notes in memory under 'cache/build'.", "coder")

Message 3:
Task("Benchmarker", "Read 'cache/build' from memory and measure the cache hit rate.", "performance-benchmarker")
