"""Rules stage: pure functions of the subject (document, typed model, context) to hits."""
