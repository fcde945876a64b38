"""Source stage: bytes to text with positions, and a position-keeping JSON tree."""
