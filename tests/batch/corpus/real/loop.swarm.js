// One agent per member of a team the batch writes itself
const team = [
  { type: "researcher", name: "Scout", focus: "the API" },
  { type: "coder", name: "Builder", focus: "the client" },
]
team.forEach(member => {
  Task(member.name, "Study " + member.focus + " and store notes in memory under 'notes/" + member.name + "'.", member.type)
})
for (const { script } of [{ script: "lint" }, { script: "test" }]) {
  Bash(`npm run ${script}`)
}
