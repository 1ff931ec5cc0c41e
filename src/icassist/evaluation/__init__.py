"""Offline evaluation: gold question files, retrieval/answer metrics, a tutorial baseline, reports and a CI gate."""
