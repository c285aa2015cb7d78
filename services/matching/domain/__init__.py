"""Matching's pure domain: candidates, scores with reasons, assignment of a waiting pool."""
