"""Attacks on the assistant, each tried against the real processes started the way
`scripts/start` starts them; every test asserts the attack is refused and that
nothing changed (order still open, account unchanged, no message shown)."""
