"""The dress rehearsal: a whole championship simulated end to end (`kejurda rehearse`,
docs/rehearsal.md).

`event` writes the event file and the teams; `venue` runs the real server and agent
processes; `play` drives them as the desk, referees and judges do; `viewers` follows
`/live` as the spectators' phones do, from a process of its own; `checks`
recomputes every result from the stored facts and prints the invariants."""
