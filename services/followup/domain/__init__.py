"""Followup's pure domain: a duo's six months (sessions, check-ins, risk, closing, outcomes) and the
programme's figures computed from recorded facts. No framework, no clock, no I/O."""
