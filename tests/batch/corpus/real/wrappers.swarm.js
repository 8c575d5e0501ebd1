// JavaScript around the operations: they still belong to the message they are written in.
[Single Message - Wrappers]:
const results = await Promise.all([
  Task("Mapper", "Map every endpoint of the API.", "researcher"),
  Task("Prober", "Probe each endpoint for timeouts.", "tester"),
])
const notes = Task("Scribe", "Write up what the others found.", "api-docs")
await (async () => {
  Bash("curl -s localhost:8080/health")
})()
[ Bash("echo one"), Bash("echo two") ]
LOG=$(Bash("date +%s"))
