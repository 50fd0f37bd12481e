"""shelfie."""
