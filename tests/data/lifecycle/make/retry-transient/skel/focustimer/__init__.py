"""focustimer: pomodoro sessions, their history and a weekly report."""
