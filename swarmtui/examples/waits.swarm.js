// Waits: agents start together, and each waits for the memory keys it needs.
// Unquoted waits ("the API schema") are matched against what others store (see SW013).
[Single Message - Signup API]:
Task("Architect", "Design the signup endpoint. Store the API schema in memory under 'swarm/signup/schema'.",
     "system-architect")
Task("Backend", "Implement the endpoint using the API schema from memory. " +
     "Store the route list in 'swarm/signup/routes'.", "backend-dev")
Task("Frontend", "Build the signup form using the API schema from memory.", "frontend-dev")
Task("Tester", "Wait for 'swarm/signup/routes' in memory. Write integration tests. " +
     "Save the test report to memory 'swarm/signup/tests'.", "tester")
Task("Security", "Check memory for 'swarm/signup/schema'. Review it for injection and rate limits.",
     "security-manager")

memory.store("swarm/signup/meta", JSON.stringify({ ticket: "SIGN-12", opened: new Date().toISOString() }))
