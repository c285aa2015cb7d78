"""Intake's programme rules: who may join as mentee or mentor, and the mentors' initial training."""
