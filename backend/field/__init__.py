"""The offline field app (PWA) for team leaders, served under /field."""
