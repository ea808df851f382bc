"""Onboarding a mailbox: labels, config import, history seed, watch."""
