// Placeholder until the portal browser tests (issue #6) land.
