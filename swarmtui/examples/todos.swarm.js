// Todos follow their agents: a linked todo goes in_progress when its agent starts
// and completed when it finishes. On the todos panel, space cycles a todo's status.
[Single Message - Docs sprint]:
Task("Outliner", "Outline the user guide. Store the outline in memory under 'swarm/docs/outline'.",
     "planner")
Task("Guide Writer", "Read the outline from memory 'swarm/docs/outline'. Write the guide " +
     "to docs/guide.md and store a summary in 'swarm/docs/guide'.", "api-docs")
Task("Example Maker", "Read the outline from memory 'swarm/docs/outline'. Write runnable examples " +
     "and store their list in 'swarm/docs/examples'.", "coder")
Task("Proofreader", "Wait for 'swarm/docs/guide' and 'swarm/docs/examples' in memory. " +
     "Fix tone and typos.", "reviewer")

TodoWrite({ todos: [
  {id: "1", content: "Outline the guide", status: "pending", priority: "critical", agent: "Outliner"},
  {id: "2", content: "Write the guide", status: "pending", priority: "high", agent: "Guide Writer"},
  {id: "3", content: "Make examples", status: "pending", priority: "medium", agent: "Example Maker"},
  {id: "4", content: "Proofread", status: "pending", priority: "low", agent: "Proofreader"},
  {id: "5", content: "Announce the release", status: "pending", priority: "low"},
]})
