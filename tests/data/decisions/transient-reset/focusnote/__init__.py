"""focusnote."""
