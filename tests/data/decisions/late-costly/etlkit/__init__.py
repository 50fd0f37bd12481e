"""etlkit."""
