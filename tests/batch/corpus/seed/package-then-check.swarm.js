// Some work is sequential: the second message starts once the first has finished.
[Single Message - Package]:
Task("Packager", "Build the wheel and store the build log in memory under 'swarm/package/log'.", "coder")
Bash("echo packaging > artifacts/scripts/package.txt")

[Single Message - Check]:
Task("Inspector", "Read the build log from memory 'swarm/package/log'. List any warnings.", "tester")
Task("Notes", "Update the install notes.", "api-docs")
