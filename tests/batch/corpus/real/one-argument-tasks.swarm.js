[Single Message with BatchTool]:
  // Coordination setup: with Task calls below, these only declare types.
  mcp__claude-flow__swarm_init { topology: "mesh", maxAgents: 4 }
  mcp__claude-flow__agent_spawn { type: "researcher" }
  mcp__claude-flow__agent_spawn { type: "coder" }

  // The agents that do the work.
  Task("You are researcher agent. Compare three queue libraries and store the comparison in memory under 'queues/comparison'.")
  Task("You are coder agent. Read 'queues/comparison' from memory, then wire in the winner.")
  Task("Tester agent: write load tests for the queue once it is wired in.")
  Task("Keep the changelog up to date.")
  TodoWrite { todos: [8 todos covering the comparison, wiring and tests] }

  Bash "mkdir -p queue/{src,tests}"
  Write "queue/src/worker.js"
