# Set up the swarm from the command line
mcp__claude-flow__swarm_init hierarchical --maxAgents=6 --strategy=specialized
mcp__claude-flow__agent_spawn researcher --name "Doc Reader" --capabilities="read,summarise"
mcp__claude-flow__agent_spawn coder --name "Patch Writer"
mcp__claude-flow__task_orchestrate "Update the deprecated API calls" --strategy=parallel
mcp__claude-flow__swarm_monitor --interval=5000
