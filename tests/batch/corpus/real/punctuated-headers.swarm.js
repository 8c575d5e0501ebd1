// Headers and notes pasted with their punctuation: apostrophes, quotes, backquotes, braces,
// parentheses, brackets, dashes and emoji are part of a title, never code.
[Single Message - Today's work]:
  mcp__claude-flow__swarm_init { topology: "mesh", maxAgents: 3 }
  Task("Planner", "Plan today's release. Store the plan in memory under 'release/plan'.", "planner")
  TodoWrite { todos: [
    { id: "plan", content: "Plan the release", status: "in_progress", priority: "high" },
    { id: "design", content: "Design the pages", status: "pending", priority: "high" },
    { id: "ship", content: "Run CI and ship", status: "pending", priority: "medium" }
  ]}

[Wait for Bob's review (CI)]

[BatchTool - Phase 1 "Design" 🎨]:
  Task("Designer", "Wait for 'release/plan' in memory, then design the pages.", "architect")

[Message 3 — Ops (CI/CD) {nightly}]
  Bash("make ci")

> Bob's note: run `make` [first]
// Message 4: Today's `deploy` {prod}
  Bash("make deploy")
