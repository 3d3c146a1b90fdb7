"""Evaluation harness: gold cases, scoring metrics and the reports built from them."""
