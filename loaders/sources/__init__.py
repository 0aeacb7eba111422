"""Where raw messages come from: format detection and one reader per source format."""
