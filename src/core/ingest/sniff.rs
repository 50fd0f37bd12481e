//! Decide which reader a file needs, by content (not by name).
