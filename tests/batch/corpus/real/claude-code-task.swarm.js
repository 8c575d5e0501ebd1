// Claude Code's own Task shape, every agent in the background, in one message.
Task({
  description: "Survey log formats",
  prompt: "Survey the log formats our services write. Store a summary in memory under 'logs/formats'.",
  subagent_type: "researcher",
  run_in_background: true
})
Task({
  description: "Write the parser",
  prompt: "Read 'logs/formats' from memory. Write a parser for each format.",
  subagent_type: "coder",
  model: "sonnet",
  run_in_background: true
})
Task({
  prompt: "Review the parser for performance once it exists.",
  subagent_type: "general-purpose"
})
TodoWrite({ todos: [
  {content: "Survey log formats", status: "in_progress", activeForm: "Surveying log formats"},
  {content: "Write the parser", status: "pending", activeForm: "Writing the parser"},
  {content: "Review the parser", status: "pending", activeForm: "Reviewing the parser"}
]})
