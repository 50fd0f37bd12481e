"""notely."""
