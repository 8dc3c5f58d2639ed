"""Hostile vendor answers (issue 18 item 6): a generated corpus, its runner, and its verdicts."""
